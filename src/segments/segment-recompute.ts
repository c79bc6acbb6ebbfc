/**
 * Recomputing segment membership: a segment's rule compiled to SQL and applied to the workspace's
 * customers a range of ids at a time (segment.repository.ts `diffMembershipRange`: set-based
 * INSERT … SELECT and anti-joins), each range in its own short transaction. Between ranges the
 * event loop turns, so on SQLite — whose queries are synchronous — other requests are served while
 * a large workspace is recomputed, and no transaction holds the write lock for long.
 *
 * Segments that test membership of other segments read those segments' stored membership, so a
 * workspace is recomputed in dependency order (`recomputeWorkspaceSegments`).
 */
import type { Kysely } from 'kysely';
import { type Database, dialectOf, type RowId } from '../db/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import {
  diffMembershipRange,
  findSegment,
  listSegments,
  markComputed,
  rangeEnd,
  type Segment,
} from './segment.repository.js';
import { parseSegmentRule } from './segment-rule.js';
import { type CompileContext, type CustomerExpressionBuilder, rulePredicate } from './segment-sql.js';

/** Customers per recompute step (one transaction): SQLite / PostgreSQL. */
export const RECOMPUTE_RANGE_SIZE = { sqlite: 25_000, postgres: 100_000 } as const;

/** What recomputing one segment did. */
export interface RecomputeOutcome {
  readonly segmentId: RowId;
  /** Customers who entered / left (one `segment_event` row each). */
  readonly entered: number;
  readonly exited: number;
  /** Members afterwards. */
  readonly members: number;
  /**
   * `stale`: the rule changed (or the segment went) while it ran, and the recompute stopped — the
   * change asks for its own; `invalid`: the stored rule no longer validates (it is left alone).
   */
  readonly status: 'done' | 'stale' | 'invalid';
}

export interface RecomputeOptions {
  readonly workspaceId: number;
  readonly now: number;
  /** Customers per step (default `RECOMPUTE_RANGE_SIZE` of the engine). */
  readonly rangeSize?: number;
}

/** The workspace's time zone (calendar dates in rules are its midnights). */
async function timeZoneOf(db: Kysely<Database>, workspaceId: number): Promise<string> {
  return (await getWorkspace(db, workspaceId))?.settings.timeZone ?? 'UTC';
}

/**
 * Brings one segment's membership in line with its rule as of `now`, writing `entered` /
 * `exited` events for the difference. Returns `undefined` when there is no such segment.
 * O(customers × cost of the rule), in steps of `rangeSize` customers.
 * Example: `await recomputeSegment(db, { workspaceId, now }, segmentId)` → `{ entered: 12, exited: 3, members: 420, status: 'done' }`.
 */
export async function recomputeSegment(
  db: Kysely<Database>,
  options: RecomputeOptions,
  segmentId: RowId,
): Promise<RecomputeOutcome | undefined> {
  const segment = await findSegment(db, options.workspaceId, segmentId);
  if (segment === undefined) return undefined;
  return recomputeLoaded(db, options, segment, await timeZoneOf(db, options.workspaceId));
}

async function recomputeLoaded(
  db: Kysely<Database>,
  options: RecomputeOptions,
  segment: Segment,
  timeZone: string,
): Promise<RecomputeOutcome> {
  const parsed = parseSegmentRule(segment.rule);
  if (!parsed.ok) {
    return { segmentId: segment.id, entered: 0, exited: 0, members: segment.memberCount, status: 'invalid' };
  }
  const dialect = dialectOf(db);
  const context: CompileContext = { dialect, now: options.now, timeZone };
  const predicate = (eb: CustomerExpressionBuilder) => rulePredicate(eb, parsed.rule, context);
  const rangeSize = options.rangeSize ?? RECOMPUTE_RANGE_SIZE[dialect];
  let entered = 0;
  let exited = 0;
  let afterId = 0;
  for (;;) {
    const throughId = await rangeEnd(db, options.workspaceId, afterId, rangeSize);
    const step = await diffMembershipRange(db, {
      workspaceId: options.workspaceId,
      segmentId: segment.id,
      version: segment.version,
      range: { afterId, throughId },
      predicate,
      now: options.now,
    });
    if (step.stale) {
      return { segmentId: segment.id, entered, exited, members: segment.memberCount, status: 'stale' };
    }
    entered += step.entered;
    exited += step.exited;
    if (throughId === null) break;
    afterId = throughId;
    // Let the event loop serve others between steps (SQLite runs each statement synchronously).
    await new Promise((resolve) => setImmediate(resolve));
  }
  await markComputed(db, options.workspaceId, segment.id, segment.version, options.now, entered + exited > 0);
  const after = await findSegment(db, options.workspaceId, segment.id);
  return {
    segmentId: segment.id,
    entered,
    exited,
    members: after?.memberCount ?? 0,
    status: after === undefined ? 'stale' : 'done',
  };
}

/**
 * Recomputes every segment of the workspace, each after the segments its rule tests membership
 * of (`dependencyOrder`), so one pass leaves them all consistent. Returns one outcome per segment.
 */
export async function recomputeWorkspaceSegments(
  db: Kysely<Database>,
  options: RecomputeOptions,
): Promise<RecomputeOutcome[]> {
  const segments = await listSegments(db, options.workspaceId);
  if (segments.length === 0) return [];
  const timeZone = await timeZoneOf(db, options.workspaceId);
  const outcomes: RecomputeOutcome[] = [];
  for (const segment of dependencyOrder(segments)) {
    outcomes.push(await recomputeLoaded(db, options, segment, timeZone));
  }
  return outcomes;
}

/** The ids of the segments a stored rule tests membership of (none when it does not validate). */
export function referencesOf(segment: Pick<Segment, 'rule'>): RowId[] {
  const parsed = parseSegmentRule(segment.rule);
  return parsed.ok ? [...new Set(parsed.rule.segmentReferences.map((reference) => reference.segmentId))] : [];
}

/**
 * The segments ordered so that each comes after those it refers to (Kahn's algorithm; ties by id).
 * Segments on a cycle — which writes refuse, so only a race could leave one — come last, in id
 * order. O(segments + references).
 */
export function dependencyOrder<S extends Pick<Segment, 'id' | 'rule'>>(segments: readonly S[]): S[] {
  const byId = new Map(segments.map((segment) => [segment.id, segment]));
  const waitingOn = new Map<RowId, number>();
  const dependents = new Map<RowId, RowId[]>();
  for (const segment of segments) {
    const references = referencesOf(segment).filter((id) => byId.has(id) && id !== segment.id);
    waitingOn.set(segment.id, references.length);
    for (const reference of references)
      dependents.set(reference, [...(dependents.get(reference) ?? []), segment.id]);
  }
  const ready = segments.filter((segment) => waitingOn.get(segment.id) === 0).map((segment) => segment.id);
  const ordered: S[] = [];
  const done = new Set<RowId>();
  while (ready.length > 0) {
    ready.sort((left, right) => left - right);
    const id = ready.shift()!;
    done.add(id);
    ordered.push(byId.get(id)!);
    for (const dependent of dependents.get(id) ?? []) {
      const left = (waitingOn.get(dependent) ?? 0) - 1;
      waitingOn.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  for (const segment of segments) if (!done.has(segment.id)) ordered.push(segment);
  return ordered;
}
