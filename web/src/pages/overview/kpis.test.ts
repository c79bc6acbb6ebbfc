/** The change shown on a KPI card: points for rates, relative for counts and money, and its tone. */
import { describe, expect, it } from 'vitest';
import type { Overview } from '../../api';
import { applicableKpis, KPIS, kpiChange } from './kpis';

const kpi = (field: string) => KPIS.find((definition) => definition.field === field)!;

describe('kpiChange', () => {
  it('gives rates in percentage points and counts as a ratio, good or bad by the KPI’s direction', () => {
    // CDNOW May vs April 1998 (overview.routes.test.ts): retention 92.49 % → 94.40 %.
    expect(kpiChange(kpi('retentionRate'), 94.39688715953307, 92.49422632794457)).toMatchObject({
      unit: 'points',
      direction: 'up',
      tone: 'good',
    });
    expect(kpiChange(kpi('churnRate'), 5.6, 7.5)).toMatchObject({ direction: 'down', tone: 'good' });
    // 2,845 → 2,591 customers at risk: −8.9 %, good news.
    const atRisk = kpiChange(kpi('customersAtRisk'), 2591, 2845)!;
    expect(atRisk.amount).toBeCloseTo(-0.0893, 4);
    expect(atRisk).toMatchObject({ unit: 'ratio', direction: 'down', tone: 'good' });
    expect(kpiChange(kpi('revenue'), 110, 100)).toMatchObject({ direction: 'up', tone: 'good' });
  });

  it('has no change without both values or from 0, and calls 0 → 0 unchanged', () => {
    expect(kpiChange(kpi('crr'), null, 90)).toBeNull();
    expect(kpiChange(kpi('newCustomers'), 5, 0)).toBeNull();
    expect(kpiChange(kpi('newCustomers'), 0, 0)).toMatchObject({ direction: 'flat', tone: 'neutral' });
    expect(kpiChange(kpi('crr'), 90.02, 90.0)).toMatchObject({ direction: 'flat', tone: 'neutral' });
  });

  it('lists every KPI of the API once', () => {
    const fields = KPIS.map((definition) => definition.field);
    expect(new Set(fields).size).toBe(fields.length);
    expect(fields).toHaveLength(14);
  });
});

describe('applicableKpis', () => {
  const fields = (hasOrders: boolean, hasSubscriptions: boolean) =>
    applicableKpis({ hasOrders, hasSubscriptions } as Overview).map((kpi) => kpi.field);

  it('shows order figures with orders and MRR, NRR and GRR with subscriptions only', () => {
    expect(fields(true, false)).toHaveLength(11);
    expect(fields(true, false)).not.toContain('mrr');
    expect(fields(true, true)).toHaveLength(14);
    expect(fields(false, true)).toEqual([
      'crr',
      'retentionRate',
      'churnRate',
      'activeCustomers',
      'newCustomers',
      'mrr',
      'nrr',
      'grr',
    ]);
  });
});
