/** The work of `retain customer` (described in `customer.ts`), loaded only when the command runs. */
import { createInterface } from 'node:readline/promises';
import type { Kysely } from 'kysely';
import { type Database, dataDirectoryFor } from '../../db/index.js';
import { customerIdForExternalId, eraseCustomer, exportCustomer } from '../../privacy/index.js';
import { CliError } from '../cli-error.js';
import { resolveWorkspace, withStore } from '../store.js';
import type { EraseFlags, ExportFlags } from './customer.js';

async function customerId(db: Kysely<Database>, workspaceId: number, externalId: string): Promise<number> {
  const id = await customerIdForExternalId(db, workspaceId, externalId);
  if (id === undefined) throw new CliError(`No customer with external id "${externalId}" in this workspace`);
  return id;
}

/** Runs `customer export` and returns what it prints (one JSON document). */
export async function runCustomerExport(externalId: string, flags: ExportFlags): Promise<string> {
  const held = await withStore(async (db) => {
    const workspace = await resolveWorkspace(db, flags.workspace);
    return exportCustomer(db, {
      workspaceId: workspace.id,
      customerId: await customerId(db, workspace.id, externalId),
      actor: { type: 'system' },
      now: Date.now(),
    });
  });
  return `${JSON.stringify(held, null, 2)}\n`;
}

/** Asks on the terminal; anything but y/yes is a no. */
async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^(y|yes)$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

/**
 * Runs `customer erase` and returns what it prints. Without `--yes` it asks on a terminal, and
 * refuses (exit 2) when stdin is not one, so a script never erases by accident.
 */
export async function runCustomerErase(externalId: string, flags: EraseFlags): Promise<string> {
  if (!flags.yes) {
    if (!process.stdin.isTTY) throw new CliError('Erasure cannot be undone: pass --yes to confirm');
    const answer = await confirm(
      `Erase the personal data of customer "${externalId}"? This cannot be undone. [y/N] `,
    );
    if (!answer) throw new CliError('Not erased', 1);
  }
  const result = await withStore(async (db) => {
    const workspace = await resolveWorkspace(db, flags.workspace);
    return eraseCustomer(db, {
      workspaceId: workspace.id,
      customerId: await customerId(db, workspace.id, externalId),
      actor: { type: 'system' },
      now: Date.now(),
      // The server's kept import files (docs/operations.md, "Import files").
      dataDirectory: dataDirectoryFor(process.env),
    });
  });
  if (!result.erasedNow) return `Customer ${result.customerId} was already erased at ${result.erasedAt}.\n`;
  return (
    `Erased customer ${result.customerId} at ${result.erasedAt} ` +
    `(${result.eventsScrubbed} events scrubbed${result.importFilesDeleted > 0 ? `, ${result.importFilesDeleted} kept import files deleted` : ''}); it is now "erased:${result.customerId}".\n`
  );
}
