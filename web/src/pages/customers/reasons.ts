/**
 * The at-risk reasons in words: the API sends each reason as data (a code and the numbers its words
 * show: customers/score.repository.ts, core/risk `AtRiskReason`), so it reads in the dashboard's
 * language with its number and money formats.
 */
import type { AtRiskReason } from '../../api/openapi.gen';
import { formatCount, formatMoney } from '../../i18n/format';
import type { Locale, MessageKey, Values } from '../../i18n/i18n';

type Translate = (key: MessageKey, values?: Values) => string;

/** Expected purchases: two significant digits below 1, one decimal above (as the core words them). */
export function formatExpected(value: number, locale: Locale): string {
  const options: Intl.NumberFormatOptions =
    value >= 1 ? { minimumFractionDigits: 1, maximumFractionDigits: 1 } : { maximumSignificantDigits: 2 };
  return new Intl.NumberFormat(locale, options).format(value);
}

/** A count with the English singular where it applies (`1 day`, `2 days`); one form in Chinese. */
function plural(
  count: number,
  one: MessageKey,
  other: MessageKey,
  t: Translate,
  locale: Locale,
  values: Values,
) {
  return t(count === 1 ? one : other, { ...values, count: formatCount(count, locale) });
}

/**
 * One reason in words. Money (cents) in the workspace `currency`.
 * Example: `{ code: 'single_purchase', daysSince: 180 }` → "One purchase, 180 days ago".
 */
export function reasonText(reason: AtRiskReason, t: Translate, locale: Locale, currency: string): string {
  switch (reason.code) {
    case 'expected_purchases':
      return t('customers.reason.expectedPurchases', {
        expected: formatExpected(reason.expected, locale),
        typical: formatExpected(reason.typical, locale),
        days: formatCount(reason.horizonDays, locale),
      });
    case 'overdue':
      return plural(
        reason.daysOverdue,
        'customers.reason.overdue.one',
        'customers.reason.overdue',
        t,
        locale,
        {
          gap: formatCount(reason.usualGapDays, locale),
        },
      );
    case 'single_purchase':
      return plural(
        reason.daysSince,
        'customers.reason.singlePurchase.one',
        'customers.reason.singlePurchase',
        t,
        locale,
        {},
      );
    case 'low_value':
      return t('customers.reason.lowValue', {
        value: formatMoney(reason.valueCents / 100, currency, locale),
        typical: formatMoney(reason.typicalValueCents / 100, currency, locale),
      });
    case 'negative_feedback':
      if (reason.feedback === undefined) return t('customers.reason.negativeFeedback');
      if (reason.feedback.kind === 'nps')
        return t('customers.reason.negativeNps', { score: formatCount(reason.feedback.rating, locale) });
      return reason.feedback.scale === 'binary'
        ? t('customers.reason.notSatisfied')
        : t('customers.reason.lowCsat', { rating: formatCount(reason.feedback.rating, locale) });
    case 'breached_tickets':
      return plural(
        reason.tickets,
        'customers.reason.breachedTickets.one',
        'customers.reason.breachedTickets',
        t,
        locale,
        {},
      );
    case 'engagement_decline':
      return t('customers.reason.engagementDecline', { percent: formatCount(reason.percent, locale) });
  }
}
