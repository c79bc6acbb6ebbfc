/**
 * The `send_survey` step: sends one of the workspace's surveys (src/feedback) to the run's
 * customer — a survey send with its signed links and the survey e-mail through e-mail's
 * `queueEmail`. So the flows' rules hold as for a `send_email` step: a holdout run never reaches a
 * step; the e-mail is `marketing` unless the step says `transactional`, so consent, frequency caps
 * and quiet hours apply; suppression and erasure always do (a skipped e-mail is recorded as the
 * step's outcome, and the send stays unanswerable, out of the report's sends).
 *
 * Crash safety: the send's dedupe key is `flow:<runId>:<stepId>` and its e-mail's
 * `survey:<sendId>`, so a step retried after a crash finds the same send and queues nothing twice.
 */
import type { Kysely } from 'kysely';
import type { Database, RowId } from '../db/index.js';
import type { InputIssue } from '../errors/index.js';
import { RetainError } from '../errors/index.js';
import { getSurvey, sendSurvey } from '../feedback/index.js';
import { type FlowStep, formatPath, type SendSurveyStep } from './flow-definition.js';

/**
 * Executes a `send_survey` step for a run's customer; returns the outcome `flow_run_step` records:
 * `{ surveyId, sendId, status: 'queued' | 'duplicate' | 'skipped', messageId, reason? }`, or
 * `{ surveyId, status: 'skipped', reason: 'erased' }` for a customer erased since entering.
 * `not_found` (a survey gone) ends the run as the engine ends any final refusal.
 */
export async function executeSendSurveyStep(
  db: Kysely<Database>,
  step: SendSurveyStep,
  run: {
    readonly workspaceId: RowId;
    readonly flowId: RowId;
    readonly id: RowId;
    readonly customerId: RowId;
  },
  now: number,
): Promise<Record<string, unknown>> {
  const surveyId = String(step.surveyId);
  try {
    const sent = await sendSurvey(db, {
      workspaceId: run.workspaceId,
      surveyId: Number(step.surveyId),
      customerId: run.customerId,
      origin: { kind: 'flow', flowId: String(run.flowId), runId: String(run.id), stepId: step.id },
      dedupeKey: `flow:${run.id}:${step.id}`,
      category: step.category ?? 'marketing',
      now,
    });
    const { send } = sent;
    return {
      surveyId,
      sendId: String(send.id),
      status: send.delivery,
      messageId: send.messageId,
      ...(send.deliveryReason === null ? {} : { reason: send.deliveryReason }),
    };
  } catch (error) {
    // sendSurvey refuses an erased customer with `conflict`: the step is skipped, as e-mail skips.
    if (error instanceof RetainError && error.code === 'conflict')
      return { surveyId, status: 'skipped', reason: 'erased' };
    throw error;
  }
}

/** Every `send_survey` step of the steps, with its path. */
function surveySteps(steps: readonly FlowStep[], root: readonly (string | number)[]) {
  const found: { step: SendSurveyStep; path: (string | number)[] }[] = [];
  const walk = (list: readonly FlowStep[], path: readonly (string | number)[]) => {
    for (const [index, step] of list.entries()) {
      if (step.type === 'send_survey') found.push({ step, path: [...path, index] });
      else if (step.type === 'branch') {
        walk(step.yes, [...path, index, 'yes']);
        walk(step.no, [...path, index, 'no']);
      }
    }
  };
  walk(steps, root);
  return found;
}

/**
 * Save-time check: every `send_survey` step names a survey of the workspace. One issue
 * (`unknown_survey`, at `…surveyId`) per step naming another workspace's or no survey.
 */
export async function surveyStepIssues(
  db: Kysely<Database>,
  workspaceId: RowId,
  steps: readonly FlowStep[],
  root: readonly (string | number)[] = ['json', 'steps'],
): Promise<InputIssue[]> {
  const issues: InputIssue[] = [];
  for (const { step, path } of surveySteps(steps, root)) {
    try {
      await getSurvey(db, workspaceId, Number(step.surveyId));
    } catch (error) {
      if (!(error instanceof RetainError && error.code === 'not_found')) throw error;
      const at = [...path, 'surveyId'];
      issues.push({
        path: at,
        message: `${formatPath(at)}: no survey ${step.surveyId} in this workspace.`,
        code: 'unknown_survey',
      });
    }
  }
  return issues;
}
