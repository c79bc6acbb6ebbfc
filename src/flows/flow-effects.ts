/**
 * What flows do outside their own tables: queue an e-mail, and count what became of a flow's
 * e-mails. The engine takes these as a dependency so that simulated-time tests can record what a
 * flow would send; production passes `productionFlowEffects` (src/email's `queueEmail` and
 * `flowEmailCounts`).
 */
import type { Kysely } from 'kysely';
import type { Database, RowId } from '../db/index.js';

/** An e-mail a flow's `send_email` step queues (src/email's `OutgoingEmail`). */
export interface FlowEmail {
  readonly workspaceId: RowId;
  readonly customerId: RowId;
  /** `flow:<runId>:<stepId>`: queueing it again is answered `duplicate`, never sent twice. */
  readonly dedupeKey: string;
  readonly category: 'marketing' | 'transactional';
  /** Liquid templates, rendered by e-mail with the customer's fields. */
  readonly subject: string;
  readonly html: string;
  readonly origin: {
    readonly kind: 'flow';
    readonly flowId: string;
    readonly runId: string;
    readonly stepId: string;
  };
  readonly variables?: Record<string, unknown>;
}

/** What queueing answered (src/email's `QueueOutcome`). */
export type FlowEmailOutcome =
  | { readonly status: 'queued' | 'duplicate'; readonly messageId: string }
  | { readonly status: 'skipped'; readonly messageId: string; readonly reason: string };

/** What became of a flow's e-mails (src/email's `flowEmailCounts`). */
export interface FlowEmailCounts {
  readonly sent: number;
  readonly delivered: number;
  readonly bounced: number;
  readonly opened: number;
  readonly clicked: number;
  readonly unsubscribed: number;
  readonly skipped: number;
}

/** What queueing one e-mail of a batch came to: its outcome, or the error it failed with. */
export type FlowEmailResult =
  | { readonly ok: true; readonly outcome: FlowEmailOutcome }
  | { readonly ok: false; readonly error: unknown };

export interface FlowEffects {
  /**
   * Queues a batch of e-mails (a step's, for every run at it in a tick), one result per e-mail in
   * order; one e-mail's failure is its result, not the batch's. Optional: without it the engine
   * calls `sendEmail` for each.
   */
  sendEmails?(
    db: Kysely<Database>,
    emails: readonly FlowEmail[],
    options: { readonly now: number },
  ): Promise<FlowEmailResult[]>;
  sendEmail(
    db: Kysely<Database>,
    email: FlowEmail,
    options: { readonly now: number },
  ): Promise<FlowEmailOutcome>;
  emailCounts(db: Kysely<Database>, workspaceId: number, flowId: RowId): Promise<FlowEmailCounts>;
}
