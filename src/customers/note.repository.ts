/**
 * `customer_note` (migration 006): what agents write about a customer. The only code that queries
 * the table; every statement names the workspace.
 */
import type { RowId } from '../db/index.js';
import { withScoreTables } from './customer-tables.js';
import type { Executor } from './upsert-batch.js';

/** A note with its author's name and e-mail (null once the author's row is gone). */
export interface NoteRow {
  readonly id: RowId;
  readonly customerId: RowId;
  readonly authorId: RowId;
  readonly authorName: string | null;
  readonly authorEmail: string | null;
  readonly text: string;
  readonly createdAt: number;
}

/** Adds a note; returns its id. */
export async function insertNote(
  db: Executor,
  workspaceId: number,
  note: { readonly customerId: RowId; readonly authorId: RowId; readonly text: string; readonly now: number },
): Promise<RowId> {
  const row = await withScoreTables(db)
    .insertInto('customer_note')
    .values({
      workspace_id: workspaceId,
      customer_id: note.customerId,
      author_id: note.authorId,
      text: note.text,
      created_at: note.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Notes with their author's name and e-mail, of one workspace. */
function selectNotes(db: Executor, workspaceId: number) {
  return withScoreTables(db)
    .selectFrom('customer_note as n')
    .leftJoin('app_user as u', (join) =>
      join.onRef('u.workspace_id', '=', 'n.workspace_id').onRef('u.id', '=', 'n.author_id'),
    )
    .select([
      'n.id',
      'n.customer_id',
      'n.author_id',
      'u.name as author_name',
      'u.email as author_email',
      'n.text',
      'n.created_at',
    ])
    .where('n.workspace_id', '=', workspaceId);
}

function toNoteRow(row: {
  id: RowId;
  customer_id: RowId;
  author_id: RowId;
  author_name: string | null;
  author_email: string | null;
  text: string;
  created_at: number;
}): NoteRow {
  return {
    id: Number(row.id),
    customerId: Number(row.customer_id),
    authorId: Number(row.author_id),
    authorName: row.author_name,
    authorEmail: row.author_email,
    text: row.text,
    createdAt: Number(row.created_at),
  };
}

/**
 * The customer's notes, newest first (id breaks ties), after the keyset position `after`; `limit + 1`
 * rows so the caller knows whether more follow. O(log n + limit) with customer_note_customer_idx.
 */
export async function listNotes(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  page: { readonly limit: number; readonly after?: { readonly at: number; readonly id: RowId } },
): Promise<NoteRow[]> {
  let query = selectNotes(db, workspaceId).where('n.customer_id', '=', customerId);
  const after = page.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('n.created_at', '<', after.at),
        eb.and([eb('n.created_at', '=', after.at), eb('n.id', '<', after.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id', 'desc')
    .limit(page.limit + 1)
    .execute();
  return rows.map(toNoteRow);
}

/** One note with its author, or `undefined`. */
export async function getNote(
  db: Executor,
  workspaceId: number,
  noteId: RowId,
): Promise<NoteRow | undefined> {
  const row = await selectNotes(db, workspaceId).where('n.id', '=', noteId).executeTakeFirst();
  return row === undefined ? undefined : toNoteRow(row);
}

/** One note of the customer, or `undefined`. */
export async function findNote(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
  noteId: RowId,
): Promise<{ id: RowId; authorId: RowId } | undefined> {
  const row = await withScoreTables(db)
    .selectFrom('customer_note')
    .select(['id', 'author_id'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('id', '=', noteId)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: Number(row.id), authorId: Number(row.author_id) };
}

/** Deletes one note. */
export async function deleteNote(db: Executor, workspaceId: number, noteId: RowId): Promise<void> {
  await withScoreTables(db)
    .deleteFrom('customer_note')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', noteId)
    .execute();
}

/** Deletes every note about the customer (erasure); returns how many. */
export async function deleteNotesOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<number> {
  const result = await withScoreTables(db)
    .deleteFrom('customer_note')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
