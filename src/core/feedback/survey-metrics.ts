/**
 * Satisfaction figures of metrics.md §8: CSAT (satisfied / rated × 100) and NPS (% promoters −
 * % detractors), and which single answers count as satisfied, as a detractor, or as negative (the
 * at-risk signal). Pure: no I/O.
 */

/** The kinds of survey: a satisfaction rating, a Net Promoter question, or a custom form. */
export type SurveyKind = 'csat' | 'nps' | 'form';

/**
 * The scale of a CSAT question: `binary` (0 = not satisfied, 1 = satisfied) or `five_point`
 * (1–5, satisfied from `CSAT_SATISFIED_FROM`).
 */
export type CsatScale = 'binary' | 'five_point';

/** On the 1–5 scale, ratings from this value up count as satisfied (4 "satisfied", 5 "very"). */
export const CSAT_SATISFIED_FROM = 4;

/** The rating range of each CSAT scale and of NPS, inclusive. */
export const RATING_RANGES = Object.freeze({
  binary: Object.freeze({ min: 0, max: 1 }),
  five_point: Object.freeze({ min: 1, max: 5 }),
  nps: Object.freeze({ min: 0, max: 10 }),
});

/**
 * Whether a CSAT rating counts as satisfied (metrics.md §8): on the binary scale, 1; on the 1–5
 * scale, 4 or 5. O(1).
 * @example isSatisfied('five_point', 3) // false
 */
export function isSatisfied(scale: CsatScale, rating: number): boolean {
  return scale === 'binary' ? rating === 1 : rating >= CSAT_SATISFIED_FROM;
}

export type NpsCategory = 'promoter' | 'passive' | 'detractor';

/**
 * The NPS category of a 0–10 answer: promoter 9–10, passive 7–8, detractor 0–6 (metrics.md §8).
 * @example npsCategory(6) // 'detractor'
 */
export function npsCategory(score: number): NpsCategory {
  if (score >= 9) return 'promoter';
  if (score >= 7) return 'passive';
  return 'detractor';
}

/** A CSAT figure with the counts it is made of. */
export interface CsatFigure {
  readonly satisfied: number;
  readonly notSatisfied: number;
  /** satisfied + notSatisfied: the rated answers (unrated ones are not counted). */
  readonly rated: number;
  /** satisfied / rated × 100; null without a rated answer. */
  readonly score: number | null;
}

/**
 * CSAT = satisfied / (satisfied + not satisfied) × 100 over rated answers (metrics.md §8): `null`
 * entries (unrated) are excluded. O(n).
 * @example csatScore([true, true, false, null]) // { satisfied: 2, notSatisfied: 1, rated: 3, score: 66.67 }
 */
export function csatScore(satisfied: Iterable<boolean | null>): CsatFigure {
  let yes = 0;
  let no = 0;
  for (const value of satisfied) {
    if (value === true) yes++;
    else if (value === false) no++;
  }
  const rated = yes + no;
  return { satisfied: yes, notSatisfied: no, rated, score: rated === 0 ? null : (yes / rated) * 100 };
}

/** An NPS figure with the counts it is made of. */
export interface NpsFigure {
  readonly promoters: number;
  readonly passives: number;
  readonly detractors: number;
  readonly rated: number;
  /** % promoters − % detractors, −100 … 100; null without an answer. */
  readonly score: number | null;
}

/**
 * NPS = % promoters (9–10) − % detractors (0–6) over 0–10 answers (metrics.md §8); `null` entries
 * (unrated) are excluded. O(n).
 * @example netPromoterScore([10, 9, 8, 3, null]) // promoters 2, detractors 1 of 4: 50 − 25 = 25
 */
export function netPromoterScore(scores: Iterable<number | null>): NpsFigure {
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  for (const score of scores) {
    if (score === null) continue;
    const category = npsCategory(score);
    if (category === 'promoter') promoters++;
    else if (category === 'passive') passives++;
    else detractors++;
  }
  const rated = promoters + passives + detractors;
  return {
    promoters,
    passives,
    detractors,
    rated,
    score: rated === 0 ? null : ((promoters - detractors) / rated) * 100,
  };
}

/** A rated CSAT or NPS answer as the at-risk signal reads it. */
export interface RatedAnswer {
  readonly kind: 'csat' | 'nps';
  /** The CSAT scale (ignored for NPS). */
  readonly scale?: CsatScale | undefined;
  readonly rating: number;
}

/**
 * Whether an answer is negative — a CSAT rating that is not satisfied, or an NPS detractor (0–6) —
 * the answers that raise the customer's at-risk score. O(1).
 * @example isNegativeAnswer({ kind: 'nps', rating: 7 }) // false (a passive)
 */
export function isNegativeAnswer(answer: RatedAnswer): boolean {
  if (answer.kind === 'nps') return npsCategory(answer.rating) === 'detractor';
  return !isSatisfied(answer.scale ?? 'binary', answer.rating);
}
