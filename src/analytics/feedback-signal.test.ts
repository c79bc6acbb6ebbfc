/**
 * The feedback signal of the at-risk score on both engines: a workspace without rated answers
 * scores exactly as before (the signal is not supplied, so no weight moves); once it has some, a
 * customer whose current CSAT answer is not satisfied, or NPS answer 0–6, gets the signal's
 * points with a reason in words ("gave an NPS of 3", "rated the last request not satisfied"), and
 * a changed, positive answer takes them away. Expected scores are worked from the default weights
 * (docs/models.md): supplying the signal rescales 50 / 15 / 15 / 10 over 90, so every score
 * becomes 80/90 of what it was, plus 100 × 10/90 for a negative answer.
 */
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { seedPopulation } from '../../test/segments/population.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { type Database, newId } from '../db/index.js';
import { createSurvey, recordAnswer, sendSurvey } from '../feedback/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { atRiskReport } from './analytics.service.js';
import { computeCustomerScores } from './scores.service.js';

const NOW = Date.UTC(2026, 10, 30, 12);
const SYSTEM = { type: 'system' } as const;

async function scoresById(db: Kysely<Database>, workspaceId: number) {
  const report = await atRiskReport(db, workspaceId, {}, 10_000);
  return { report, byId: new Map(report.customers.map((customer) => [customer.customerId, customer])) };
}

describeEachDatabase('the feedback signal of the at-risk score', (getDb) => {
  it('changes nothing without rated answers, then adds its points and words for a negative answer', async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Risk', slug: `risk-${newId()}` });
    await seedPopulation(db, workspace.id, { seed: 8, size: 80, now: NOW });
    const before = await scoresById(db, workspace.id);
    expect(before.report.weights.source).toBe('default');
    expect(before.report.weights.signals.negativeFeedback).toBe(0);
    const erased = new Set(
      (
        await db
          .selectFrom('customer')
          .select('id')
          .where('workspace_id', '=', workspace.id)
          .where('erased_at', 'is not', null)
          .execute()
      ).map((row) => String(row.id)),
    );
    const live = before.report.customers.filter((customer) => !erased.has(customer.customerId));
    // Three of the least at risk, so the signal's points are not lost to the cap at 100.
    const [ann, bob, cat] = live.slice(-3).map((customer) => Number(customer.customerId)) as [
      number,
      number,
      number,
    ];

    // Surveys sent but not answered: still no rated feedback, the scores are exactly the same.
    const nps = await createSurvey(db, {
      workspaceId: workspace.id,
      survey: { name: 'NPS', kind: 'nps' },
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    const csat = await createSurvey(db, {
      workspaceId: workspace.id,
      survey: { name: 'Solved?', kind: 'csat', scale: 'binary', comment: true },
      createdBy: null,
      actor: SYSTEM,
      now: NOW,
    });
    const send = async (surveyId: number, customerId: number) =>
      (await sendSurvey(db, { workspaceId: workspace.id, surveyId, customerId, now: NOW })).links.token;
    const annToken = await send(nps.id, ann);
    const bobToken = await send(nps.id, bob);
    const catToken = await send(csat.id, cat);
    expect((await scoresById(db, workspace.id)).report).toEqual(before.report);

    // Ann gives 3 (a detractor), Bob 10, Cat "not satisfied" on the binary CSAT.
    const answer = (token: string, rating: number) =>
      recordAnswer(db, { token, answer: { rating }, source: 'link', now: NOW });
    await answer(annToken, 3);
    await answer(bobToken, 10);
    await answer(catToken, 0);
    const after = await scoresById(db, workspace.id);
    expect(after.report.weights.signals.negativeFeedback).toBeCloseTo(100 / 9, 10);
    expect(after.report.weights.signals.expectedPurchases).toBeCloseTo((50 * 100) / 90, 10);
    const negative = new Set([String(ann), String(cat)]);
    for (const [id, customer] of after.byId) {
      const earlier = before.byId.get(id)!;
      const expected = (earlier.score * 80) / 90 + (negative.has(id) ? 100 / 9 : 0);
      expect(customer.score, id).toBeCloseTo(Math.min(100, expected), 9);
    }
    expect(after.byId.get(String(ann))!.reasons).toContain('gave an NPS of 3');
    expect(after.byId.get(String(cat))!.reasons).toContain('rated the last request not satisfied');
    expect(after.byId.get(String(bob))!.reasons.join()).not.toMatch(/NPS|satisfied|feedback/);

    // The stored scores say the same, the answer as data for the dashboard's words.
    const stored = await computeCustomerScores(db, workspace.id);
    const annRow = stored.rows.find((row) => row.customerId === ann)!;
    expect(annRow.reasons).toContainEqual({
      code: 'negative_feedback',
      points: expect.closeTo(100 / 9, 9),
      feedback: { kind: 'nps', rating: 3 },
    });

    // Ann changes her answer to 9: the signal leaves her (still supplied for the workspace).
    await answer(annToken, 9);
    const changed = await scoresById(db, workspace.id);
    expect(changed.byId.get(String(ann))!.score).toBeCloseTo(
      (before.byId.get(String(ann))!.score * 80) / 90,
      9,
    );
    expect(changed.byId.get(String(ann))!.reasons.join()).not.toContain('NPS');
    expect(changed.byId.get(String(cat))!.reasons).toContain('rated the last request not satisfied');
  });
});
