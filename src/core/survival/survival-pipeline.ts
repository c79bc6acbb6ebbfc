/**
 * The whole survival analysis of a subscription table — what `retain survival` prints — from the
 * table to a typed, JSON-ready result, so the API and the dashboard can serve the same numbers.
 */
import type { SubscriptionTable } from '../data/subscription-table.js';
import { InvalidInputError } from '../input-error.js';
import { fail, ok, type Result } from '../result.js';
import { instantFromLocal, LocalDayMapper } from '../time/periods.js';
import { MS_PER_DAY } from '../time/units.js';
import {
  type KaplanMeierCurve,
  kaplanMeier,
  kaplanMeierBy,
  survivalAt,
  survivalFromSubscriptions,
} from './kaplan-meier.js';
import { ShiftedBetaGeometric } from './shifted-beta-geometric.js';

/** The sBG model is fitted on at most this many months of a group's survival. */
export const MAX_SBG_FITTED_MONTHS = 60;

/** The shifted-beta-geometric fit of one group, or why there is none. */
export type SurvivalGroupSbg =
  | {
      readonly alpha: number;
      readonly beta: number;
      readonly logLikelihood: number;
      /** Months 1 … k of Kaplan–Meier survival the model was fitted on. */
      readonly fittedMonths: number;
      /** E[T] in months; null when infinite (α ≤ 1). */
      readonly expectedLifetimeMonths: number | null;
      readonly projection: readonly {
        readonly month: number;
        readonly survival: number;
        readonly retentionRate: number;
      }[];
    }
  | { readonly error: string };

/** One group of customers (all of them, or one value of `groupBy`). */
export interface SurvivalGroup {
  readonly group: string;
  readonly customers: number;
  readonly churned: number;
  readonly censored: number;
  readonly medianLifetime: number | null;
  readonly medianLower: number | null;
  readonly medianUpper: number | null;
  readonly curve: readonly {
    readonly time: number;
    readonly atRisk: number;
    readonly events: number;
    readonly censored: number;
    readonly survival: number;
    readonly lower: number;
    readonly upper: number;
  }[];
  readonly sbg: SurvivalGroupSbg;
}

/** The survival analysis (docs/models.md, "Survival"). */
export interface SurvivalAnalysis {
  /** The last local day of data used (inclusive), YYYY-MM-DD. */
  readonly asOf: string;
  readonly unit: 'day' | 'month';
  readonly by: string | null;
  readonly groups: readonly SurvivalGroup[];
}

export interface SurvivalAnalysisOptions {
  /** An instant inside the last local day to use; default the day of the latest start or end. */
  readonly asOf?: number;
  /** IANA zone of the days. Default UTC. */
  readonly timeZone?: string;
  /** Unit of the Kaplan–Meier durations. Default month. */
  readonly unit?: 'day' | 'month';
  /** Attribute of the first subscription to split the customers by. */
  readonly groupBy?: string;
  /** Months of sBG projection. Default 24. */
  readonly projectMonths?: number;
}

function isoDay(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * The sBG model on a group's monthly Kaplan–Meier survival: the "cohort" is size × Ŝ(t) at t = 0 …
 * k whole months, k the last whole month some customer was still observed (at most 60), so
 * customers who joined late and are censored early do not count as survivors of months they never
 * reached. Counts need not be integers (Fader & Hardie 2007 fit percentages the same way).
 * O(k) plus the fit.
 *
 * @example shiftedBetaGeometricOnCurve(kaplanMeier(durations, observed), 100, 24) // { alpha, beta, … } or { error }
 */
export function shiftedBetaGeometricOnCurve(
  curve: KaplanMeierCurve,
  size: number,
  projectMonths: number,
): SurvivalGroupSbg {
  const longest = curve.times.length === 0 ? 0 : curve.times[curve.times.length - 1]!;
  const months = Math.min(MAX_SBG_FITTED_MONTHS, Math.floor(longest + 1e-9));
  if (months < 1) return { error: 'less than one month of history: the sBG model needs at least one month' };
  const surviving = Array.from({ length: months + 1 }, (_, t) => size * survivalAt(curve, t));
  const fitted = ShiftedBetaGeometric.fit(surviving);
  if (!fitted.ok) return { error: `${fitted.error.code}: ${fitted.error.message}` };
  const model = fitted.value;
  const lifetime = model.expectedLifetime();
  return {
    alpha: model.params.alpha,
    beta: model.params.beta,
    logLikelihood: model.logLikelihood,
    fittedMonths: months,
    expectedLifetimeMonths: Number.isFinite(lifetime) ? lifetime : null,
    projection: Array.from({ length: projectMonths }, (_, index) => ({
      month: index + 1,
      survival: model.survival(index + 1),
      retentionRate: model.retentionRate(index + 1),
    })),
  };
}

/**
 * Survival of the customers of a subscription table as of a day: Kaplan–Meier curves (in `unit`)
 * with 95 % intervals and median lifetimes, per group when `groupBy` is given, and each group's
 * shifted-beta-geometric fit on its monthly curve (`shiftedBetaGeometricOnCurve`) with a projection.
 * As of the end of the as-of day: a subscription ending on it has churned, one still open is
 * censored there (`survivalFromSubscriptions`).
 *
 * Expected failure: `no-subscriptions` when the table is empty or nothing started by the as-of day.
 * Throws a RangeError for bad options (as `survivalFromSubscriptions` does).
 *
 * Complexity: O(n) to build the lifetimes plus O(c log c) per curve and one sBG fit per group.
 *
 * @example analyzeSurvival(table, { unit: 'month', groupBy: 'plan' }) // ok: { asOf, groups: [...] }
 */
export function analyzeSurvival(
  table: SubscriptionTable,
  options: SurvivalAnalysisOptions = {},
): Result<SurvivalAnalysis> {
  const timeZone = options.timeZone ?? 'UTC';
  const unit = options.unit ?? 'month';
  const projectMonths = options.projectMonths ?? 24;
  if (!(Number.isInteger(projectMonths) && projectMonths >= 1))
    throw new InvalidInputError(`projectMonths must be a positive whole number, got ${projectMonths}`);
  if (table.length === 0) return fail({ code: 'no-subscriptions', message: 'no paid subscriptions' });
  const days = new LocalDayMapper(timeZone);
  let lastDay: number;
  if (options.asOf !== undefined) {
    lastDay = days.dayNumber(options.asOf);
  } else {
    let latest = Number.NEGATIVE_INFINITY;
    for (let row = 0; row < table.length; row++) {
      latest = Math.max(latest, table.startedAt[row]!);
      const ended = table.endedAt[row]!;
      if (Number.isFinite(ended) && ended > latest) latest = ended;
    }
    lastDay = days.dayNumber(latest);
  }
  // Through the end of the last day: the next local midnight.
  const next = new Date((lastDay + 1) * MS_PER_DAY);
  const asOf = instantFromLocal(
    { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() },
    timeZone,
  );
  const groupBy = options.groupBy === undefined ? {} : { groupBy: options.groupBy };
  const lives = survivalFromSubscriptions(table, { asOf, unit, ...groupBy });
  const monthly =
    unit === 'month' ? lives : survivalFromSubscriptions(table, { asOf, unit: 'month', ...groupBy });
  if (lives.durations.length === 0) {
    return fail({ code: 'no-subscriptions', message: `no subscription started by ${isoDay(lastDay)}` });
  }

  const curvesOf = (from: typeof lives) =>
    from.groups
      ? kaplanMeierBy(from.groups, from.durations, from.observed)
      : [{ group: 'all', size: from.durations.length, curve: kaplanMeier(from.durations, from.observed) }];
  const curves = curvesOf(lives);
  const monthlyCurves = curvesOf(monthly);
  const groups: SurvivalGroup[] = curves.map(({ group, size, curve }, index) => {
    const events = curve.events.reduce((sum, value) => sum + value, 0);
    return {
      group,
      customers: size,
      churned: events,
      censored: size - events,
      medianLifetime: curve.medianLifetime,
      medianLower: curve.medianLower,
      medianUpper: curve.medianUpper,
      curve: Array.from(curve.times, (time, i) => ({
        time,
        atRisk: curve.atRisk[i]!,
        events: curve.events[i]!,
        censored: curve.censored[i]!,
        survival: curve.survival[i]!,
        lower: curve.lower[i]!,
        upper: curve.upper[i]!,
      })),
      sbg: shiftedBetaGeometricOnCurve(monthlyCurves[index]!.curve, size, projectMonths),
    };
  });
  return ok({ asOf: isoDay(lastDay), unit, by: options.groupBy ?? null, groups });
}
