/**
 * The rules of segments: creating, changing and deleting them (validated rule, unique name, known
 * segments referred to, no segment containing itself through others, audited), their members, and
 * the preview of a rule while it is being written. Membership itself is computed in
 * segment-recompute.ts; a new or changed rule is computed before the call returns, so the answer
 * already counts its members.
 */
import type { Kysely } from 'kysely';
import { type AuditActor, recordAudit } from '../audit/index.js';
import { type Database, dialectOf, isUniqueViolation, type RowId } from '../db/index.js';
import { type InputIssue, notFound, RetainError } from '../errors/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import { RECOMPUTE_EVERY_MS, requestSegmentRecompute } from './segment.jobs.js';
import {
  countMatching,
  deleteSegmentRow,
  findSegment,
  insertSegment,
  isStatementTimeout,
  listMembers,
  listSegments,
  lockSegmentDefinitions,
  type MatchingCustomer,
  rangeEnd,
  type Segment,
  type SegmentMember,
  sampleMatching,
  updateSegmentRow,
  withStatementTimeout,
} from './segment.repository.js';
import {
  RECOMPUTE_RANGE_SIZE,
  type RecomputeOutcome,
  recomputeSegment,
  referencesOf,
} from './segment-recompute.js';
import { formatRulePath, type ParsedRule, parseSegmentRule, type RulePath } from './segment-rule.js';
import { type CompileContext, rulePredicate } from './segment-sql.js';

/** Most segments a workspace may have. */
export const MAX_SEGMENTS_PER_WORKSPACE = 500;
/** Longest segment name. */
export const MAX_SEGMENT_NAME_LENGTH = 200;
/** Members a page lists at most, and by default. */
export const MAX_MEMBERS_PAGE = 1_000;
export const DEFAULT_MEMBERS_PAGE = 100;
/** Customers a preview shows at most, and by default. */
export const MAX_PREVIEW_SAMPLE = 50;
export const DEFAULT_PREVIEW_SAMPLE = 10;
/** How long a preview may run (PostgreSQL: its statement timeout; SQLite: its deadline between ranges). */
export const PREVIEW_TIMEOUT_MS = 10_000;

/** Where a rule sits in a request body (issue paths start there). */
const RULE_PATH: RulePath = ['json', 'rule'];

/** Parses a rule from a request body, or throws `invalid_input` naming each bad part. */
function parseOrThrow(rule: unknown): ParsedRule {
  const parsed = parseSegmentRule(rule, RULE_PATH);
  if (!parsed.ok) throw invalidRule(parsed.issues);
  return parsed.rule;
}

function invalidRule(issues: readonly InputIssue[]): RetainError {
  return new RetainError(
    'invalid_input',
    `The rule is not valid: ${issues[0]?.message ?? 'see error.issues'}`,
    issues,
  );
}

/** `"VIP" (3)`: how messages name a segment. */
function label(segment: Pick<Segment, 'id' | 'name'>): string {
  return `"${segment.name}" (${segment.id})`;
}

/**
 * Refuses references to segments the workspace does not have, and — for a segment that exists
 * (`self`) — a rule through which the segment would contain itself, naming the path
 * (`"A" (1) → "B" (2) → "A" (1)`). O(segments + references).
 */
function checkReferences(
  rule: ParsedRule,
  segments: readonly Segment[],
  self: Pick<Segment, 'id' | 'name'> | null,
): void {
  const byId = new Map(segments.map((segment) => [segment.id, segment]));
  const issues: InputIssue[] = [];
  const references = (id: RowId) => {
    const segment = byId.get(id);
    return segment === undefined ? [] : referencesOf(segment);
  };
  for (const { segmentId, path } of rule.segmentReferences) {
    const target = byId.get(segmentId);
    if (target === undefined && segmentId !== self?.id) {
      issues.push({
        path,
        message: `${formatRulePath(path)}: no segment ${segmentId} in this workspace.`,
        code: 'unknown_segment',
      });
      continue;
    }
    if (self === null) continue;
    const cycle = pathTo(segmentId, self.id, references);
    if (cycle !== null) {
      const names = [self, ...cycle.map((id) => (id === self.id ? self : byId.get(id)!))].map(label);
      issues.push({
        path,
        message: `${formatRulePath(path)}: a segment cannot contain itself: ${names.join(' → ')}.`,
        code: 'segment_cycle',
      });
    }
  }
  if (issues.length > 0) throw invalidRule(issues);
}

/** The ids from `start` to `goal` along references (`start` … `goal`), or null. Depth-first. */
function pathTo(start: RowId, goal: RowId, references: (id: RowId) => RowId[]): RowId[] | null {
  const seen = new Set<RowId>();
  const walk = (id: RowId): RowId[] | null => {
    if (id === goal) return [id];
    if (seen.has(id)) return null;
    seen.add(id);
    for (const next of references(id)) {
      const rest = walk(next);
      if (rest !== null) return [id, ...rest];
    }
    return null;
  };
  return walk(start);
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > MAX_SEGMENT_NAME_LENGTH) {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      { path: ['json', 'name'], message: `A name has 1–${MAX_SEGMENT_NAME_LENGTH} characters.` },
    ]);
  }
  return trimmed;
}

function nameTaken(name: string): RetainError {
  return new RetainError('conflict', `A segment named "${name}" already exists in this workspace.`);
}

export interface CreateSegmentInput {
  readonly workspaceId: number;
  readonly name: string;
  readonly rule: unknown;
  readonly createdBy: RowId | null;
  readonly actor: AuditActor;
  readonly now: number;
}

/** A segment with what its latest recompute did. */
export interface SegmentWithRecompute {
  readonly segment: Segment;
  readonly recompute: RecomputeOutcome | undefined;
}

/**
 * Creates a segment (audited `segment.created`) and computes its membership — writing an
 * `entered` event per member — before returning; also makes sure the workspace's scheduled
 * recompute is queued. `invalid_input` for a bad name or rule (each bad part named), `conflict`
 * for a taken name or a workspace at `MAX_SEGMENTS_PER_WORKSPACE`.
 */
export async function createSegment(
  db: Kysely<Database>,
  input: CreateSegmentInput,
): Promise<SegmentWithRecompute> {
  const name = checkName(input.name);
  const rule = parseOrThrow(input.rule);
  let created: Segment;
  try {
    created = await db.transaction().execute(async (trx) => {
      await lockSegmentDefinitions(trx, input.workspaceId);
      const segments = await listSegments(trx, input.workspaceId);
      if (segments.length >= MAX_SEGMENTS_PER_WORKSPACE) {
        throw new RetainError(
          'conflict',
          `A workspace has at most ${MAX_SEGMENTS_PER_WORKSPACE} segments; delete one first.`,
        );
      }
      if (segments.some((segment) => segment.name === name)) throw nameTaken(name);
      checkReferences(rule, segments, null);
      const segment = await insertSegment(trx, {
        workspaceId: input.workspaceId,
        name,
        rule: input.rule,
        createdBy: input.createdBy,
        now: input.now,
      });
      await recordAudit(trx, {
        workspaceId: input.workspaceId,
        actor: input.actor,
        action: 'segment.created',
        entity: 'segment',
        entityId: segment.id,
        details: { name },
        at: input.now,
      });
      // The schedule keeps time-relative rules true; one waiting job serves every segment.
      await requestSegmentRecompute(trx, input.workspaceId, {
        reason: 'schedule',
        now: input.now,
        delayMs: RECOMPUTE_EVERY_MS,
      });
      return segment;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(name);
    throw error;
  }
  const recompute = await recomputeSegment(
    db,
    { workspaceId: input.workspaceId, now: input.now },
    created.id,
  );
  return { segment: (await findSegment(db, input.workspaceId, created.id)) ?? created, recompute };
}

export interface UpdateSegmentInput {
  readonly workspaceId: number;
  readonly id: RowId;
  readonly name?: string;
  readonly rule?: unknown;
  readonly actor: AuditActor;
  readonly now: number;
}

/**
 * Renames a segment and/or replaces its rule (audited `segment.updated`). A new rule is computed
 * before returning (a recompute of the old one still running stops at its next step), and when
 * the membership moved, the segments that refer to this one are recomputed by the job.
 * `not_found`, `invalid_input` (a rule through which the segment would contain itself names the
 * path), `conflict` for a taken name.
 */
export async function updateSegment(
  db: Kysely<Database>,
  input: UpdateSegmentInput,
): Promise<SegmentWithRecompute> {
  if (input.name === undefined && input.rule === undefined) {
    return { segment: await getSegment(db, input.workspaceId, input.id), recompute: undefined };
  }
  const name = input.name === undefined ? undefined : checkName(input.name);
  const rule = input.rule === undefined ? undefined : parseOrThrow(input.rule);
  let updated: Segment;
  try {
    updated = await db.transaction().execute(async (trx) => {
      await lockSegmentDefinitions(trx, input.workspaceId);
      const segments = await listSegments(trx, input.workspaceId);
      const current = segments.find((segment) => segment.id === input.id);
      if (current === undefined) throw notFound('Segment');
      if (
        name !== undefined &&
        segments.some((segment) => segment.name === name && segment.id !== input.id)
      ) {
        throw nameTaken(name);
      }
      if (rule !== undefined) checkReferences(rule, segments, current);
      const changed = await updateSegmentRow(trx, input.workspaceId, input.id, {
        ...(name === undefined ? {} : { name }),
        ...(input.rule === undefined ? {} : { rule: input.rule }),
        now: input.now,
      });
      if (changed === undefined) throw notFound('Segment');
      await recordAudit(trx, {
        workspaceId: input.workspaceId,
        actor: input.actor,
        action: 'segment.updated',
        entity: 'segment',
        entityId: input.id,
        details: {
          ...(name === undefined ? {} : { name }),
          ruleChanged: input.rule !== undefined,
        },
        at: input.now,
      });
      return changed;
    });
  } catch (error) {
    if (isUniqueViolation(error) && name !== undefined) throw nameTaken(name);
    throw error;
  }
  if (input.rule === undefined) return { segment: updated, recompute: undefined };
  const recompute = await recomputeSegment(db, { workspaceId: input.workspaceId, now: input.now }, input.id);
  if (recompute !== undefined && recompute.entered + recompute.exited > 0) {
    await requestSegmentRecompute(db, input.workspaceId, { reason: 'segment_changed', now: input.now });
  }
  return { segment: (await findSegment(db, input.workspaceId, input.id)) ?? updated, recompute };
}

/**
 * Deletes a segment with its membership and events (audited `segment.deleted`). `not_found`;
 * `conflict` while other segments' rules refer to it (named).
 */
export async function deleteSegment(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly id: RowId;
    readonly actor: AuditActor;
    readonly now: number;
  },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockSegmentDefinitions(trx, input.workspaceId);
    const segments = await listSegments(trx, input.workspaceId);
    const current = segments.find((segment) => segment.id === input.id);
    if (current === undefined) throw notFound('Segment');
    const users = segments.filter(
      (segment) => segment.id !== input.id && referencesOf(segment).includes(input.id),
    );
    if (users.length > 0) {
      throw new RetainError(
        'conflict',
        `${label(current)} is used by the rules of ${users.map(label).join(', ')}; change those first.`,
      );
    }
    await deleteSegmentRow(trx, input.workspaceId, input.id);
    await recordAudit(trx, {
      workspaceId: input.workspaceId,
      actor: input.actor,
      action: 'segment.deleted',
      entity: 'segment',
      entityId: input.id,
      details: { name: current.name, members: current.memberCount },
      at: input.now,
    });
  });
}

/** One segment, or `not_found`. */
export async function getSegment(db: Kysely<Database>, workspaceId: number, id: RowId): Promise<Segment> {
  const segment = await findSegment(db, workspaceId, id);
  if (segment === undefined) throw notFound('Segment');
  return segment;
}

/** Every segment of the workspace, oldest first (at most `MAX_SEGMENTS_PER_WORKSPACE`). */
export function listWorkspaceSegments(db: Kysely<Database>, workspaceId: number): Promise<Segment[]> {
  return listSegments(db, workspaceId);
}

/** Records in the audit log that a segment's members were exported (`segment.exported`). */
export async function recordMembersExport(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly segment: Segment;
    readonly personalData: boolean;
    readonly actor: AuditActor;
    readonly now: number;
  },
): Promise<void> {
  await recordAudit(db, {
    workspaceId: input.workspaceId,
    actor: input.actor,
    action: 'segment.exported',
    entity: 'segment',
    entityId: input.segment.id,
    details: { members: input.segment.memberCount, personalData: input.personalData },
    at: input.now,
  });
}

/** A page of members: the segment's member count, the page, and the cursor of the next one. */
export interface MembersPage {
  readonly total: number;
  readonly items: readonly SegmentMember[];
  readonly nextCursor: string | null;
}

/**
 * A page of a segment's members, by customer id; `cursor` is the previous page's `nextCursor` (a
 * customer id). `not_found` for an unknown segment, `invalid_input` for a cursor that is not one.
 */
export async function listSegmentMembers(
  db: Kysely<Database>,
  workspaceId: number,
  id: RowId,
  page: { readonly limit?: number; readonly cursor?: string },
): Promise<MembersPage> {
  const segment = await getSegment(db, workspaceId, id);
  const limit = Math.min(Math.max(1, page.limit ?? DEFAULT_MEMBERS_PAGE), MAX_MEMBERS_PAGE);
  let afterCustomerId: RowId | undefined;
  if (page.cursor !== undefined) {
    afterCustomerId = /^(0|[1-9][0-9]{0,15})$/.test(page.cursor) ? Number(page.cursor) : Number.NaN;
    if (!Number.isSafeInteger(afterCustomerId)) {
      throw new RetainError('invalid_input', 'The request is not valid.', [
        { path: ['query', 'cursor'], message: 'Not a cursor of this list (use `nextCursor` as given).' },
      ]);
    }
  }
  const rows = await listMembers(db, workspaceId, id, {
    limit: limit + 1,
    ...(afterCustomerId === undefined ? {} : { afterCustomerId }),
  });
  const items = rows.slice(0, limit);
  return {
    total: segment.memberCount,
    items,
    nextCursor: rows.length > limit ? String(items[items.length - 1]!.customerId) : null,
  };
}

/** What a preview answers: how many customers match the rule now, and some of them. */
export interface SegmentPreview {
  readonly total: number;
  readonly sample: readonly MatchingCustomer[];
}

/**
 * Counts the customers a rule matches now and returns the first `sampleSize` by id, without
 * storing anything. Bounded in time and size: on PostgreSQL the statements run under a statement
 * timeout of `timeoutMs` (default `PREVIEW_TIMEOUT_MS`); on SQLite, whose statements run on the
 * event loop and cannot be interrupted, the customers are counted a range at a time with the loop
 * turning between ranges, and the count stops once `timeoutMs` has passed. Past the bound:
 * `unavailable`, asking for a narrower rule. The sample holds at most `MAX_PREVIEW_SAMPLE`
 * customers. `invalid_input` as for a segment's rule.
 */
export async function previewSegment(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly rule: unknown;
    readonly sampleSize?: number;
    readonly now: number;
    /** How long the preview may take (default `PREVIEW_TIMEOUT_MS`). */
    readonly timeoutMs?: number;
    /** SQLite: customers per range (default `RECOMPUTE_RANGE_SIZE.sqlite`). */
    readonly rangeSize?: number;
  },
): Promise<SegmentPreview> {
  const rule = parseOrThrow(input.rule);
  if (rule.segmentReferences.length > 0)
    checkReferences(rule, await listSegments(db, input.workspaceId), null);
  const timeZone = (await getWorkspace(db, input.workspaceId))?.settings.timeZone ?? 'UTC';
  const dialect = dialectOf(db);
  const context: CompileContext = { dialect, now: input.now, timeZone };
  const predicate = (eb: Parameters<typeof rulePredicate>[0]) => rulePredicate(eb, rule, context);
  const sampleSize = Math.min(Math.max(0, input.sampleSize ?? DEFAULT_PREVIEW_SAMPLE), MAX_PREVIEW_SAMPLE);
  const timeoutMs = input.timeoutMs ?? PREVIEW_TIMEOUT_MS;
  const tooLong = () =>
    new RetainError(
      'unavailable',
      `The preview took longer than ${timeoutMs / 1000} s and was stopped; narrow the rule (fewer conditions over events or order lines, or shorter windows) and try again.`,
    );

  if (dialect === 'sqlite') {
    const deadline = performance.now() + timeoutMs;
    const rangeSize = input.rangeSize ?? RECOMPUTE_RANGE_SIZE.sqlite;
    let total = 0;
    const sample: MatchingCustomer[] = [];
    let afterId = 0;
    for (;;) {
      const throughId = await rangeEnd(db, input.workspaceId, afterId, rangeSize);
      const range = { afterId, throughId };
      total += await countMatching(db, input.workspaceId, predicate, range);
      if (sample.length < sampleSize) {
        sample.push(
          ...(await sampleMatching(db, input.workspaceId, predicate, sampleSize - sample.length, range)),
        );
      }
      if (throughId === null) return { total, sample };
      if (performance.now() > deadline) throw tooLong();
      afterId = throughId;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  try {
    return await withStatementTimeout(db, timeoutMs, async (bounded) => ({
      total: await countMatching(bounded, input.workspaceId, predicate),
      sample: sampleSize === 0 ? [] : await sampleMatching(bounded, input.workspaceId, predicate, sampleSize),
    }));
  } catch (error) {
    if (isStatementTimeout(error)) throw tooLong();
    throw error;
  }
}
