/**
 * Feedback tests' helpers: customers written straight into a workspace, requests to the app with
 * a JSON body as a role, and the survey-page requests a customer's browser makes.
 */
import type { Kysely } from 'kysely';
import type { Role } from '../../src/auth/index.js';
import type { Database } from '../../src/db/index.js';
import type { ApiWorkspace } from '../customers/api.js';

/** Inserts customers (e-mail, language) and returns their ids in order. */
export async function insertCustomers(
  db: Kysely<Database>,
  workspaceId: number,
  people: readonly { readonly email: string; readonly language?: string; readonly name?: string }[],
  now: number,
): Promise<number[]> {
  const ids: number[] = [];
  for (const person of people) {
    const row = await db
      .insertInto('customer')
      .values({
        workspace_id: workspaceId,
        email: person.email,
        name: person.name ?? null,
        language: person.language ?? null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return ids;
}

/** Calls the app as `role` (default marketer) with an optional JSON body; parses JSON answers. */
export async function call(
  api: ApiWorkspace,
  method: string,
  path: string,
  options: { readonly role?: Role; readonly body?: unknown } = {},
  // biome-ignore lint/suspicious/noExplicitAny: answers are asserted shape by shape.
): Promise<{ status: number; body: any }> {
  const response = await api.app.request(path, {
    method,
    headers: {
      Authorization: `Bearer ${api.keys[options.role ?? 'marketer']}`,
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

/** The path and query of a link (`http://host/s/…?r=2` → `/s/…?r=2`). */
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

/** Posts the survey page's form as a browser does. */
export async function postForm(
  api: ApiWorkspace,
  path: string,
  fields: readonly [string, string][],
): Promise<Response> {
  return api.app.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([...fields]).toString(),
  });
}
