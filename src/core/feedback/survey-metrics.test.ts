/**
 * CSAT and NPS against hand calculations from their definitions (docs/metrics.md §8): CSAT =
 * satisfied / (satisfied + not satisfied) × 100 over rated answers; NPS = % promoters (9–10) −
 * % detractors (0–6). Each expected number is worked out in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { feedbackFigures, feedbackReport } from './feedback-report.js';
import { validateSurveyAnswer } from './survey-answer.js';
import { csatScore, isNegativeAnswer, isSatisfied, netPromoterScore, npsCategory } from './survey-metrics.js';

describe('CSAT', () => {
  it('counts 4 and 5 as satisfied on the 1–5 scale, 1 on the binary one', () => {
    expect([1, 2, 3, 4, 5].map((rating) => isSatisfied('five_point', rating))).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
    expect([0, 1].map((rating) => isSatisfied('binary', rating))).toEqual([false, true]);
  });

  it('is satisfied over rated, unrated answers excluded', () => {
    // 3 satisfied, 1 not, 2 unrated: 3 / (3 + 1) × 100 = 75.
    expect(csatScore([true, true, null, false, true, null])).toEqual({
      satisfied: 3,
      notSatisfied: 1,
      rated: 4,
      score: 75,
    });
    // Nothing rated: no figure (not 0).
    expect(csatScore([null, null]).score).toBeNull();
  });
});

describe('NPS', () => {
  it('puts 9–10 in promoters, 7–8 in passives, 0–6 in detractors', () => {
    expect([0, 6, 7, 8, 9, 10].map(npsCategory)).toEqual([
      'detractor',
      'detractor',
      'passive',
      'passive',
      'promoter',
      'promoter',
    ]);
  });

  it('is % promoters − % detractors', () => {
    // 10, 9, 9 promoters (3); 8, 7 passives (2); 6, 3, 0 detractors (3); 8 answers; one unrated.
    // 3/8 × 100 − 3/8 × 100 = 0.
    expect(netPromoterScore([10, 9, 9, 8, 7, 6, 3, 0, null]).score).toBe(0);
    // 10, 10, 9, 2: 3 promoters, 1 detractor of 4 → 75 − 25 = 50.
    expect(netPromoterScore([10, 10, 9, 2])).toEqual({
      promoters: 3,
      passives: 0,
      detractors: 1,
      rated: 4,
      score: 50,
    });
    // All detractors: −100.
    expect(netPromoterScore([0, 5]).score).toBe(-100);
  });

  it('calls CSAT not satisfied and NPS 0–6 negative, passives not', () => {
    expect(isNegativeAnswer({ kind: 'nps', rating: 6 })).toBe(true);
    expect(isNegativeAnswer({ kind: 'nps', rating: 7 })).toBe(false);
    expect(isNegativeAnswer({ kind: 'csat', scale: 'five_point', rating: 3 })).toBe(true);
    expect(isNegativeAnswer({ kind: 'csat', scale: 'binary', rating: 1 })).toBe(false);
  });
});

describe('the feedback report', () => {
  const day = (date: string) => Date.parse(`${date}T12:00:00Z`);
  const csat = (date: string, rating: number | null, answered = rating !== null) => ({
    sentAt: day(date),
    kind: 'csat' as const,
    scale: 'five_point' as const,
    answered,
    rating,
  });

  it('gives the figures of the sends: unanswered and unrated count in sent only', () => {
    const rows = [
      csat('2026-11-02', 5),
      csat('2026-11-03', 4),
      csat('2026-11-03', 2),
      csat('2026-11-04', null),
      csat('2026-11-05', null, true),
    ];
    // sent 5; answered 4 (the 5th has an answer without a rating); rated 3, satisfied 2 (5, 4):
    // CSAT 2/3 × 100 = 66.67; response rate 4/5 = 0.8; NPS does not apply → null.
    const figures = feedbackFigures(rows, { csat: true, nps: false });
    expect(figures).toEqual({ csat: (2 / 3) * 100, nps: null, responses: 4, sent: 5, responseRate: 0.8 });
  });

  it('weights grouped rows by their count', () => {
    // 3 sends rated 5 and 1 rated 1 as two rows: CSAT 3/4 × 100 = 75, sent 4.
    const figures = feedbackFigures([{ ...csat('2026-11-02', 5), count: 3 }, csat('2026-11-02', 1)], {
      csat: true,
      nps: false,
    });
    expect(figures).toMatchObject({ csat: 75, sent: 4, responses: 4 });
  });

  it('cuts a weekly series in the workspace’s calendar', () => {
    const rows = [
      csat('2026-11-02', 5),
      csat('2026-11-08', 1),
      csat('2026-11-09', 4),
      csat('2026-11-20', null, false),
    ];
    const report = feedbackReport(rows, {
      from: Date.parse('2026-11-02T00:00:00Z'),
      to: Date.parse('2026-11-23T00:00:00Z'),
      interval: 'week',
      applies: { csat: true, nps: false },
    });
    // Weeks starting Monday 2, 9, 16 Nov. Week 1: 5 and 1 → 1/2 = 50; week 2: 4 → 100; week 3: one
    // unanswered send → sent 1, responses 0, CSAT null.
    expect(report.series.map((point) => [point.period, point.sent, point.responses, point.csat])).toEqual([
      ['2026-11-02', 2, 2, 50],
      ['2026-11-09', 1, 1, 100],
      ['2026-11-16', 1, 0, null],
    ]);
    // Total: 4 sent, 3 answered, 2 of 3 satisfied.
    expect(report).toMatchObject({ sent: 4, responses: 3, csat: (2 / 3) * 100, responseRate: 0.75 });
  });
});

describe('an answer against its survey', () => {
  it('takes a rating of the scale, refuses one outside it by path', () => {
    const survey = { kind: 'csat', scale: 'five_point', reasons: ['Late'] } as const;
    expect(validateSurveyAnswer(survey, { rating: 2, reason: 'Late', comment: '  slow  ' })).toEqual({
      ok: true,
      value: { rating: 2, comment: 'slow', reason: 'Late', answers: {} },
    });
    // A reason explains an unhappy answer only: dropped with a satisfied one.
    expect(validateSurveyAnswer(survey, { rating: 5, reason: 'Late' })).toMatchObject({
      ok: true,
      value: { reason: null },
    });
    expect(validateSurveyAnswer(survey, { rating: 6 })).toEqual({
      ok: false,
      error: [{ path: ['rating'], message: 'A whole number from 1 to 5.' }],
    });
    expect(validateSurveyAnswer(survey, { rating: 1, reason: 'Rude' })).toMatchObject({
      ok: false,
      error: [{ path: ['reason'] }],
    });
    expect(validateSurveyAnswer({ kind: 'nps' }, { rating: 10.5 })).toMatchObject({ ok: false });
    expect(validateSurveyAnswer({ kind: 'nps' }, { comment: 'x'.repeat(2001) })).toMatchObject({
      ok: false,
      error: [{ path: ['comment'] }],
    });
  });

  it('checks a form: required questions, options, ratings, lengths, unknown questions', () => {
    const form = {
      kind: 'form',
      questions: [
        { id: 'name', type: 'text', label: 'Name', required: true, maxLength: 5 },
        { id: 'colour', type: 'single_choice', label: 'Colour', required: false, options: ['red', 'blue'] },
        { id: 'sizes', type: 'multiple_choice', label: 'Sizes', required: false, options: ['S', 'M', 'L'] },
        { id: 'stars', type: 'rating', label: 'Stars', required: true, min: 1, max: 5 },
      ],
    } as const;
    expect(validateSurveyAnswer(form, { answers: { name: 'Ann', sizes: ['L', 'S'], stars: 4 } })).toEqual({
      ok: true,
      value: {
        rating: null,
        comment: null,
        reason: null,
        answers: { name: 'Ann', sizes: ['S', 'L'], stars: 4 },
      },
    });
    const refused = validateSurveyAnswer(form, {
      answers: { name: 'Annabel', colour: 'green', sizes: ['S', 'S'], extra: 'x' },
    });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? [] : refused.error.map((issue) => issue.path.join('.')).sort()).toEqual([
      'answers.colour',
      'answers.extra',
      'answers.name',
      'answers.sizes',
      'answers.stars',
    ]);
  });
});
