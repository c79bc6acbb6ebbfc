/**
 * `GET /analytics/clv/diagnostics`: how well the CLV model predicts, the way the literature checks
 * it (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way", §4 and Figure 4): fit on a
 * calibration period, predict each customer's repeat purchases in the holdout period that follows,
 * and compare with what they did, grouped by their repeat purchases in calibration (0 … 7+). The
 * core's CLV analysis (`clvSummaries` + `analyzeClv`, what `retain clv --calibration-end …
 * --observation-end …` runs) over the workspace's day-aggregated orders.
 */
import type { Kysely } from 'kysely';
import { analyzeClv, type ClvModelChoice, clvSummaries, LocalDayMapper } from '../core/index.js';
import type { Database } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { type AnalyticsQuery, dayTable, fitName, localMidnight, resolve } from './analytics.service.js';

export interface ClvDiagnosticsQuery extends AnalyticsQuery {
  /** Last local day of the calibration period, `YYYY-MM-DD`; default the day halfway through the data. */
  readonly calibrationEnd?: string | undefined;
  /** Last local day of the holdout period, `YYYY-MM-DD`; default the data's last day (or `to`). */
  readonly observationEnd?: string | undefined;
  /** The transaction model (default `bgnbd`); `auto`: the lowest holdout error of the three. */
  readonly model?: ClvModelChoice | undefined;
}

const DAY_MS = 86_400_000;
const isoDay = (dayNumber: number) => new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

function invalid(field: string, message: string): RetainError {
  return new RetainError('invalid_input', 'The request is not valid.', [{ path: ['query', field], message }]);
}

/**
 * The calibration/holdout diagnostics: the fitted transaction model (name, parameters,
 * log-likelihood) and Gamma-Gamma (p, q, γ in currency units), the holdout totals (customers,
 * actual and predicted repeat purchases, MAE and RMSE per customer), and the conditional
 * expectations by calibration frequency 0 … 6, 7+ (FHL 2005 Figure 4). Time unit weeks; purchase
 * periods are local days. A fit that fails leaves the model fields `null` and says why in `notes`.
 * Errors: a calibration end outside the data or not before the observation end, 400 naming it;
 * no orders, 404. Cost: one aggregation, the summaries (O(rows)) and the fits.
 */
export async function clvDiagnosticsReport(
  db: Kysely<Database>,
  workspaceId: number,
  query: ClvDiagnosticsQuery,
) {
  const analysis = await resolve(db, workspaceId, query);
  const { timeZone } = analysis.options;
  const days = new LocalDayMapper(timeZone);
  const firstDay = days.dayNumber(analysis.bounds.first);
  const observationEnd =
    query.observationEnd === undefined
      ? analysis.dataEndExclusive - 1
      : localMidnight(query.observationEnd, 'observationEnd', timeZone);
  const observationDay = days.dayNumber(observationEnd);
  const calibrationEnd =
    query.calibrationEnd === undefined
      ? localMidnight(
          isoDay(firstDay + Math.floor((observationDay - firstDay) / 2)),
          'calibrationEnd',
          timeZone,
        )
      : localMidnight(query.calibrationEnd, 'calibrationEnd', timeZone);
  const calibrationDay = days.dayNumber(calibrationEnd);
  if (calibrationDay < firstDay) {
    throw invalid(
      'calibrationEnd',
      `The calibration must end on or after the first order's day, ${isoDay(firstDay)}.`,
    );
  }
  if (!(observationDay > calibrationDay)) {
    throw invalid(
      query.observationEnd === undefined ? 'calibrationEnd' : 'observationEnd',
      `The holdout period must end after the calibration period: ${isoDay(observationDay)} is not after ${isoDay(calibrationDay)}.`,
    );
  }
  const table = await dayTable(db, workspaceId, analysis);
  const { summaries, holdoutLength } = clvSummaries(table, {
    calibrationEnd,
    observationEnd,
    timeUnit: 'week',
    timeZone,
  });
  const model = query.model ?? 'bgnbd';
  const analyzed = analyzeClv(summaries, { model, timeUnit: 'week', holdoutLength });
  const notes: string[] = [];
  if (!analyzed.ok) notes.push(`${fitName(analyzed.error.fit)}: ${analyzed.error.issue.message}`);
  else for (const warning of analyzed.value.warnings) notes.push(`Gamma-Gamma: ${warning}`);
  const result = analyzed.ok ? analyzed.value : null;
  return {
    timeZone,
    timeUnit: 'week' as const,
    calibrationEnd: isoDay(calibrationDay),
    observationEnd: isoDay(observationDay),
    holdoutWeeks: holdoutLength!,
    customers: summaries.length,
    model: result?.model ?? null,
    params: result?.params ?? null,
    logLikelihood: result ? finiteOrNull(result.logLikelihood) : null,
    gammaGamma: result?.gammaGamma ?? null,
    holdout: result?.holdout
      ? {
          customers: result.holdout.customers,
          actual: result.holdout.actual,
          predicted: result.holdout.predicted,
          mae: result.holdout.mae,
          rmse: result.holdout.rmse,
        }
      : null,
    byFrequency: result?.holdoutByFrequency ?? [],
    selection: result?.selection ?? null,
    notes,
  };
}
