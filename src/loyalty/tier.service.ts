/**
 * Tiers applied: a member's tier is reviewed after each earning (upgrades are immediate) and by the
 * `loyalty.process` job for every member (downgrades after the grace period, and the window moving
 * on without any new entry). Each review runs inside a ledger transaction with the account row
 * locked, and writes the history row of each change in the same transaction.
 */
import type { Kysely } from 'kysely';
import type { Database, RowId } from '../db/index.js';
import {
  emptyAccount,
  ensureProgramme,
  findAccount,
  findProgramme,
  inLedgerTransaction,
  writeProgrammeSettings,
} from './loyalty.repository.js';
import { DEFAULT_LOYALTY_SETTINGS, type LoyaltySettings } from './loyalty-settings.js';
import { downgradeAt, levelsOf, nextTierOf, tierStep, windowStart } from './loyalty-tiers.js';
import {
  listTierChanges,
  lockTierRow,
  membersPerTier,
  qualifyingAmounts,
  tierRowsPage,
  writeTierState,
} from './tier.repository.js';

/** What one member qualifies with now (points earned or cents spent in the window). */
export async function qualifyingOf(
  db: Kysely<Database>,
  workspaceId: number,
  settings: LoyaltySettings,
  customerId: RowId,
  now: number,
): Promise<number> {
  const amounts = await qualifyingAmounts(
    db,
    workspaceId,
    settings,
    [customerId],
    windowStart(settings, now),
  );
  return amounts.get(customerId) ?? 0;
}

/**
 * Reviews one member's tier inside a ledger transaction (the account row locked on PostgreSQL):
 * upgrade at once, downgrade after the grace period, history row for each change. Nothing happens
 * for a workspace without tiers and a member without one. Returns the change made, if any.
 */
export async function reviewTier(
  trx: Kysely<Database>,
  workspaceId: number,
  settings: LoyaltySettings,
  customerId: RowId,
  now: number,
): Promise<{ from: string | null; to: string | null } | null> {
  const row = await lockTierRow(trx, workspaceId, customerId);
  if (row === undefined) return null;
  if (settings.tiers.levels.length === 0 && row.tier === null) return null;
  const qualifying = await qualifyingOf(trx, workspaceId, settings, customerId, now);
  const decision = tierStep(settings, { tier: row.tier, belowSince: row.belowSince }, qualifying, now);
  if (decision.change === null && decision.tier === row.tier && decision.belowSince === row.belowSince)
    return null;
  await writeTierState(
    trx,
    workspaceId,
    customerId,
    {
      tier: decision.tier,
      tierSince: decision.change === null ? row.tierSince : now,
      belowSince: decision.belowSince,
      change: decision.change,
    },
    now,
  );
  return decision.change === null ? null : { from: decision.change.from, to: decision.change.to };
}

/**
 * Reviews every member of the workspace at `now`, `batch` members per transaction: one grouped
 * query for their qualification, then a locked review of those whose state would change. Returns
 * the number of tier changes.
 */
export async function reviewAllTiers(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
  batch = 500,
): Promise<number> {
  const programme = await findProgramme(db, workspaceId);
  if (programme === undefined) return 0;
  const { settings } = programme;
  let after: RowId = 0;
  let changes = 0;
  for (;;) {
    const read = await inLedgerTransaction(db, async (trx) => {
      const page = await tierRowsPage(trx, workspaceId, { afterCustomerId: after, limit: batch });
      // An erased customer keeps no tier (erasure cleared it) and earns none again.
      const rows = page.filter((row) => !row.erased);
      if (settings.tiers.levels.length === 0) {
        // Without tiers only members still holding one need a look (their tier went away).
        const holding = rows.filter((row) => row.tier !== null);
        for (const row of holding)
          if (await reviewTier(trx, workspaceId, settings, row.customerId, now)) changes += 1;
      } else {
        const amounts = await qualifyingAmounts(
          trx,
          workspaceId,
          settings,
          rows.map((row) => row.customerId),
          windowStart(settings, now),
        );
        for (const row of rows) {
          const decision = tierStep(settings, row, amounts.get(row.customerId) ?? 0, now);
          if (decision.tier === row.tier && decision.belowSince === row.belowSince) continue;
          if (await reviewTier(trx, workspaceId, settings, row.customerId, now)) changes += 1;
        }
      }
      const last = page[page.length - 1];
      if (last !== undefined) after = last.customerId;
      return page.length;
    });
    if (read < batch) return changes;
  }
}

/** The tier configuration as the API shows it, with the members in each tier. */
export async function tierConfiguration(db: Kysely<Database>, workspaceId: number, now: number) {
  const programme = (await findProgramme(db, workspaceId)) ?? (await ensureProgramme(db, workspaceId, now));
  const counts = await membersPerTier(db, workspaceId);
  const { levels, ...rules } = programme.settings.tiers;
  return {
    ...rules,
    levels: levelsOf(programme.settings).map((level) => ({ ...level, members: counts.get(level.name) ?? 0 })),
  };
}

/**
 * Replaces the tier rules (the `tiers` part of the programme's settings), keeping the rest. The
 * members are reviewed against them by the next `loyalty.process` run (asked for by the caller).
 */
export async function replaceTiers(
  db: Kysely<Database>,
  workspaceId: number,
  tiers: LoyaltySettings['tiers'],
  now: number,
): Promise<void> {
  await inLedgerTransaction(db, async (trx) => {
    const programme = await ensureProgramme(trx, workspaceId, now);
    await writeProgrammeSettings(
      trx,
      workspaceId,
      { ...programme.settings, tiers } as unknown as Record<string, unknown>,
      now,
    );
  });
}

/** A member's tier, its benefits, progress, pending downgrade and history (newest first). */
export async function customerTier(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: RowId,
  now: number,
  historyLimit: number,
) {
  const programme = await findProgramme(db, workspaceId);
  const account = (await findAccount(db, workspaceId, customerId)) ?? emptyAccount(customerId, now);
  const row = await lockTierRow(db, workspaceId, customerId, { lock: false });
  const settings = programme?.settings ?? DEFAULT_LOYALTY_SETTINGS;
  const qualifying = await qualifyingOf(db, workspaceId, settings, customerId, now);
  const level = settings.tiers.levels.find((candidate) => candidate.name === account.tier);
  const belowSince = row?.belowSince ?? null;
  const downgrade = downgradeAt(settings, belowSince);
  return {
    customerId: String(customerId),
    tier: account.tier,
    since: account.tierSince === null ? null : new Date(account.tierSince).toISOString(),
    basis: settings.tiers.basis,
    window: { kind: settings.tiers.window, from: new Date(windowStart(settings, now)).toISOString() },
    qualifying,
    benefits: {
      multiplier: level?.multiplier ?? 1,
      earlyAccess: level?.earlyAccess ?? false,
      benefits: level?.benefits ?? [],
    },
    nextTier: nextTierOf(settings, account, qualifying),
    downgradeAt: downgrade === null ? null : new Date(downgrade).toISOString(),
    history: await listTierChanges(db, workspaceId, customerId, historyLimit),
  };
}
