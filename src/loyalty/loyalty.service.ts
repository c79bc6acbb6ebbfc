/**
 * The ledger's rules: redeem, adjust, earn on an order, reverse on a refund, settle pending points,
 * expire — each one write transaction (loyalty.repository.ts keeps the balance equal to the sum of
 * the ledger and never below zero).
 *
 * API writes are idempotent by the client's key: the answer given (success or a 409 for a balance
 * that does not cover the request) is stored with the key in the same transaction as the entry, and
 * a retry with the key and the same request gets that answer again with nothing changed; the key
 * with a different request is refused (409). Two requests with one key at the same moment: one
 * writes, the other's insert of the key fails, and it answers with what the first stored.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { findCustomer } from '../customers/index.js';
import { type Database, isUniqueViolation, parseRowId, type RowId } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import {
  type Account,
  addDebt,
  credit,
  DuplicateEntryError,
  debit,
  debitPending,
  type Entry,
  emptyAccount,
  ensureProgramme,
  expiryPositions,
  findAccount,
  findOrderPoints,
  findProgramme,
  findRequest,
  inLedgerTransaction,
  insertNotice,
  insertOrderPoints,
  insertRequest,
  listEntries,
  lockLiveCustomer,
  type Programme,
  recordOrderRefund,
  settleDue,
} from './loyalty.repository.js';
import { multiplierAt, pointsForAmount } from './loyalty-settings.js';
import { reviewTier } from './tier.service.js';

const DAY_MS = 86_400_000;

/** An answer to replay: HTTP status and JSON body. */
export interface LedgerAnswer {
  readonly status: number;
  readonly body: unknown;
  /** True when this is the stored answer of an earlier request with the same key. */
  readonly replayed: boolean;
}

/** An entry as the API shows it. */
export function entryBody(entry: Entry) {
  return {
    id: String(entry.id),
    customerId: String(entry.customerId),
    kind: entry.kind,
    points: entry.points,
    pending: entry.pending,
    availableAt: entry.availableAt === null ? null : new Date(entry.availableAt).toISOString(),
    reason: entry.reason,
    source: entry.source,
    sourceRef: entry.sourceRef,
    createdAt: new Date(entry.createdAt).toISOString(),
  };
}

/**
 * The row id of a customer a route's middleware has already found by `loyaltyCustomer` (no
 * second query); `not_found` for text that is no id.
 */
export function checkedCustomerId(customerIdText: string): RowId {
  const customerId = parseRowId(customerIdText);
  if (customerId === undefined) throw notFound('Customer');
  return customerId;
}

/** The customer of `customerIdText` in the workspace (its row id), or `not_found` (also once erased). */
export async function loyaltyCustomer(
  db: Kysely<Database>,
  workspaceId: number,
  customerIdText: string,
): Promise<RowId> {
  const customerId = parseRowId(customerIdText);
  const row = customerId === undefined ? undefined : await findCustomer(db, workspaceId, customerId);
  // An erased customer is unknown to the ledger (loyalty-privacy.ts): nothing more is written.
  if (row === undefined || customerId === undefined || row.erased_at !== null) throw notFound('Customer');
  return customerId;
}

function fingerprintOf(operation: string, target: string, body: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, target, body]))
    .digest('hex');
}

/**
 * Runs `work` once per idempotency key: see the file comment. `work` answers with a status and a
 * body (it may throw a RetainError for a request that stores nothing, e.g. an unknown customer).
 */
export async function once(
  db: Kysely<Database>,
  workspaceId: number,
  request: {
    readonly key: string;
    readonly operation: string;
    readonly target: string;
    readonly body: Record<string, unknown>;
    readonly now: number;
  },
  work: (trx: Kysely<Database>) => Promise<{ status: number; body: unknown }>,
): Promise<LedgerAnswer> {
  const fingerprint = fingerprintOf(request.operation, request.target, request.body);
  for (let attempt = 0; ; attempt++) {
    try {
      return await inLedgerTransaction(db, async (trx) => {
        const stored = await findRequest(trx, workspaceId, request.key);
        if (stored !== undefined) {
          if (stored.fingerprint !== fingerprint) {
            throw new RetainError(
              'conflict',
              'This idempotency key was used for a different request; use a new key for a new request.',
              [
                {
                  path: ['json', 'idempotencyKey'],
                  message: 'Used before with another operation, customer or body.',
                },
              ],
            );
          }
          return { status: stored.status, body: stored.response, replayed: true };
        }
        const answer = await work(trx);
        await insertRequest(
          trx,
          workspaceId,
          request.key,
          { operation: request.operation, fingerprint, status: answer.status, response: answer.body },
          request.now,
        );
        return { ...answer, replayed: false };
      });
    } catch (error) {
      // Another request with this key committed first: read its answer on the next turn.
      if (attempt < 3 && (isUniqueViolation(error) || error instanceof DuplicateEntryError)) continue;
      throw error;
    }
  }
}

function insufficient(balance: number, points: number): { status: number; body: unknown } {
  return {
    status: 409,
    body: {
      error: {
        code: 'conflict',
        message: `The balance (${balance} points) does not cover ${points} points; nothing was redeemed.`,
        issues: [
          {
            path: ['json', 'points'],
            message: `More than the balance of ${balance} points.`,
            code: 'insufficient_points',
          },
        ],
      },
    },
  };
}

async function positionBody(trx: Kysely<Database>, workspaceId: number, customerId: RowId) {
  const account = await findAccount(trx, workspaceId, customerId);
  return { balance: account?.balance ?? 0, pending: account?.pending ?? 0 };
}

/**
 * Redeems `points` of the customer's balance: 201 `{ entry, balance, pending }`, or 409 when the
 * balance does not cover them (nothing changes). Idempotent by `idempotencyKey`.
 */
export async function redeemPoints(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  request: { readonly points: number; readonly idempotencyKey: string; readonly reason?: string | undefined },
  now: number,
): Promise<LedgerAnswer> {
  return once(
    db,
    workspaceId,
    {
      key: request.idempotencyKey,
      operation: 'redeem',
      target: String(customerId),
      body: { points: request.points, reason: request.reason ?? null },
      now,
    },
    async (trx) => {
      await ensureProgramme(trx, workspaceId, now);
      const outcome = await debit(trx, workspaceId, {
        customerId,
        kind: 'redeem',
        points: -request.points,
        reason: request.reason ?? null,
        source: 'api',
        idempotencyKey: `api:${request.idempotencyKey}`,
        now,
      });
      if (!outcome.ok) return insufficient(outcome.balance, request.points);
      return {
        status: 201,
        body: { entry: entryBody(outcome.entry!), ...(await positionBody(trx, workspaceId, customerId)) },
      };
    },
  );
}

/**
 * Adds (points > 0) or takes (points < 0) points with a reason: 201 `{ entry, balance, pending }`,
 * or 409 when a negative adjustment is more than the balance. Idempotent by `idempotencyKey`.
 */
export async function adjustPoints(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  request: { readonly points: number; readonly reason: string; readonly idempotencyKey: string },
  now: number,
): Promise<LedgerAnswer> {
  return once(
    db,
    workspaceId,
    {
      key: request.idempotencyKey,
      operation: 'adjust',
      target: String(customerId),
      body: { points: request.points, reason: request.reason },
      now,
    },
    async (trx) => {
      await ensureProgramme(trx, workspaceId, now);
      const entry = {
        customerId,
        kind: 'adjust' as const,
        points: request.points,
        reason: request.reason,
        source: 'api',
        idempotencyKey: `api:${request.idempotencyKey}`,
        now,
      };
      let written: Entry;
      if (request.points > 0) {
        // Checked again under the lock erasure takes: the route's check ran before this transaction.
        if (!(await lockLiveCustomer(trx, workspaceId, customerId))) throw notFound('Customer');
        const outcome = await credit(trx, workspaceId, entry);
        if (outcome.entry === undefined) throw new DuplicateEntryError(entry.idempotencyKey);
        written = outcome.entry;
      } else {
        const outcome = await debit(trx, workspaceId, entry);
        if (!outcome.ok) return insufficient(outcome.balance, -request.points);
        written = outcome.entry!;
      }
      return {
        status: 201,
        body: { entry: entryBody(written), ...(await positionBody(trx, workspaceId, customerId)) },
      };
    },
  );
}

/** An order as earning sees it. */
export interface EarningOrder {
  /** `ext:<external id>` or `row:<row id>`: one per order whatever path it arrives by. */
  readonly orderRef: string;
  readonly orderId: RowId | null;
  readonly customerId: RowId;
  readonly amountCents: number;
  readonly orderedAt: number;
}

/** The order reference of an order: its external id when it has one, else its row id. */
export function orderRefOf(order: { readonly externalId: string | null; readonly id: RowId | null }): string {
  if (order.externalId !== null) return `ext:${order.externalId}`;
  if (order.id === null) throw new Error('An order needs an external id or a row id');
  return `row:${order.id}`;
}

/**
 * Earns an order's points, once per order reference (a second call, by any path, writes nothing):
 * ⌊net amount × points per unit × the tier's and promotion's multiplier⌋, pending through the
 * returns window (spendable at once with a window of 0 days). Inside a ledger transaction.
 * Returns the entry, or undefined when the order earned before or earns nothing, or its customer
 * was erased (checked under the lock erasure takes, `lockLiveCustomer`, unless the caller did:
 * `customerLocked`) — an order arriving during or after an erasure adds no points.
 */
export async function earnOnOrder(
  trx: Kysely<Database>,
  workspaceId: number,
  programme: Programme,
  order: EarningOrder,
  now: number,
  options: { readonly customerLocked?: boolean } = {},
): Promise<{ entry: Entry; position?: { balance: number; pending: number } } | undefined> {
  if (options.customerLocked !== true && !(await lockLiveCustomer(trx, workspaceId, order.customerId)))
    return undefined;
  // The account is read only when a tier changes the multiplier (not on the plain path).
  const tierMatters = programme.settings.tiers.levels.some((level) => level.multiplier !== 1);
  const tier = tierMatters ? ((await findAccount(trx, workspaceId, order.customerId))?.tier ?? null) : null;
  const multiplier = multiplierAt(programme.settings, tier, order.orderedAt);
  const points = pointsForAmount(order.amountCents, programme.settings, multiplier);
  const windowMs = programme.settings.returnsWindowDays * DAY_MS;
  const availableAt = Math.max(now, order.orderedAt + windowMs);
  const recorded = await insertOrderPoints(trx, workspaceId, {
    orderRef: order.orderRef,
    orderId: order.orderId,
    customerId: order.customerId,
    amountCents: order.amountCents,
    points,
    refundedCents: 0,
    reversedPoints: 0,
    availableAt,
    now,
  });
  if (!recorded || points === 0) return undefined;
  const pending = availableAt > now;
  const outcome = await credit(trx, workspaceId, {
    customerId: order.customerId,
    kind: 'earn',
    points,
    pending,
    availableAt: pending ? availableAt : null,
    reason: multiplier === 1 ? 'Order' : `Order (×${multiplier})`,
    source: 'order',
    sourceRef: order.orderRef,
    orderId: order.orderId,
    idempotencyKey: `order:${order.orderRef}`,
    now,
  });
  if (outcome.entry === undefined) return undefined;
  // Upgrades are immediate (tier.service.ts); only a programme with tiers pays for the review.
  if (programme.settings.tiers.levels.length > 0)
    await reviewTier(trx, workspaceId, programme.settings, order.customerId, now);
  return outcome.position === undefined
    ? { entry: outcome.entry }
    : { entry: outcome.entry, position: outcome.position };
}

/**
 * Reverses an order's points in proportion to what is refunded in all (`refundedCents`, the
 * order's refunds so far): the reversal brings the order's reversed points to
 * ⌊points × refunded / amount⌋. Inside the returns window the pending points shrink; after it the
 * balance does, and what the balance does not cover becomes debt the next earnings absorb.
 * Idempotent per `refundKey`. Returns the points reversed now.
 */
export async function reverseOnRefund(
  trx: Kysely<Database>,
  workspaceId: number,
  refund: { readonly orderRef: string; readonly refundedCents: number; readonly refundKey: string },
  now: number,
): Promise<number> {
  const order = await findOrderPoints(trx, workspaceId, refund.orderRef);
  if (order === undefined || order.points === 0 || order.amountCents <= 0) return 0;
  const refunded = Math.min(order.amountCents, Math.max(order.refundedCents, refund.refundedCents));
  const target = Math.floor((order.points * refunded) / order.amountCents);
  const amount = target - order.reversedPoints;
  await recordOrderRefund(trx, workspaceId, order.orderRef, refunded, Math.max(target, order.reversedPoints));
  if (amount <= 0) return 0;
  const entry = {
    customerId: order.customerId,
    kind: 'reverse' as const,
    points: -amount,
    reason: 'Refund',
    source: 'refund',
    sourceRef: order.orderRef,
    idempotencyKey: `refund:${refund.refundKey}`,
    availableAt: order.availableAt,
    now,
  };
  const stillPending = await isOrderPending(trx, workspaceId, order.orderRef);
  if (stillPending) {
    await debitPending(trx, workspaceId, entry);
    return amount;
  }
  const account =
    (await findAccount(trx, workspaceId, order.customerId)) ?? emptyAccount(order.customerId, now);
  const fromBalance = Math.min(account.balance, amount);
  if (fromBalance > 0) {
    const outcome = await debit(
      trx,
      workspaceId,
      { ...entry, points: -fromBalance, availableAt: null },
      { lowersEarned: true },
    );
    if (!outcome.ok) throw new Error('The balance read in this transaction no longer covers the reversal');
  }
  if (amount > fromBalance) await addDebt(trx, workspaceId, order.customerId, amount - fromBalance, now);
  return amount;
}

async function isOrderPending(
  trx: Kysely<Database>,
  workspaceId: number,
  orderRef: string,
): Promise<boolean> {
  const row = await trx
    .selectFrom('loyalty_entry')
    .select('pending')
    .where('workspace_id', '=', workspaceId)
    .where('idempotency_key', '=', `order:${orderRef}`)
    .executeTakeFirst();
  return row?.pending === 1;
}

/** An earn request of the API. */
export interface ApiEarn {
  readonly workspaceId: number;
  readonly customerId: RowId;
  readonly order: { readonly orderId: string; readonly amountCents: number; readonly orderedAt: number };
  readonly now: number;
}

/** One API earn inside a ledger transaction, with the programme read once per transaction. */
async function earnOne(
  trx: Kysely<Database>,
  request: ApiEarn,
  programmes: Map<number, Programme>,
): Promise<{ status: 200 | 201; body: unknown }> {
  const { workspaceId, customerId, order, now } = request;
  let programme = programmes.get(workspaceId);
  if (programme === undefined) {
    programme = await ensureProgramme(trx, workspaceId, now);
    programmes.set(workspaceId, programme);
  }
  // The route checked the customer before this transaction; an erasure may have committed since
  // (or be in progress: the lock waits for it). Thrown, the group is retried earn by earn.
  if (!(await lockLiveCustomer(trx, workspaceId, customerId))) throw notFound('Customer');
  const earned = await earnOnOrder(
    trx,
    workspaceId,
    programme,
    {
      orderRef: `ext:${order.orderId}`,
      orderId: null,
      customerId,
      amountCents: order.amountCents,
      orderedAt: order.orderedAt,
    },
    now,
    { customerLocked: true },
  );
  const entry = earned?.entry;
  const position = earned?.position ?? (await positionBody(trx, workspaceId, customerId));
  return {
    status: entry === undefined ? 200 : 201,
    body: { entry: entry === undefined ? null : entryBody(entry), ...position },
  };
}

/** Earns waiting for the next shared transaction, per store. */
interface EarnQueue {
  readonly waiting: {
    request: ApiEarn;
    resolve: (answer: { status: 200 | 201; body: unknown }) => void;
    reject: (error: unknown) => void;
  }[];
  scheduled: boolean;
  /** A group is being written: the next one waits for it (one writer per process and store). */
  writing: boolean;
}
const earnQueues = new WeakMap<Kysely<Database>, EarnQueue>();
/** Most earns one transaction takes (bounds how long the write lock is held). */
const EARNS_PER_TRANSACTION = 200;

/**
 * Earns an order through the API: `{ orderId, amountCents, orderedAt }`; 201 with the entry, or
 * 200 with `entry: null` when the order earned before (by the API, an import or tracking).
 *
 * Earns that arrive together share one ledger transaction (group commit): each request joins the
 * queue, and on the next turn of the event loop the queue is written in one transaction — the
 * commit (a WAL append on SQLite, a WAL flush on PostgreSQL) and the programme's read are paid once
 * per group, not per earn. Each earn stays its own order-keyed write, so the answers are those of
 * one transaction each; if the shared transaction fails, each earn is retried in a transaction of
 * its own, so one bad earn fails only its own request. One group is written at a time per process
 * (the next gathers meanwhile); groups of several processes that deadlock on PostgreSQL are retried.
 */
export function earnOrderThroughApi(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  order: { readonly orderId: string; readonly amountCents: number; readonly orderedAt: number },
  now: number,
): Promise<{ status: 200 | 201; body: unknown }> {
  let queue = earnQueues.get(db);
  if (queue === undefined) {
    queue = { waiting: [], scheduled: false, writing: false };
    earnQueues.set(db, queue);
  }
  const answer = new Promise<{ status: 200 | 201; body: unknown }>((resolve, reject) => {
    queue.waiting.push({ request: { workspaceId, customerId, order, now }, resolve, reject });
  });
  scheduleEarns(db, queue);
  return answer;
}

function scheduleEarns(db: Kysely<Database>, queue: EarnQueue): void {
  if (queue.scheduled || queue.writing || queue.waiting.length === 0) return;
  queue.scheduled = true;
  // setImmediate: the requests already read from the sockets join this group.
  setImmediate(() => {
    queue.scheduled = false;
    queue.writing = true;
    const group = queue.waiting.splice(0, EARNS_PER_TRANSACTION);
    void writeEarns(db, group).finally(() => {
      queue.writing = false;
      scheduleEarns(db, queue);
    });
  });
}

/** PostgreSQL's deadlock (40P01) or serialisation failure (40001): the transaction may be retried. */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** `work` in a ledger transaction, retried up to 3 times after a deadlock (another process's group). */
async function withRetry<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await inLedgerTransaction(db, work);
    } catch (error) {
      if (attempt < 3 && isRetryable(error)) continue;
      throw error;
    }
  }
}

async function writeEarns(db: Kysely<Database>, group: EarnQueue['waiting']): Promise<void> {
  try {
    const answers = await withRetry(db, async (trx) => {
      const programmes = new Map<number, Programme>();
      const written = [];
      for (const { request } of group) written.push(await earnOne(trx, request, programmes));
      return written;
    });
    for (const [index, item] of group.entries()) item.resolve(answers[index]!);
  } catch (groupError) {
    if (group.length === 1) {
      group[0]!.reject(groupError);
      return;
    }
    for (const item of group) {
      try {
        item.resolve(await withRetry(db, (trx) => earnOne(trx, item.request, new Map())));
      } catch (error) {
        item.reject(error);
      }
    }
  }
}

/** Settles the workspace's due pending points, in steps of `batch` customers. Returns how many. */
export async function settleDuePoints(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
  batch = 500,
): Promise<number> {
  let total = 0;
  for (;;) {
    const settled = await inLedgerTransaction(db, (trx) =>
      settleDue(trx, workspaceId, now, { limit: batch }),
    );
    total += settled;
    if (settled < batch) return total;
  }
}

/** What `GET /loyalty/customers/{customerId}` answers. */
export async function customerPoints(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  now: number,
): Promise<{ account: Account; programme: Programme | undefined }> {
  const account = (await findAccount(db, workspaceId, customerId)) ?? emptyAccount(customerId, now);
  const programme = await findProgramme(db, workspaceId);
  return { account, programme };
}

/** A page of the customer's history, newest first. */
export async function customerHistory(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  page: { readonly limit: number; readonly cursor?: string | undefined },
): Promise<{ items: ReturnType<typeof entryBody>[]; nextCursor: string | null }> {
  const beforeId = page.cursor === undefined ? undefined : parseRowId(page.cursor);
  if (page.cursor !== undefined && beforeId === undefined) {
    throw new RetainError('invalid_input', 'The cursor is not valid.', [
      { path: ['query', 'cursor'], message: 'Not a cursor this list gave.' },
    ]);
  }
  const entries = await listEntries(db, workspaceId, customerId, {
    limit: page.limit + 1,
    ...(beforeId === undefined ? {} : { beforeId }),
  });
  const items = entries.slice(0, page.limit);
  return {
    items: items.map(entryBody),
    nextCursor: entries.length > page.limit ? String(items[items.length - 1]!.id) : null,
  };
}

/** `at` moved back by `months` calendar months (UTC), clamped to the month’s last day. Example: 2025-03-31 − 1 month → 2025-02-28. */
export function monthsBefore(at: number, months: number): number {
  const date = new Date(at);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() - months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date.getTime();
}

/**
 * FIFO points of a position that have expired by a cutoff: debits consume the oldest credits first,
 * so what is left of the credits earned before the cutoff is max(0, credits before − all debits),
 * never more than the balance. Example: earned 100 (old) + 50 (new), redeemed 120 → old left
 * max(0, 100 − 120) = 0; redeemed 30 → 70 expire.
 */
export function expiringPoints(balance: number, creditsBefore: number, debits: number): number {
  return Math.max(0, Math.min(balance, creditsBefore - debits));
}

/**
 * Expires the workspace's points by its rule, as of `now`: `after_earning` — FIFO points earned
 * more than N months ago; `inactivity` — the whole balance of a customer with no earning or
 * spending in N months. Writes an `expire` entry per customer (key `expire:<customer>:<now>`, so
 * a rerun at the same instant writes nothing twice) and, for `after_earning`, a `points_expiring`
 * notice for points that will expire within `noticeDays`. Returns the points expired.
 */
export async function expirePoints(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
  batch = 500,
): Promise<{ customers: number; points: number; notices: number }> {
  const programme = await findProgramme(db, workspaceId);
  if (programme === undefined || programme.settings.expiry.mode === 'none') {
    return { customers: 0, points: 0, notices: 0 };
  }
  const { mode, months, noticeDays } = programme.settings.expiry;
  const cutoff = monthsBefore(now, months);
  const noticeAt = Math.floor(now / DAY_MS) * DAY_MS + noticeDays * DAY_MS;
  const noticeCutoff = monthsBefore(noticeAt, months);
  let after = 0;
  let customers = 0;
  let points = 0;
  let notices = 0;
  for (;;) {
    const done = await inLedgerTransaction(db, async (trx) => {
      const positions = await expiryPositions(trx, workspaceId, [cutoff, noticeCutoff], {
        afterCustomerId: after,
        limit: batch,
      });
      for (const position of positions) {
        after = position.customerId;
        let expiring = 0;
        if (mode === 'after_earning') {
          expiring = expiringPoints(position.balance, position.creditsBefore[0] ?? 0, position.debits);
        } else if ((position.lastActivityAt ?? now) < cutoff) {
          expiring = position.balance;
        }
        if (expiring > 0) {
          const outcome = await debit(
            trx,
            workspaceId,
            {
              customerId: position.customerId,
              kind: 'expire',
              points: -expiring,
              reason:
                mode === 'after_earning'
                  ? `Earned more than ${months} months ago`
                  : `No activity for ${months} months`,
              source: 'expiry',
              idempotencyKey: `expire:${position.customerId}:${now}`,
              now,
            },
            { isActivity: false },
          );
          if (outcome.ok) {
            customers += 1;
            points += expiring;
          }
        }
        if (mode === 'after_earning' && noticeDays > 0) {
          const soon = expiringPoints(
            position.balance - expiring,
            position.creditsBefore[1] ?? 0,
            position.debits + expiring,
          );
          if (soon > 0) {
            await insertNotice(trx, workspaceId, {
              customerId: position.customerId,
              points: soon,
              dueAt: noticeAt,
              now,
            });
            notices += 1;
          }
        }
      }
      return positions.length < batch;
    });
    if (done) return { customers, points, notices };
  }
}
