/** The work of `retain survival` (described in `survival.ts`), loaded only when the command runs. */
import {
  analyzeSurvival,
  DAYS_PER_MONTH,
  isInvalidInputError,
  type SurvivalAnalysis,
  survivalAt,
} from '../../core/index.js';
import { formatCsvIssue, readSubscriptionsCsv } from '../../csv/index.js';
import { CliError } from '../cli-error.js';
import { parseChoice, parseLocalDate, parsePositiveInteger, parseTimeZone } from '../options.js';
import { formatFixed, formatShare, formatSignificant, heading, numberTable } from '../render/model-tables.js';
import type { SurvivalFlags } from './survival.js';

/** The mean Gregorian month `survivalFromSubscriptions` uses for `unit: 'month'`. */
/** Months at which the tables read the curves. */
const TABLE_MONTHS = [1, 3, 6, 12, 24];

/** The `--json` output of `retain survival`: the core's `SurvivalAnalysis` (docs/cli.md). */
export type SurvivalOutput = SurvivalAnalysis;

/** Runs the command and returns what it prints; throws `CliError` on bad input. */
export async function runSurvival(file: string, flags: SurvivalFlags): Promise<string> {
  const timeZone = parseTimeZone(flags.tz);
  const unit = parseChoice(flags.unit, '--unit', ['day', 'month'] as const);
  const projectMonths = parsePositiveInteger(flags.projectMonths, '--project-months');
  const asOf = flags.asOf === undefined ? undefined : parseLocalDate(flags.asOf, '--as-of', timeZone);
  const read = await readSubscriptionsCsv(file, {
    timeZone,
    ...(flags.by === undefined ? {} : { attributes: [flags.by] }),
  });
  if (!read.ok) throw new CliError(read.error.map(formatCsvIssue).join('\n'));
  let analysis: ReturnType<typeof analyzeSurvival>;
  try {
    analysis = analyzeSurvival(read.value.table, {
      timeZone,
      unit,
      projectMonths,
      ...(asOf === undefined ? {} : { asOf }),
      ...(flags.by === undefined ? {} : { groupBy: flags.by }),
    });
  } catch (error) {
    if (isInvalidInputError(error)) throw new CliError(`${file}: ${error.message}`);
    throw error;
  }
  if (!analysis.ok) throw new CliError(`${file}: ${analysis.error.message}`);
  if (flags.json) return `${JSON.stringify(analysis.value, null, 2)}\n`;
  return renderSurvival(analysis.value);
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
