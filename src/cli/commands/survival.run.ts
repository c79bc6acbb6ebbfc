/** The work of `retain survival` (described in `survival.ts`), loaded only when the command runs. */
import {
  type KaplanMeierCurve,
  kaplanMeier,
  kaplanMeierBy,
  localDayNumber,
  ShiftedBetaGeometric,
  survivalAt,
  survivalFromSubscriptions,
} from '../../core/index.js';
import { formatCsvIssue, readSubscriptionsCsv } from '../../csv/index.js';
import { CliError } from '../cli-error.js';
import { parseChoice, parseInclusiveEndDate, parsePositiveInteger, parseTimeZone } from '../options.js';
import { formatFixed, formatShare, formatSignificant, heading, numberTable } from '../render/model-tables.js';
import type { SurvivalFlags } from './survival.js';

const MS_PER_DAY = 86_400_000;
/** The mean Gregorian month `survivalFromSubscriptions` uses for `unit: 'month'`. */
const DAYS_PER_MONTH = 365.2425 / 12;
/** The sBG model is fitted on at most this many months of a group's survival. */
const MAX_FITTED_MONTHS = 60;
/** Months at which the tables read the curves. */
const TABLE_MONTHS = [1, 3, 6, 12, 24];

/** One group of the JSON output. */
export interface SurvivalGroup {
  readonly group: string;
  readonly customers: number;
  readonly churned: number;
  readonly censored: number;
  readonly medianLifetime: number | null;
  readonly medianLower: number | null;
  readonly medianUpper: number | null;
  readonly curve: {
    readonly time: number;
    readonly atRisk: number;
    readonly events: number;
    readonly censored: number;
    readonly survival: number;
    readonly lower: number;
    readonly upper: number;
  }[];
  readonly sbg:
    | {
        readonly alpha: number;
        readonly beta: number;
        readonly logLikelihood: number;
        /** Months 1 … k of Kaplan–Meier survival the model was fitted on. */
        readonly fittedMonths: number;
        /** E[T] in months; null when infinite (α ≤ 1). */
        readonly expectedLifetimeMonths: number | null;
        readonly projection: {
          readonly month: number;
          readonly survival: number;
          readonly retentionRate: number;
        }[];
      }
    | { readonly error: string };
}

/** The `--json` output of `retain survival`. */
export interface SurvivalOutput {
  readonly asOf: string;
  readonly unit: 'day' | 'month';
  readonly by: string | null;
  readonly groups: SurvivalGroup[];
}

function isoDay(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Runs the command and returns what it prints; throws `CliError` on bad input. */
export async function runSurvival(file: string, flags: SurvivalFlags): Promise<string> {
  const timeZone = parseTimeZone(flags.tz);
  const unit = parseChoice(flags.unit, '--unit', ['day', 'month'] as const);
  const projectMonths = parsePositiveInteger(flags.projectMonths, '--project-months');
  const read = await readSubscriptionsCsv(file, {
    timeZone,
    ...(flags.by === undefined ? {} : { attributes: [flags.by] }),
  });
  if (!read.ok) throw new CliError(read.error.map(formatCsvIssue).join('\n'));
  const table = read.value.table;
  if (table.length === 0) throw new CliError(`${file}: no paid subscriptions`);

  let lastDay: number;
  if (flags.asOf !== undefined) {
    lastDay = localDayNumber(parseInclusiveEndDate(flags.asOf, '--as-of', timeZone) - 1, timeZone);
  } else {
    let latest = read.value.lastStartedAt;
    for (let row = 0; row < table.length; row++) {
      const ended = table.endedAt[row]!;
      if (Number.isFinite(ended) && ended > latest) latest = ended;
    }
    lastDay = localDayNumber(latest, timeZone);
  }
  // Through the end of the last day: a subscription ending on it has churned, one open is censored there.
  const asOf = parseInclusiveEndDate(isoDay(lastDay), '--as-of', timeZone);
  const groupBy = flags.by === undefined ? {} : { groupBy: flags.by };
  let lives: ReturnType<typeof survivalFromSubscriptions>;
  let monthly: ReturnType<typeof survivalFromSubscriptions>;
  try {
    lives = survivalFromSubscriptions(table, { asOf, unit, ...groupBy });
    monthly =
      unit === 'month' ? lives : survivalFromSubscriptions(table, { asOf, unit: 'month', ...groupBy });
  } catch (error) {
    if (error instanceof RangeError) throw new CliError(`${file}: ${error.message}`);
    throw error;
  }
  if (lives.durations.length === 0)
    throw new CliError(`${file}: no subscription started by ${isoDay(lastDay)}`);

  const curves = lives.groups
    ? kaplanMeierBy(lives.groups, lives.durations, lives.observed)
    : [{ group: 'all', size: lives.durations.length, curve: kaplanMeier(lives.durations, lives.observed) }];
  const monthlyCurves = monthly.groups
    ? kaplanMeierBy(monthly.groups, monthly.durations, monthly.observed)
    : [
        {
          group: 'all',
          size: monthly.durations.length,
          curve: kaplanMeier(monthly.durations, monthly.observed),
        },
      ];

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
      curve: curve.times.map((time, i) => ({
        time,
        atRisk: curve.atRisk[i]!,
        events: curve.events[i]!,
        censored: curve.censored[i]!,
        survival: curve.survival[i]!,
        lower: curve.lower[i]!,
        upper: curve.upper[i]!,
      })),
      sbg: fitShiftedBetaGeometric(monthlyCurves[index]!.curve, size, projectMonths),
    };
  });
  const output: SurvivalOutput = { asOf: isoDay(lastDay), unit, by: flags.by ?? null, groups };
  if (flags.json) return `${JSON.stringify(output, null, 2)}\n`;
  return renderSurvival(output);
}

/**
 * The sBG model on a group's monthly Kaplan–Meier survival: the "cohort" is size × Ŝ(t) at t = 0 …
 * k whole months, k the last whole month some customer was still observed (at most 60), so
 * customers who joined late and are censored early do not count as survivors of months they never
 * reached. Counts need not be integers (Fader & Hardie 2007 fit percentages the same way).
 */
function fitShiftedBetaGeometric(
  curve: KaplanMeierCurve,
  size: number,
  projectMonths: number,
): SurvivalGroup['sbg'] {
  const longest = curve.times.length === 0 ? 0 : curve.times[curve.times.length - 1]!;
  const months = Math.min(MAX_FITTED_MONTHS, Math.floor(longest + 1e-9));
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

function renderSurvival(output: SurvivalOutput): string {
  const parts: string[] = [];
  const unitLabel = output.unit === 'month' ? 'months' : 'days';
  const summary = numberTable([
    'group',
    'customers',
    'churned',
    'censored',
    `median (${unitLabel})`,
    '95 % interval',
  ]);
  for (const group of output.groups) {
    summary.push([
      group.group,
      group.customers.toLocaleString('en-US'),
      group.churned.toLocaleString('en-US'),
      group.censored.toLocaleString('en-US'),
      group.medianLifetime === null ? 'not reached' : formatFixed(group.medianLifetime, 1),
      `${formatFixed(group.medianLower, 1)} – ${group.medianUpper === null ? 'not reached' : formatFixed(group.medianUpper, 1)}`,
    ]);
  }
  parts.push(
    heading(`Survival as of ${output.asOf}${output.by ? ` by ${output.by}` : ''} (Kaplan–Meier)`),
    summary.toString(),
  );

  const atMonths = TABLE_MONTHS.map((month) => (output.unit === 'month' ? month : month * DAYS_PER_MONTH));
  const curveTable = numberTable(['group', ...TABLE_MONTHS.map((month) => `month ${month}`)]);
  for (const group of output.groups) {
    const points = {
      times: group.curve.map((point) => point.time),
      survival: group.curve.map((point) => point.survival),
    };
    const lower = { times: points.times, survival: group.curve.map((point) => point.lower) };
    const upper = { times: points.times, survival: group.curve.map((point) => point.upper) };
    const last = points.times[points.times.length - 1] ?? 0;
    curveTable.push([
      group.group,
      ...atMonths.map((time) =>
        time > last
          ? '–'
          : `${formatShare(survivalAt(points, time), 0)} (${formatShare(survivalAt(lower, time), 0)}–${formatShare(survivalAt(upper, time), 0)})`,
      ),
    ]);
  }
  parts.push(heading('Share still subscribed (95 % interval)'), curveTable.toString());

  const sbgTable = numberTable([
    'group',
    'α',
    'β',
    'fitted months',
    'E[lifetime] (months)',
    ...TABLE_MONTHS.map((month) => `S(${month})`),
  ]);
  for (const group of output.groups) {
    if ('error' in group.sbg) {
      sbgTable.push([group.group, { colSpan: 4 + TABLE_MONTHS.length, content: group.sbg.error }]);
      continue;
    }
    const projection = group.sbg.projection;
    sbgTable.push([
      group.group,
      formatSignificant(group.sbg.alpha),
      formatSignificant(group.sbg.beta),
      String(group.sbg.fittedMonths),
      group.sbg.expectedLifetimeMonths === null
        ? '∞ (α ≤ 1)'
        : formatFixed(group.sbg.expectedLifetimeMonths, 1),
      ...TABLE_MONTHS.map((month) => formatShare(projection[month - 1]?.survival ?? null, 0)),
    ]);
  }
  parts.push(heading('Shifted-beta-geometric fit and projection'), sbgTable.toString());
  return `${parts.join('\n')}\n`;
}
