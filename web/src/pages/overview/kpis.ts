/**
 * The overview's KPI cards: which API field each shows, how it is formatted, whether a rise is good
 * news, and when it applies (order figures need orders, MRR / NRR / GRR subscriptions).
 */
import type { Overview } from '../../api';
import type { MessageKey } from '../../i18n/i18n';

export type KpiField = keyof Overview['current']['kpis'];
export type KpiKind = 'rate' | 'count' | 'money';
export type KpiGroup = 'retention' | 'revenue' | 'value';
export const KPI_GROUPS: readonly KpiGroup[] = ['retention', 'revenue', 'value'];

export interface KpiDefinition {
  readonly field: KpiField;
  readonly group: KpiGroup;
  readonly kind: KpiKind;
  /** Whether an increase is good news (`up`), bad news (`down`), or neither. */
  readonly better: 'up' | 'down' | 'none';
  readonly needs: 'orders' | 'subscriptions' | null;
  readonly label: MessageKey;
  readonly help: MessageKey;
}

export const KPIS: readonly KpiDefinition[] = [
  {
    field: 'crr',
    group: 'retention',
    kind: 'rate',
    better: 'up',
    needs: null,
    label: 'kpi.crr',
    help: 'kpi.crr.help',
  },
  {
    field: 'retentionRate',
    group: 'retention',
    kind: 'rate',
    better: 'up',
    needs: null,
    label: 'kpi.retentionRate',
    help: 'kpi.retentionRate.help',
  },
  {
    field: 'churnRate',
    group: 'retention',
    kind: 'rate',
    better: 'down',
    needs: null,
    label: 'kpi.churnRate',
    help: 'kpi.churnRate.help',
  },
  {
    field: 'activeCustomers',
    group: 'retention',
    kind: 'count',
    better: 'up',
    needs: null,
    label: 'kpi.activeCustomers',
    help: 'kpi.activeCustomers.help',
  },
  {
    field: 'newCustomers',
    group: 'retention',
    kind: 'count',
    better: 'up',
    needs: null,
    label: 'kpi.newCustomers',
    help: 'kpi.newCustomers.help',
  },
  {
    field: 'revenue',
    group: 'revenue',
    kind: 'money',
    better: 'up',
    needs: 'orders',
    label: 'kpi.revenue',
    help: 'kpi.revenue.help',
  },
  {
    field: 'averageOrderValue',
    group: 'revenue',
    kind: 'money',
    better: 'up',
    needs: 'orders',
    label: 'kpi.averageOrderValue',
    help: 'kpi.averageOrderValue.help',
  },
  {
    field: 'repeatPurchaseRate',
    group: 'revenue',
    kind: 'rate',
    better: 'up',
    needs: 'orders',
    label: 'kpi.repeatPurchaseRate',
    help: 'kpi.repeatPurchaseRate.help',
  },
  {
    field: 'mrr',
    group: 'revenue',
    kind: 'money',
    better: 'up',
    needs: 'subscriptions',
    label: 'kpi.mrr',
    help: 'kpi.mrr.help',
  },
  {
    field: 'nrr',
    group: 'revenue',
    kind: 'rate',
    better: 'up',
    needs: 'subscriptions',
    label: 'kpi.nrr',
    help: 'kpi.nrr.help',
  },
  {
    field: 'grr',
    group: 'revenue',
    kind: 'rate',
    better: 'up',
    needs: 'subscriptions',
    label: 'kpi.grr',
    help: 'kpi.grr.help',
  },
  {
    field: 'averagePredictedClv',
    group: 'value',
    kind: 'money',
    better: 'up',
    needs: 'orders',
    label: 'kpi.averagePredictedClv',
    help: 'kpi.averagePredictedClv.help',
  },
  {
    field: 'customersAtRisk',
    group: 'value',
    kind: 'count',
    better: 'down',
    needs: 'orders',
    label: 'kpi.customersAtRisk',
    help: 'kpi.customersAtRisk.help',
  },
  {
    field: 'revenueAtRisk',
    group: 'value',
    kind: 'money',
    better: 'down',
    needs: 'orders',
    label: 'kpi.revenueAtRisk',
    help: 'kpi.revenueAtRisk.help',
  },
];

/** The cards that apply to this overview's workspace. */
export function applicableKpis(overview: Overview): KpiDefinition[] {
  return KPIS.filter(
    (kpi) =>
      kpi.needs === null ||
      (kpi.needs === 'orders' && overview.hasOrders) ||
      (kpi.needs === 'subscriptions' && overview.hasSubscriptions),
  );
}

export interface Change {
  /** Difference in points (rates) or relative change (counts, money, as a ratio). */
  readonly amount: number;
  readonly unit: 'points' | 'ratio';
  readonly direction: 'up' | 'down' | 'flat';
  readonly tone: 'good' | 'bad' | 'neutral';
}

/**
 * The change of a KPI from `previous` to `current`: rates in percentage points, counts and money
 * relative to the previous value; `null` when either is unknown or for a relative change from 0.
 */
export function kpiChange(
  kpi: KpiDefinition,
  current: number | null,
  previous: number | null,
): Change | null {
  if (current === null || previous === null) return null;
  let amount: number;
  if (kpi.kind === 'rate') amount = current - previous;
  else if (previous === 0) {
    // 0 → 0 is no change; 0 → anything else has no relative change.
    return current === 0 ? { amount: 0, unit: 'ratio', direction: 'flat', tone: 'neutral' } : null;
  } else amount = (current - previous) / Math.abs(previous);
  const rounded = kpi.kind === 'rate' ? Math.round(amount * 10) / 10 : Math.round(amount * 1000) / 1000;
  const direction = rounded > 0 ? 'up' : rounded < 0 ? 'down' : 'flat';
  const tone =
    direction === 'flat' || kpi.better === 'none'
      ? 'neutral'
      : (direction === 'up') === (kpi.better === 'up')
        ? 'good'
        : 'bad';
  return { amount, unit: kpi.kind === 'rate' ? 'points' : 'ratio', direction, tone };
}
