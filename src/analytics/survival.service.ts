/**
 * `GET /analytics/survival`: how long customers keep paying — the core's survival analysis
 * (`analyzeSurvival`: Kaplan–Meier with 95 % intervals and median lifetime, and the
 * shifted-beta-geometric fit with its projection) over the workspace's paid subscriptions, exactly
 * what `retain survival --json` reports for the file they were imported from.
 */
import type { Kysely } from 'kysely';
import { analyzeSurvival } from '../core/index.js';
import type { Database } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { loadSubscriptionTable } from './analytics.repository.js';
import { localMidnight, reportOptions } from './analytics.service.js';

export interface SurvivalQuery {
  /** The last local day of data used, `YYYY-MM-DD`; default the day of the latest start or end. */
  readonly to?: string | undefined;
  /** Unit of the curve's times (default month, 30.4375 days). */
  readonly unit?: 'day' | 'month' | undefined;
  /** Customer column or attribute key to split the customers by (its value at acquisition). */
  readonly by?: string | undefined;
}

/**
 * The survival analysis in the workspace's time zone. Errors: no paid subscriptions (or none
 * started by `to`), 404; an unknown `by`, 400. O(subscriptions) plus one curve and one sBG fit per
 * group.
 */
export async function survivalReport(db: Kysely<Database>, workspaceId: number, query: SurvivalQuery) {
  const { timeZone } = await reportOptions(db, workspaceId, {});
  const table = await loadSubscriptionTable(
    db,
    workspaceId,
    query.by === undefined ? {} : { attribute: query.by },
  );
  const analyzed = analyzeSurvival(table, {
    timeZone,
    unit: query.unit ?? 'month',
    ...(query.to === undefined ? {} : { asOf: localMidnight(query.to, 'to', timeZone) }),
    ...(query.by === undefined ? {} : { groupBy: query.by }),
  });
  if (!analyzed.ok) {
    throw new RetainError(
      'not_found',
      `This workspace has no paid subscriptions to analyse: ${analyzed.error.message}.`,
    );
  }
  return analyzed.value;
}
