/**
 * E-mail test support: a workspace with customers, and a real SMTP server (the `smtp-server`
 * package) on a free loopback port that keeps every message it accepts, parsed by `mailparser`,
 * and can be told to answer a recipient with an SMTP error.
 */
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { type Database, newId, type RowId, toJson } from '../../src/db/index.js';
import type { EmailEnvironment } from '../../src/email/index.js';
import { createWorkspace } from '../../src/workspaces/workspace.repository.js';

export const PUBLIC_URL = 'https://retain.example.test';

/** A workspace for one test. */
export async function emailWorkspace(db: Kysely<Database>, now: number): Promise<number> {
  const { workspace } = await createWorkspace(db, { name: 'Tea Shop', slug: `tea-${newId()}`, now });
  return workspace.id;
}

/** Inserts a customer; consent to marketing e-mail unless told otherwise. */
export async function addCustomer(
  db: Kysely<Database>,
  workspaceId: number,
  fields: {
    readonly email?: string | null;
    readonly name?: string | null;
    readonly consent?: boolean;
    readonly timeZone?: string | null;
    readonly attributes?: Record<string, unknown>;
    readonly now: number;
  },
): Promise<RowId> {
  const row = await db
    .insertInto('customer')
    .values({
      workspace_id: workspaceId,
      external_id: `c-${newId()}`,
      email: fields.email === undefined ? `c-${newId()}@example.com` : fields.email,
      name: fields.name ?? null,
      time_zone: fields.timeZone ?? null,
      attributes: toJson(fields.attributes ?? {}),
      consent_email_marketing: fields.consent === false ? 0 : 1,
      created_at: fields.now,
      updated_at: fields.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** An SMTP error answer for a recipient: e.g. `{ code: 451, message: 'Try later' }`. */
export interface SmtpRefusal {
  readonly code: number;
  readonly message: string;
}

/** A running test SMTP server. */
export interface TestSmtpServer {
  readonly url: string;
  readonly port: number;
  /** Every message accepted, parsed, in order. */
  readonly received: ParsedMail[];
  /** Raw messages accepted. */
  readonly raw: Buffer[];
  /** Answers for recipients, consumed in order per address (then accepted). */
  readonly refusals: Map<string, SmtpRefusal[]>;
  /** Called when a message's data has arrived, before the server answers 250; may wait. */
  beforeAccept: ((raw: Buffer) => Promise<void>) | null;
  /** Resolves once `count` messages have been received. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts an SMTP server on 127.0.0.1 (no TLS, any login accepted). */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ParsedMail[] = [];
  const raw: Buffer[] = [];
  const refusals = new Map<string, SmtpRefusal[]>();
  const waiters: (() => void)[] = [];
  const state: { beforeAccept: ((raw: Buffer) => Promise<void>) | null } = { beforeAccept: null };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'test' });
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const queue = refusals.get(address.address.toLowerCase());
      const refusal = queue?.shift();
      if (refusal !== undefined) {
        const error = new Error(refusal.message) as Error & { responseCode: number };
        error.responseCode = refusal.code;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const message = Buffer.concat(chunks);
        const accept = async () => {
          if (state.beforeAccept !== null) await state.beforeAccept(message);
          raw.push(message);
          received.push(await simpleParser(message));
          callback();
          for (const wake of waiters.splice(0)) wake();
        };
        accept().catch((error: unknown) => callback(error as Error));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const result: TestSmtpServer = {
    url: `smtp://user:pass@127.0.0.1:${port}`,
    port,
    received,
    raw,
    refusals,
    get beforeAccept() {
      return state.beforeAccept;
    },
    set beforeAccept(value) {
      state.beforeAccept = value;
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`Only ${received.length} of ${count} messages arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return result;
}

/** The environment of a test: this SMTP server (or none: the outbox) and the public URL. */
export function testEnvironment(smtpUrl: string | null): EmailEnvironment {
  return { smtpUrl, publicUrl: PUBLIC_URL, secretKey: 'test-install-key', defaultFrom: 'shop@example.com' };
}
