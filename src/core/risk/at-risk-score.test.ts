import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AtRiskInputs, atRiskScores, DEFAULT_AT_RISK_WEIGHTS, evaluateAtRisk } from './at-risk-score.js';

/**
 * Hand-worked with the default weights (inactivity 40, overdue 30, feedback 10, tickets 10,
 * engagement 10; all five signals supplied, so they already add up to 100):
 *
 * A: P(alive) 0.18, 62 days since the last order, usual gap 20, negative feedback, 2 breached
 *    tickets, engagement −40 %.
 *    inactivity 40 × 0.82 = 32.8; overdue 62 − 20 = 42 days, 42 / (2 × 20) = 1.05 → 1 → 30;
 *    feedback 10; tickets min(1, 2/2) → 10; engagement 10 × 0.4 = 4. Score 86.8.
 * B: P(alive) 0.9, 25 days, gap 20, no feedback, 1 ticket, engagement +10 %.
 *    inactivity 40 × 0.1 = 4; overdue 5 / 40 = 0.125 → 3.75; tickets 1/2 → 5; engagement 0.
 *    Score 12.75; reasons by points: ticket (5), P(alive) (4), overdue (3.75).
 * C: P(alive) 0.995, 3 days, gap 20: inactivity 40 × 0.005 = 0.2 points, below the 1-point floor
 *    for a reason. Score 0.2, no reason.
 * D: one purchase day (no gap of their own), P(alive) 1, 100 days: fallback gap = median of the
 *    known gaps (20, 20, 20) = 20 → 80 days overdue, 80 / 40 = 2 → 1 → 30. Score 30.
 */
const inputs: AtRiskInputs = {
  customerIds: ['A', 'B', 'C', 'D'],
  pAlive: Float64Array.of(0.18, 0.9, 0.995, 1),
  daysSinceLastOrder: Float64Array.of(62, 25, 3, 100),
  typicalGapDays: Float64Array.of(20, 20, 20, Number.NaN),
  negativeFeedback: Uint8Array.of(1, 0, 0, 0),
  breachedTickets: Uint8Array.of(2, 1, 0, 0),
  engagementTrend: Float64Array.of(-0.4, 0.1, 0, Number.NaN),
};

describe('atRiskScores', () => {
  const result = atRiskScores(inputs);

  it('scores customers from the documented weights (hand-worked)', () => {
    expect(result.scores[0]).toBeCloseTo(86.8, 10);
    expect(result.scores[1]).toBeCloseTo(12.75, 10);
    expect(result.scores[2]).toBeCloseTo(0.2, 10);
    expect(result.scores[3]).toBeCloseTo(30, 10);
    expect(result.fallbackGapDays).toBe(20);
    expect(result.weights).toEqual(DEFAULT_AT_RISK_WEIGHTS);
  });

  it('explains each score in words, largest contribution first, only what contributed', () => {
    expect(result.reasons[0]).toEqual([
      'P(alive) fell to 18 %',
      '42 days past their usual 20-day rhythm',
      'gave negative feedback',
      '2 open tickets breaching their SLA',
      'engagement down 40 %',
    ]);
    expect(result.reasons[1]).toEqual([
      '1 open ticket breaching its SLA',
      'P(alive) fell to 90 %',
      '5 days past their usual 20-day rhythm',
    ]);
    expect(result.reasons[2]).toEqual([]);
    expect(result.reasons[3]).toEqual(['80 days past the usual 20-day rhythm of repeat customers']);
  });

  it('rescales the supplied weights to 100 when support and engagement data are absent', () => {
    // Only inactivity (40) and overdue (30): A = (40 × 0.82 + 30 × 1) / 70 × 100 = 62.8 / 0.7 = 89.714…
    const partial = atRiskScores({
      customerIds: ['A'],
      pAlive: Float64Array.of(0.18),
      daysSinceLastOrder: Float64Array.of(62),
      typicalGapDays: Float64Array.of(20),
    });
    expect(partial.scores[0]).toBeCloseTo(62.8 / 0.7, 10);
    expect(partial.weights.inactivity).toBeCloseTo(400 / 7, 10);
    expect(partial.weights.negativeFeedback).toBe(0);
  });

  it('honours options: no fallback rhythm, a different reason floor, custom weights', () => {
    const noFallback = atRiskScores(inputs, DEFAULT_AT_RISK_WEIGHTS, { fallbackGapDays: null });
    expect(noFallback.scores[3]).toBe(0);
    expect(noFallback.reasons[3]).toEqual([]);
    const everyReason = atRiskScores(inputs, DEFAULT_AT_RISK_WEIGHTS, { minimumReasonPoints: 0 });
    expect(everyReason.reasons[2]).toEqual(['P(alive) fell to 100 %']);
    // Only feedback weighted: A gave negative feedback → 100; B did not → 0.
    const feedbackOnly = atRiskScores(inputs, {
      inactivity: 0,
      overdue: 0,
      negativeFeedback: 1,
      breachedTickets: 0,
      engagementDecline: 0,
    });
    expect([...feedbackOnly.scores]).toEqual([100, 0, 0, 0]);
  });

  it('rejects misaligned columns and unusable weights', () => {
    expect(() => atRiskScores({ ...inputs, pAlive: Float64Array.of(0.5) })).toThrow(RangeError);
    expect(() => atRiskScores(inputs, { ...DEFAULT_AT_RISK_WEIGHTS, overdue: -1 })).toThrow(RangeError);
    expect(() =>
      atRiskScores(
        {
          customerIds: ['x'],
          pAlive: Float64Array.of(0.5),
          daysSinceLastOrder: Float64Array.of(1),
          typicalGapDays: Float64Array.of(2),
        },
        { ...DEFAULT_AT_RISK_WEIGHTS, inactivity: 0, overdue: 0 },
      ),
    ).toThrow(RangeError);
  });
});

describe('atRiskScores — properties (fast-check)', () => {
  const customer = fc.record({
    pAlive: fc.double({ min: 0, max: 1, noNaN: true }),
    daysSince: fc.double({ min: 0, max: 2000, noNaN: true }),
    gap: fc.oneof(fc.constant(Number.NaN), fc.double({ min: 1, max: 365, noNaN: true })),
    feedback: fc.integer({ min: 0, max: 1 }),
    tickets: fc.integer({ min: 0, max: 10 }),
    trend: fc.double({ min: -3, max: 3, noNaN: true }),
  });
  type Customer = typeof customer extends fc.Arbitrary<infer T> ? T : never;
  const scoreOf = (value: Customer) =>
    atRiskScores(
      {
        customerIds: ['x'],
        pAlive: Float64Array.of(value.pAlive),
        daysSinceLastOrder: Float64Array.of(value.daysSince),
        typicalGapDays: Float64Array.of(value.gap),
        negativeFeedback: Uint8Array.of(value.feedback),
        breachedTickets: Uint8Array.of(value.tickets),
        engagementTrend: Float64Array.of(value.trend),
      },
      DEFAULT_AT_RISK_WEIGHTS,
      { fallbackGapDays: 30 },
    ).scores[0]!;

  it('stays in [0, 100]', () => {
    fc.assert(
      fc.property(customer, (value) => {
        const score = scoreOf(value);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(100);
      }),
    );
  });

  it('never decreases when P(alive) falls', () => {
    fc.assert(
      fc.property(customer, fc.double({ min: 0, max: 1, noNaN: true }), (value, drop) => {
        expect(scoreOf({ ...value, pAlive: value.pAlive * (1 - drop) })).toBeGreaterThanOrEqual(
          scoreOf(value),
        );
      }),
    );
  });

  it('never decreases when the days since the last order grow', () => {
    fc.assert(
      fc.property(customer, fc.double({ min: 0, max: 1000, noNaN: true }), (value, extra) => {
        expect(scoreOf({ ...value, daysSince: value.daysSince + extra })).toBeGreaterThanOrEqual(
          scoreOf(value),
        );
      }),
    );
  });
});

describe('evaluateAtRisk', () => {
  it('is the AUC of the scores for who churned next (hand-worked)', () => {
    // Churned: 90 and 40; stayed: 20, 60. Pairs: 90>20 ✓, 90>60 ✓, 40>20 ✓, 40<60 ✗ → 3/4.
    expect(evaluateAtRisk(Float64Array.of(90, 20, 60, 40), Uint8Array.of(1, 0, 0, 1))).toBe(0.75);
    expect(evaluateAtRisk(Float64Array.of(90), Uint8Array.of(1))).toBeNull();
  });
});
