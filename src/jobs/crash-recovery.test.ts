import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { spawnTypeScript } from '../../test/support/db/child-process.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { enqueue, getJob } from './job-queue.js';

const CHILD_SCRIPT = fileURLToPath(new URL('../../test/support/db/job-worker-child.ts', import.meta.url));

describeEachDatabase('job crash recovery', (getDb) => {
  type EffectTable = { workspace_id: number; job_id: number; attempt: number };

  beforeAll(async () => {
    await sql`create table test_effect (workspace_id bigint not null, job_id bigint not null, attempt integer not null,
      primary key (workspace_id, job_id))`.execute(getDb().db);
  });

  it('a worker killed with SIGKILL mid-job leaves no effect; after a restart the job completes exactly once', async () => {
    const { db, url } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Crash', slug: `crash-${newId()}` });
    const type = `crash.${newId()}`;
    const { job } = await enqueue(db, { workspaceId: workspace.id, type, payload: {} });
    const env = {
      CHILD_DATABASE_URL: url,
      CHILD_JOB_TYPE: type,
      CHILD_WORKSPACE_ID: String(workspace.id),
      CHILD_JOB_ID: String(job.id),
      // Short, so the restarted worker can take the job over soon after the crash.
      CHILD_LOCK_MS: '1000',
    };

    const doomed = spawnTypeScript(CHILD_SCRIPT, { ...env, CHILD_MODE: 'hang' });
    await doomed.waitForOutput('EFFECT_WRITTEN', 20_000);
    doomed.process.kill('SIGKILL');
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The killed worker's transaction never committed: no effect, and the job is still its claim.
    const effects = db.withTables<{ test_effect: EffectTable }>();
    expect(
      await effects.selectFrom('test_effect').selectAll().where('job_id', '=', job.id).execute(),
    ).toEqual([]);
    expect(await getJob(db, workspace.id, job.id)).toMatchObject({ status: 'running', attempts: 1 });

    const restarted = spawnTypeScript(CHILD_SCRIPT, { ...env, CHILD_MODE: 'finish' });
    const exit = await restarted.exited;
    expect(exit, restarted.output()).toEqual({ code: 0, signal: null });
    expect(restarted.output()).toContain('DONE');

    // The handler started twice (once per process) but its effect exists once, from attempt 2.
    expect(`${doomed.output()}${restarted.output()}`.match(/STARTED attempt=\d+/g)).toEqual([
      'STARTED attempt=1',
      'STARTED attempt=2',
    ]);
    expect(
      await effects
        .selectFrom('test_effect')
        .select(['job_id', 'attempt'])
        .where('job_id', '=', job.id)
        .execute(),
    ).toEqual([{ job_id: job.id, attempt: 2 }]);
    expect(await getJob(db, workspace.id, job.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  }, 60_000);
});
