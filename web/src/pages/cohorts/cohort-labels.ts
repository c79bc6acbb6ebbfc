/**
 * Cohort and age names in words for the Cohorts page: a cohort's label from the API (`1997-03`,
 * `1997-Q1`, or a date for days and weeks) as the locale writes it, and "month 3" for an age.
 */
import { formatDate, formatPeriodLabel, formatShortPeriodLabel } from '../../i18n/format';
import type { Locale, MessageKey, useI18n } from '../../i18n/i18n';
import type { CohortPeriod } from './cohort-options';

type Translate = ReturnType<typeof useI18n>['t'];

/** `May 1998`, `Q1 1997`, `3 Mar 1997`, `Week of 3 Mar 1997`. */
export function cohortName(label: string, period: CohortPeriod, locale: Locale, t: Translate): string {
  if (period === 'day') return formatDate(label, locale);
  if (period === 'week') return t('cohorts.weekOf', { date: formatDate(label, locale) });
  return formatPeriodLabel(label, locale, t);
}

/**
 * The short form for table rows and chart axes: `May 98`, `Q1 1997`, `3 Mar 1997` (days and weeks
 * keep their year: a daily matrix spans years, and two rows must never read alike).
 */
export function shortCohortName(label: string, period: CohortPeriod, locale: Locale, t: Translate): string {
  if (period === 'day' || period === 'week') return formatDate(label, locale);
  return formatShortPeriodLabel(label, locale, t);
}

const AGE_NAMES: Readonly<Record<CohortPeriod, MessageKey>> = {
  day: 'cohorts.age.day',
  week: 'cohorts.age.week',
  month: 'cohorts.age.month',
  quarter: 'cohorts.age.quarter',
};

/** `Month 3` (the cohort's period is month 0). */
export function ageName(age: number, period: CohortPeriod, t: Translate): string {
  return t(AGE_NAMES[period], { age });
}
