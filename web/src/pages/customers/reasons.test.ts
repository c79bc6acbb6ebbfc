/**
 * The at-risk reasons in words, in both languages, from the data the API sends. The English words
 * match the core's (`describeAtRiskReason`, core/risk/at-risk-score.ts) but for the capital, the
 * money, which is in the workspace currency, and numbers grouped by the locale.
 */
import { describe, expect, it } from 'vitest';
import { translate } from '../../i18n/i18n';
import { reasonText } from './reasons';

const en = (key: Parameters<typeof translate>[1], values?: Parameters<typeof translate>[2]) =>
  translate('en', key, values);
const zh = (key: Parameters<typeof translate>[1], values?: Parameters<typeof translate>[2]) =>
  translate('zh-CN', key, values);

describe('reasonText', () => {
  it('words each reason with its numbers, in English and Chinese', () => {
    const expected = {
      code: 'expected_purchases',
      points: 40,
      expected: 0.0224,
      typical: 0.2464,
      horizonDays: 90,
    } as const;
    expect(reasonText(expected, en, 'en', 'USD')).toBe(
      'Expected to buy 0.022 times in the next 90 days, against 0.25 for a typical customer',
    );
    expect(reasonText(expected, zh, 'zh-CN', 'USD')).toBe('预计未来 90 天购买 0.022 次，典型客户为 0.25 次');
    expect(
      reasonText({ code: 'overdue', points: 9, daysOverdue: 42, usualGapDays: 20 }, en, 'en', 'USD'),
    ).toBe('42 days past their usual 20-day rhythm');
    expect(
      reasonText({ code: 'overdue', points: 1, daysOverdue: 1, usualGapDays: 20 }, en, 'en', 'USD'),
    ).toBe('1 day past their usual 20-day rhythm');
    expect(reasonText({ code: 'single_purchase', points: 3, daysSince: 1544 }, en, 'en', 'USD')).toBe(
      'One purchase, 1,544 days ago',
    );
    expect(
      reasonText(
        { code: 'low_value', points: 19, valueCents: 1200, typicalValueCents: 4339.5 },
        en,
        'en',
        'USD',
      ),
    ).toBe('Spent $12.00 to date, against $43.40 for a typical customer');
    expect(
      reasonText(
        { code: 'low_value', points: 19, valueCents: 1200, typicalValueCents: 4339.5 },
        zh,
        'zh-CN',
        'EUR',
      ),
    ).toBe('累计消费 €12.00，典型客户为 €43.40');
    expect(reasonText({ code: 'breached_tickets', points: 5, tickets: 2 }, en, 'en', 'USD')).toBe(
      '2 open tickets breaching their SLA',
    );
    expect(reasonText({ code: 'engagement_decline', points: 2, percent: 40 }, en, 'en', 'USD')).toBe(
      'Engagement down 40 %',
    );
    expect(reasonText({ code: 'negative_feedback', points: 10 }, zh, 'zh-CN', 'USD')).toBe('给出过负面反馈');
    const notSatisfied = { kind: 'csat', scale: 'binary', rating: 0 } as const;
    expect(
      reasonText({ code: 'negative_feedback', points: 10, feedback: notSatisfied }, en, 'en', 'USD'),
    ).toBe('Rated the last request not satisfied');
    const nps = { kind: 'nps', rating: 3 } as const;
    expect(reasonText({ code: 'negative_feedback', points: 10, feedback: nps }, en, 'en', 'USD')).toBe(
      'Gave an NPS of 3',
    );
    expect(reasonText({ code: 'negative_feedback', points: 10, feedback: nps }, zh, 'zh-CN', 'USD')).toBe(
      'NPS 评分为 3',
    );
  });
});
