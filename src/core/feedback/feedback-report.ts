/**
 * The feedback report (docs/api.md, "Feedback"): over the survey sends of a time range, how many
 * were sent and answered, the response rate, CSAT and NPS (metrics.md §8) — in total and per
 * week or month. Pure: the rows come from the database, the arithmetic is here.
 */
import { type Granularity, PeriodGrid, type WeekStart } from '../time/periods.js';
import {
  type CsatScale,
  csatScore,
  isSatisfied,
  netPromoterScore,
  type SurveyKind,
} from './survey-metrics.js';

/** One survey send as the report reads it: when it was sent, and its current answer if any. */
export interface FeedbackReportRow {
  readonly sentAt: number;
  readonly kind: SurveyKind;
  readonly scale: CsatScale | null;
  /** Whether the send has an answer (its current one). */
  readonly answered: boolean;
  /** The current answer's rating; null when unanswered or answered without a rating. */
  readonly rating: number | null;
  /** How many identical sends this row stands for (default 1): the database groups them. */
  readonly count?: number;
}

/** The figures of a set of sends. */
export interface FeedbackFigures {
  /** CSAT 0–100 over rated CSAT answers; null when CSAT does not apply or nothing was rated. */
  readonly csat: number | null;
  /** NPS −100…100 over NPS answers; null when NPS does not apply or nothing was rated. */
  readonly nps: number | null;
  /** Sends with an answer. */
  readonly responses: number;
  readonly sent: number;
  /** responses / sent, 0–1; null when nothing was sent. */
  readonly responseRate: number | null;
}

export interface FeedbackSeriesPoint extends FeedbackFigures {
  /** `2026-11-30` (a week: its first day) or `2026-11` (a month). */
  readonly period: string;
  /** The period's first instant, epoch ms. */
  readonly start: number;
}

export interface FeedbackReportOptions {
  /** Start of the range (inclusive), epoch ms. */
  readonly from: number;
  /** End of the range (exclusive), epoch ms. */
  readonly to: number;
  readonly interval: Extract<Granularity, 'week' | 'month'>;
  readonly timeZone?: string;
  readonly weekStartsOn?: WeekStart;
  /** Which figures apply (a CSAT-only report has `nps: null`). */
  readonly applies: { readonly csat: boolean; readonly nps: boolean };
  /** Most periods the series may have (default 400). */
  readonly maxPeriods?: number;
}

export interface FeedbackReport extends FeedbackFigures {
  readonly series: FeedbackSeriesPoint[];
}

/**
 * The figures of `rows` (metrics.md §8): CSAT over the CSAT answers that carry a rating, NPS over
 * the NPS answers that carry one, responses = answered sends, response rate = responses / sent.
 * Unanswered and unrated sends count in `sent` (and, answered, in `responses`) but in neither
 * score. O(n).
 * @example feedbackFigures([{ kind: 'nps', rating: 10, answered: true, … }, { kind: 'nps', rating: null, answered: false, … }], { csat: false, nps: true })
 * // { csat: null, nps: 100, responses: 1, sent: 2, responseRate: 0.5 }
 */
export function feedbackFigures(
  rows: readonly FeedbackReportRow[],
  applies: FeedbackReportOptions['applies'],
): FeedbackFigures {
  const satisfied: (boolean | null)[] = [];
  const npsScores: (number | null)[] = [];
  let responses = 0;
  let sent = 0;
  for (const row of rows) {
    const count = row.count ?? 1;
    sent += count;
    if (row.answered) responses += count;
    if (row.rating === null) continue;
    for (let copy = 0; copy < count; copy++) {
      if (row.kind === 'csat') satisfied.push(isSatisfied(row.scale ?? 'binary', row.rating));
      else if (row.kind === 'nps') npsScores.push(row.rating);
    }
  }
  return {
    csat: applies.csat ? csatScore(satisfied).score : null,
    nps: applies.nps ? netPromoterScore(npsScores).score : null,
    responses,
    sent,
    responseRate: sent === 0 ? null : responses / sent,
  };
}

/**
 * The report over the sends of `[from, to)`: the figures of all of them, and a series with one
 * point per week or month of the range (in the workspace's zone and week start), each over the
 * sends of that period. Rows outside the range are ignored. O(n log periods).
 */
export function feedbackReport(
  rows: readonly FeedbackReportRow[],
  options: FeedbackReportOptions,
): FeedbackReport {
  const grid = PeriodGrid.covering(options.from, options.to, options.interval, {
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
    ...(options.weekStartsOn === undefined ? {} : { weekStartsOn: options.weekStartsOn }),
    maxPeriods: options.maxPeriods ?? 400,
  });
  const inRange = rows.filter((row) => row.sentAt >= options.from && row.sentAt < options.to);
  const byPeriod: FeedbackReportRow[][] = Array.from({ length: grid.count }, () => []);
  for (const row of inRange) {
    const index = grid.indexOf(row.sentAt);
    if (index >= 0 && index < grid.count) byPeriod[index]!.push(row);
  }
  return {
    ...feedbackFigures(inRange, options.applies),
    series: byPeriod.map((periodRows, index) => ({
      period: grid.label(index),
      start: grid.start(index),
      ...feedbackFigures(periodRows, options.applies),
    })),
  };
}
