/**
 * Period labels from the API in words, through Intl (expected texts: Chromium's and Node's ICU
 * for en and zh-CN, as the dashboard shows them).
 */
import { describe, expect, it } from 'vitest';
import { formatPeriodLabel, formatShortPeriodLabel } from './format';
import { type MessageKey, translate, type Values } from './i18n';

const tEn = (key: MessageKey, values?: Values) => translate('en', key, values);
const tZh = (key: MessageKey, values?: Values) => translate('zh-CN', key, values);

describe('period labels', () => {
  it('show a week (its first day, as the feedback report labels it) as a date, not the ISO day', () => {
    expect(formatShortPeriodLabel('2026-09-07', 'en', tEn)).toBe('Sep 7');
    expect(formatShortPeriodLabel('2026-09-07', 'zh-CN', tZh)).toBe('9月7日');
    expect(formatPeriodLabel('2026-09-07', 'en', tEn)).toBe('Sep 7, 2026');
    expect(formatPeriodLabel('2026-09-07', 'zh-CN', tZh)).toBe('2026年9月7日');
  });

  it('keep months, quarters and years as before, and anything else as given', () => {
    expect(formatShortPeriodLabel('1998-05', 'en', tEn)).toBe('May 98');
    expect(formatPeriodLabel('1998-05', 'en', tEn)).toBe('May 1998');
    expect(formatPeriodLabel('1998-Q1', 'en', tEn)).toBe(
      tEn('period.quarterLabel', { year: '1998', quarter: '1' }),
    );
    expect(formatPeriodLabel('1997', 'zh-CN', tZh)).toBe(tZh('period.yearLabel', { year: '1997' }));
    expect(formatPeriodLabel('week 7', 'en', tEn)).toBe('week 7');
  });
});
