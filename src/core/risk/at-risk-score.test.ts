import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../input-error.js';
import {
  type AtRiskInputs,
  atRiskScores,
  atRiskSignals,
  DEFAULT_AT_RISK_WEIGHTS,
  describeAtRiskReason,
  evaluateAtRisk,
  rescaleAtRiskWeights,
} from './at-risk-score.js';

/**
 * Hand-worked with the default weights (expected purchases 50, overdue 15, low value 15, feedback
 * 10, tickets 5, engagement 5; all six signals supplied, so they already add up to 100).
 * References from the inputs: typical expected purchases = mean(0.1, 0.4, 0.6, 0.1) = 0.3;
 * fallback rhythm = median of the own gaps (20, 20, 20) = 20 days; typical value = median(800,
 * 3200, 5000, 0) = (800 + 3200) / 2 = 2000 cents.
 *
 * A: E 0.1 → 0.3/0.4 = 0.75 → 37.5; 80 days, gap 20 → 1 − 20/80 = 0.75 → 11.25;
 *    value 800 → 2000/2800 = 5/7 → 75/7 = 10.714…; feedback → 10; 2 tickets → min(1, 2/2) → 5;
 *    engagement −40 % → 0.4 → 2. Score 65.75 + 75/7 = 76.4642…
 * B: E 0.4 → 3/7 → 150/7 = 21.428…; 25 days → 1 − 20/25 = 0.2 → 3; value 3200 → 5/13 → 75/13;
 *    1 ticket → 0.5 → 2.5; engagement +10 % → 0. Score 150/7 + 5.5 + 75/13 = 32.6978…
 *    Its expected purchases and value are above the typical customer's: no reason for those.
 * C: E 0.6 → 1/3 → 16.667; 3 days, not due → 0; value 5000 → 2/7 → 30/7. Score 20.952…, no reason.
 * D: one purchase day: E 0.1 → 37.5; 100 days against the fallback 20 → 0.8 → 12; value 0 → 1 →
 *    15. Score 64.5.
 */
const inputs: AtRiskInputs = {
  customerIds: ['A', 'B', 'C', 'D'],
  expectedPurchases: Float64Array.of(0.1, 0.4, 0.6, 0.1),
  daysSinceLastOrder: Float64Array.of(80, 25, 3, 100),
  typicalGapDays: Float64Array.of(20, 20, 20, Number.NaN),
  valueCents: Float64Array.of(800, 3200, 5000, 0),
  negativeFeedback: Uint8Array.of(1, 0, 0, 0),
  breachedTickets: Uint8Array.of(2, 1, 0, 0),
  engagementTrend: Float64Array.of(-0.4, 0.1, 0, Number.NaN),
};

describe('atRiskScores', () => {
  const result = atRiskScores(inputs);

  it('scores customers from the documented weights (hand-worked)', () => {
    expect(result.scores[0]).toBeCloseTo(65.75 + 75 / 7, 10);
    expect(result.scores[1]).toBeCloseTo(150 / 7 + 5.5 + 75 / 13, 10);
    expect(result.scores[2]).toBeCloseTo(50 / 3 + 30 / 7, 10);
    expect(result.scores[3]).toBeCloseTo(64.5, 10);
    expect(result.points.expectedPurchases[0]).toBeCloseTo(37.5, 10);
    expect(result.points.overdue[3]).toBeCloseTo(12, 10);
    expect(result.points.lowValue[3]).toBeCloseTo(15, 10);
    expect(result.reference.typicalExpectedPurchases).toBeCloseTo(0.3, 12);
    expect(result.reference.fallbackGapDays).toBe(20);
    expect(result.reference.typicalValueCents).toBe(2000);
    expect(result.weights).toEqual(DEFAULT_AT_RISK_WEIGHTS);
  });

  it('adds up the points of every signal to the score', () => {
    for (let customer = 0; customer < 4; customer++) {
      const total = Object.values(result.points).reduce((sum, column) => sum + column[customer]!, 0);
      expect(total).toBeCloseTo(result.scores[customer]!, 10);
    }
  });

  it('explains each score in words, largest contribution first, only where worse than typical', () => {
    expect(result.reasons[0]).toEqual([
      'expected to buy 0.1 times in the next 90 days, against 0.3 for a typical customer',
      '60 days past their usual 20-day rhythm',
      'spent 8.00 to date, against 20.00 for a typical customer',
      'gave negative feedback',
      '2 open tickets breaching their SLA',
      'engagement down 40 %',
    ]);
    expect(result.reasons[1]).toEqual([
      '5 days past their usual 20-day rhythm',
      '1 open ticket breaching its SLA',
    ]);
    expect(result.reasons[2]).toEqual([]);
    expect(result.reasons[3]).toEqual([
      'expected to buy 0.1 times in the next 90 days, against 0.3 for a typical customer',
      'spent 0.00 to date, against 20.00 for a typical customer',
      'one purchase, 100 days ago',
    ]);
  });

  it('gives the same reasons as data: codes, points and the numbers the words show (hand-worked above)', () => {
    const [a, b, c, d] = result.reasonData;
    expect(a!.map((reason) => reason.code)).toEqual([
      'expected_purchases',
      'overdue',
      'low_value',
      'negative_feedback',
      'breached_tickets',
      'engagement_decline',
    ]);
    expect(a![0]).toMatchObject({ code: 'expected_purchases', expected: 0.1, horizonDays: 90 });
    expect((a![0] as { typical: number }).typical).toBeCloseTo(0.3, 12);
    expect(a![0]!.points).toBeCloseTo(37.5, 10);
    expect(a![1]).toMatchObject({ code: 'overdue', daysOverdue: 60, usualGapDays: 20 });
    expect(a![1]!.points).toBeCloseTo(11.25, 10);
    expect(a![2]).toMatchObject({ code: 'low_value', valueCents: 800, typicalValueCents: 2000 });
    expect(a![4]).toMatchObject({ code: 'breached_tickets', tickets: 2, points: 5 });
    expect(a![5]).toMatchObject({ code: 'engagement_decline', percent: 40 });
    expect(b!.map((reason) => reason.code)).toEqual(['overdue', 'breached_tickets']);
    expect(b![0]).toMatchObject({ daysOverdue: 5, usualGapDays: 20 });
    expect(b![0]!.points).toBeCloseTo(3, 10);
    expect(c).toEqual([]);
    expect(d![2]).toMatchObject({ code: 'single_purchase', daysSince: 100 });
    expect(d![2]!.points).toBeCloseTo(12, 10);
    // The words are the data's, reason by reason.
    for (let customer = 0; customer < 4; customer++) {
      expect(result.reasonData[customer]!.map(describeAtRiskReason)).toEqual(result.reasons[customer]);
    }
  });

  it('rescales the supplied weights to 100 when support and engagement data are absent', () => {
    // Orders only: 50, 15, 15 of 80 → 62.5, 18.75, 18.75. D: 62.5 × 0.75 + 18.75 × 0.8 + 18.75 × 1 = 80.625.
    const { negativeFeedback, breachedTickets, engagementTrend, ...orderSignals } = inputs;
    const partial = atRiskScores(orderSignals);
    expect(partial.weights.expectedPurchases).toBeCloseTo(62.5, 12);
    expect(partial.weights.overdue).toBeCloseTo(18.75, 12);
    expect(partial.weights.negativeFeedback).toBe(0);
    expect(partial.scores[3]).toBeCloseTo(80.625, 10);
  });

  it('honours options: no fallback rhythm, given references, the horizon, a reason floor, custom weights', () => {
    const noFallback = atRiskScores(inputs, DEFAULT_AT_RISK_WEIGHTS, { fallbackGapDays: null });
    expect(noFallback.points.overdue[3]).toBe(0);
    expect(noFallback.reasons[3]).not.toContain('one purchase, 100 days ago');
    // Typical E given as 0.1: A's E equals it → strength ½ → 25 points and no reason.
    const given = atRiskScores(inputs, DEFAULT_AT_RISK_WEIGHTS, {
      typicalExpectedPurchases: 0.1,
      typicalValueCents: 800,
      horizonDays: 30,
    });
    expect(given.points.expectedPurchases[0]).toBeCloseTo(25, 12);
    expect(given.reasons[0]![0]).toBe('60 days past their usual 20-day rhythm');
    expect(given.reasons[3]![0]).toBe('spent 0.00 to date, against 8.00 for a typical customer');
    const highFloor = atRiskScores(inputs, DEFAULT_AT_RISK_WEIGHTS, { minimumReasonPoints: 12 });
    expect(highFloor.reasons[0]).toEqual([
      'expected to buy 0.1 times in the next 90 days, against 0.3 for a typical customer',
    ]);
    // Only feedback weighted: A gave negative feedback → 100; the others did not → 0.
    const feedbackOnly = atRiskScores(inputs, {
      expectedPurchases: 0,
      overdue: 0,
      lowValue: 0,
      negativeFeedback: 1,
      breachedTickets: 0,
      engagementDecline: 0,
    });
    expect([...feedbackOnly.scores]).toEqual([100, 0, 0, 0]);
  });

  it('leaves out expected purchases when no model gave any, and value when no one has spent', () => {
    const withoutModel = atRiskScores({
      ...inputs,
      expectedPurchases: new Float64Array(4).fill(Number.NaN),
      valueCents: new Float64Array(4),
    });
    // Supplied: overdue 15, feedback 10, tickets 5, engagement 5 → 35 points rescaled to 100.
    expect(withoutModel.weights.expectedPurchases).toBe(0);
    expect(withoutModel.weights.lowValue).toBe(0);
    expect(withoutModel.weights.overdue).toBeCloseTo((15 / 35) * 100, 12);
  });

  it('rejects misaligned columns and unusable weights', () => {
    expect(() => atRiskScores({ ...inputs, valueCents: Float64Array.of(1) })).toThrow(RangeError);
    expect(() => atRiskScores(inputs, { ...DEFAULT_AT_RISK_WEIGHTS, overdue: -1 })).toThrow(
      InvalidInputError,
    );
    // Only the order signals supplied, and all three weighted 0: nothing left to score with.
    expect(() =>
      rescaleAtRiskWeights(
        { ...DEFAULT_AT_RISK_WEIGHTS, expectedPurchases: 0, overdue: 0, lowValue: 0 },
        {
          expectedPurchases: true,
          overdue: true,
          lowValue: true,
          negativeFeedback: false,
          breachedTickets: false,
          engagementDecline: false,
        },
      ),
    ).toThrow(InvalidInputError);
    expect(() =>
      atRiskScores(
        {
          customerIds: ['x'],
          expectedPurchases: Float64Array.of(0.5),
          daysSinceLastOrder: Float64Array.of(1),
          typicalGapDays: Float64Array.of(2),
          valueCents: Float64Array.of(100),
        },
        { ...DEFAULT_AT_RISK_WEIGHTS, expectedPurchases: 0, overdue: 0, lowValue: 0 },
      ),
    ).toThrow(InvalidInputError);
  });
});

describe('atRiskSignals', () => {
  it('maps the doc example to its strengths', () => {
    // E 0.1 against 0.3 → 0.75; 60 days against a 20-day rhythm → 1 − 20/60; value 10 against 30 → 0.75.
    const signals = atRiskSignals(
      {
        customerIds: ['a'],
        expectedPurchases: Float64Array.of(0.1),
        daysSinceLastOrder: Float64Array.of(60),
        typicalGapDays: Float64Array.of(20),
        valueCents: Float64Array.of(1000),
      },
      { typicalExpectedPurchases: 0.3, typicalValueCents: 3000 },
    );
    expect(signals.strengths.expectedPurchases[0]).toBeCloseTo(0.75, 12);
    expect(signals.strengths.overdue[0]).toBeCloseTo(2 / 3, 12);
    expect(signals.strengths.lowValue[0]).toBeCloseTo(0.75, 12);
    expect(signals.supplied.negativeFeedback).toBe(false);
  });
});

describe('atRiskScores — properties (fast-check)', () => {
  const customer = fc.record({
    expected: fc.double({ min: 0, max: 50, noNaN: true }),
    daysSince: fc.double({ min: 0, max: 2000, noNaN: true }),
    gap: fc.oneof(fc.constant(Number.NaN), fc.double({ min: 1, max: 365, noNaN: true })),
    value: fc.double({ min: -1e5, max: 1e7, noNaN: true }),
    feedback: fc.integer({ min: 0, max: 1 }),
    tickets: fc.integer({ min: 0, max: 10 }),
    trend: fc.double({ min: -3, max: 3, noNaN: true }),
  });
  type Customer = typeof customer extends fc.Arbitrary<infer T> ? T : never;
  // Fixed references, so a customer is compared with the same typical customer before and after.
  const scoreOf = (value: Customer) =>
    atRiskScores(
      {
        customerIds: ['x'],
        expectedPurchases: Float64Array.of(value.expected),
        daysSinceLastOrder: Float64Array.of(value.daysSince),
        typicalGapDays: Float64Array.of(value.gap),
        valueCents: Float64Array.of(value.value),
        negativeFeedback: Uint8Array.of(value.feedback),
        breachedTickets: Uint8Array.of(value.tickets),
        engagementTrend: Float64Array.of(value.trend),
      },
      DEFAULT_AT_RISK_WEIGHTS,
      { typicalExpectedPurchases: 0.3, fallbackGapDays: 30, typicalValueCents: 4000 },
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

  it('never decreases when expected purchases fall', () => {
    fc.assert(
      fc.property(customer, fc.double({ min: 0, max: 1, noNaN: true }), (value, drop) => {
        expect(scoreOf({ ...value, expected: value.expected * (1 - drop) })).toBeGreaterThanOrEqual(
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

  it('never decreases when the value to date falls', () => {
    fc.assert(
      fc.property(customer, fc.double({ min: 0, max: 1e6, noNaN: true }), (value, less) => {
        expect(scoreOf({ ...value, value: value.value - less })).toBeGreaterThanOrEqual(scoreOf(value));
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

describe('the reference value: a median by selection', () => {
  it('equals the middle of the sorted values (the mean of the two middle ones for an even count)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 60 }), (cents) => {
        const valueCents = Float64Array.from(cents, (value) => value * 100);
        const sorted = [...valueCents].sort((a, b) => a - b);
        const middle = sorted.length >> 1;
        const median =
          sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
        const { reference } = atRiskSignals({
          customerIds: cents.map((_, index) => `c${index}`),
          expectedPurchases: new Float64Array(cents.length).fill(Number.NaN),
          daysSinceLastOrder: new Float64Array(cents.length),
          typicalGapDays: new Float64Array(cents.length).fill(Number.NaN),
          valueCents,
        });
        expect(reference.typicalValueCents).toBe(median);
      }),
      { numRuns: 300 },
    );
  });
});
