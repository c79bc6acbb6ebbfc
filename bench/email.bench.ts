/**
 * E-mail throughput (`npx tsx bench/email.bench.ts [messages] [engines] [workers] [paths] [server]`, default 2,000
 * messages on `sqlite`, 4 concurrent workers). Target (issue 12, "Done means"): ≥ 500 messages/s
 * rendered and accepted by a local SMTP server.
 *
 * A local `smtp-server` accepting everything stands in for the relay: in a process of its own
 * (`bench/smtp-sink.ts`, default; `[server]` = `process`) as a relay would be, or in this process
 * (`inline`, the earlier runs' setting, where it takes CPU from the sender's one thread). Each
 * message goes the whole way: `queueEmail` (dedupe key, consent, suppression and frequency-cap
 * checks, rendering of a Liquid template with the customer's fields, a coupon, a loop, a tracked
 * link, the open pixel and the plain-text part, the insert with its `email.send` job), then the
 * `email.send` jobs run by `workers` concurrent job workers through one pooled nodemailer transport
 * (the checks again, the `sending` lease, SMTP, the recorded acceptance). Figures: messages/s
 * queued (rendered), delivered, and end to end. The reference, same run and server: the same
 * number of pre-rendered messages sent straight through a pooled nodemailer transport, 4 at a
 * time, just before each measurement — the SMTP cost alone, which Retain's bookkeeping adds to.
 *
 * `[paths]` (default `bulk,single`): `bulk` queues with `queueEmails` (calls of 1,000, as a flow or
 * segment send would page) and delivers with the `email.dispatch` job on one worker (the server
 * runs one loop per job type); `single` is `queueEmail` a message and `email.send` jobs on
 * `workers` workers; `overlap` is `bulk` with the dispatch worker loop running while the messages
 * are queued, as on a server (end to end: first queued to last recorded `sent`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { type DatabaseConnection, migrateToLatest, newId, openDatabase, toJson } from '../src/db/index.js';
import {
  closeTransports,
  type EmailEnvironment,
  emailJobHandlers,
  type OutgoingEmail,
  queueEmail,
  queueEmails,
} from '../src/email/index.js';
import { Worker } from '../src/jobs/index.js';
import { createWorkspace } from '../src/workspaces/workspace.repository.js';
import {
  createTestSchema,
  dropTestSchema,
  postgresUrlForSchema,
} from '../test/support/db/postgres-schema.js';

const messages = Number(process.argv[2] ?? 2_000);
const engines = (process.argv[3] ?? 'sqlite').split(',');
const workers = Number(process.argv[4] ?? 4);
const paths = (process.argv[5] ?? 'bulk,single').split(',');
const serverMode = process.argv[6] ?? 'process';
/** Messages a `queueEmails` call takes in the bulk path (a flow or segment send's page). */
const BULK_CALL = 1_000;
const TARGET_PER_SECOND = 500;

const HTML = `<html><body>
<p>Hello {{ customer.first_name }},</p>
<p>We have not seen you in a while{% if customer.country %} in {{ customer.country }}{% endif %}.</p>
<ul>{% for tip in tips %}<li>{{ tip }}</li>{% endfor %}</ul>
{% if coupon %}<p>Your code: <strong>{{ coupon.code }}</strong>, {{ coupon.percent }} % off.</p>{% endif %}
<p><a href="https://shop.example.com/back?c={{ customer.id }}">Come back</a></p>
</body></html>`;

/** The local SMTP server: in this process (`inline`) or in a child process (`process`). */
interface Sink {
  readonly url: string;
  accepted(): Promise<number>;
  close(): Promise<void>;
}

async function startServer(): Promise<Sink> {
  return serverMode === 'inline' ? startInlineServer() : startProcessServer();
}

async function startInlineServer(): Promise<Sink> {
  let accepted = 0;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        accepted += 1;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted: async () => accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startProcessServer(): Promise<Sink> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('smtp-sink.ts', import.meta.url))],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  const port = Number((await nextLine()).replace('PORT ', ''));
  return {
    url: `smtp://127.0.0.1:${port}`,
    async accepted() {
      const answer = nextLine();
      child.stdin.write('count\n');
      return Number((await answer).replace('ACCEPTED ', ''));
    },
    close: async () => {
      child.stdin.end();
      await new Promise((resolve) => child.on('exit', resolve));
    },
  };
}

async function openStore(
  engine: string,
): Promise<{ connection: DatabaseConnection; drop: () => Promise<void> }> {
  if (engine === 'postgres') {
    const schema = await createTestSchema();
    const connection = openDatabase(postgresUrlForSchema(schema));
    await migrateToLatest(connection.db);
    return { connection, drop: () => dropTestSchema(schema) };
  }
  const directory = mkdtempSync(join(tmpdir(), 'retain-email-bench-'));
  const connection = openDatabase(`sqlite:${join(directory, 'retain.db')}`);
  await migrateToLatest(connection.db);
  return { connection, drop: async () => rmSync(directory, { recursive: true, force: true }) };
}

/** The SMTP cost alone: `count` fixed messages through a pooled transport, 4 in flight. */
/** CPU time of this process (user + system) since `since`, ms. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1_000;
}

async function reference(url: string, count: number): Promise<{ rate: number; cpuPerMessage: number }> {
  const transport = nodemailer.createTransport({
    host: new URL(url).hostname,
    port: Number(new URL(url).port),
    pool: true,
    maxConnections: 4,
    maxMessages: 1_000,
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      await transport.sendMail({
        from: 'shop@example.com',
        to: 'ref@example.com',
        subject: 'Reference',
        html: '<p>Hello</p>',
        text: 'Hello',
      });
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  const seconds = (performance.now() - started) / 1_000;
  const cpuPerMessage = cpuMs(cpu) / count;
  transport.close();
  return { rate: count / seconds, cpuPerMessage };
}

const server = await startServer();
const environment: EmailEnvironment = {
  smtpUrl: server.url,
  publicUrl: 'https://retain.example.com',
  secretKey: null,
  defaultFrom: 'shop@example.com',
};
process.stdout.write(
  `${messages} messages, ${workers} workers, local smtp-server (${serverMode === 'inline' ? 'in this process' : 'a process of its own'}) at ${server.url}\n`,
);

for (const engine of engines) {
  for (const path of paths) await run(engine, path);
}

/** One engine, one path: `single` (`queueEmail` a message, `email.send` jobs on `workers` workers)
 * or `bulk` (`queueEmails` in calls of `BULK_CALL`, `email.dispatch` jobs on one worker, as the
 * server runs them: one loop per job type). */
async function run(engine: string, path: string): Promise<void> {
  const { connection, drop } = await openStore(engine);
  const { db } = connection;
  try {
    const now = Date.now();
    const { workspace } = await createWorkspace(db, { name: 'Bench', slug: `bench-${newId()}`, now });
    // No quiet hours: the bench runs at whatever time of day it is.
    await db
      .insertInto('email_settings')
      .values({
        workspace_id: workspace.id,
        signing_secret: 'bench',
        quiet_start: '',
        quiet_end: '',
        updated_at: now,
      })
      .execute();
    const customerIds: number[] = [];
    for (let start = 0; start < messages; start += 500) {
      const rows = Array.from({ length: Math.min(500, messages - start) }, (_, index) => ({
        workspace_id: workspace.id,
        external_id: `c${start + index}`,
        email: `customer${start + index}@example.com`,
        name: `Customer ${start + index}`,
        country: start % 2 === 0 ? 'FR' : 'DE',
        attributes: toJson({}),
        consent_email_marketing: 1 as const,
        created_at: now,
        updated_at: now,
      }));
      customerIds.push(
        ...(await db.insertInto('customer').values(rows).returning('id').execute()).map((row) => row.id),
      );
    }
    // The reference just before each measurement: on a shared machine the load moves in minutes.
    const { rate: referenceRate, cpuPerMessage: referenceCpu } = await reference(server.url, messages);
    const before = await server.accepted();
    const emailOf = (customerId: number, index: number): OutgoingEmail => ({
      workspaceId: workspace.id,
      customerId,
      dedupeKey: `bench:${index}`,
      category: 'marketing',
      subject: 'We miss you, {{ customer.first_name }}',
      html: HTML,
      variables: {
        coupon: { code: `BACK-${index}`, percent: 15 },
        tips: ['New teas', 'Free shipping', 'Gift cards'],
      },
      origin: { kind: 'flow', flowId: '1', runId: String(index), stepId: 'send' },
    });

    const sentCount = async () =>
      Number(
        (
          await db
            .selectFrom('email_message')
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .where('workspace_id', '=', workspace.id)
            .where('status', '=', 'sent')
            .executeTakeFirstOrThrow()
        ).count,
      );
    // `overlap`: the dispatch worker loop runs while the messages are queued, as on a server.
    const loop =
      path === 'overlap'
        ? new Worker({ db, handlers: emailJobHandlers(environment), pollIntervalMs: 20 })
        : undefined;
    loop?.start();
    const queueStarted = performance.now();
    const queueCpu = process.cpuUsage();
    if (path === 'bulk' || path === 'overlap') {
      for (let start = 0; start < customerIds.length; start += BULK_CALL) {
        const emails = customerIds
          .slice(start, start + BULK_CALL)
          .map((customerId, offset) => emailOf(customerId, start + offset));
        const outcomes = await queueEmails(db, emails, { now: Date.now(), environment });
        const notQueued = outcomes.find((outcome) => outcome.status !== 'queued');
        if (notQueued !== undefined) throw new Error(`bulk: ${JSON.stringify(notQueued)}`);
      }
    } else {
      for (const [index, customerId] of customerIds.entries()) {
        const outcome = await queueEmail(db, emailOf(customerId, index), { now: Date.now(), environment });
        if (outcome.status !== 'queued') throw new Error(`message ${index}: ${JSON.stringify(outcome)}`);
      }
    }
    const queueSeconds = (performance.now() - queueStarted) / 1_000;

    const queueCpuPerMessage = cpuMs(queueCpu) / messages;
    const sendStarted = performance.now();
    const sendCpu = process.cpuUsage();
    if (loop !== undefined) {
      const deadline = Date.now() + 600_000;
      while ((await sentCount()) < messages && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await loop.stop();
    } else {
      const pool = Array.from(
        { length: path === 'bulk' ? 1 : workers },
        () => new Worker({ db, handlers: emailJobHandlers(environment) }),
      );
      await Promise.all(pool.map((worker) => worker.drain()));
    }
    const sendSeconds = (performance.now() - sendStarted) / 1_000;
    const sendCpuPerMessage = cpuMs(sendCpu) / messages;
    const accepted = (await server.accepted()) - before;
    const sent = await sentCount();
    if (accepted !== messages || sent !== messages) {
      throw new Error(`accepted ${accepted}, recorded sent ${sent}, expected ${messages} each`);
    }
    const endToEnd = messages / (queueSeconds + sendSeconds);
    process.stdout.write(
      `  ${engine} ${path}: queued (rendered) ${(messages / queueSeconds).toFixed(0)}/s, ` +
        (loop === undefined
          ? `delivered ${(messages / sendSeconds).toFixed(0)}/s, `
          : `(sending meanwhile; the last sent ${sendSeconds.toFixed(1)} s after the last queued), `) +
        `end to end ${endToEnd.toFixed(0)}/s = ${(endToEnd / referenceRate).toFixed(2)} × the reference ` +
        `(pre-rendered messages straight through nodemailer, just before: ${referenceRate.toFixed(0)}/s) — ` +
        `${endToEnd >= TARGET_PER_SECOND ? 'meets' : 'BELOW'} the ${TARGET_PER_SECOND}/s target\n` +
        // CPU of this process per message (the load moves wall times far more than CPU times).
        `    CPU ms a message: queue ${queueCpuPerMessage.toFixed(2)}, deliver ${sendCpuPerMessage.toFixed(2)}, ` +
        `reference ${referenceCpu.toFixed(2)} → one free core would do ` +
        `${(1_000 / (queueCpuPerMessage + sendCpuPerMessage)).toFixed(0)} messages/s end to end\n`,
    );
  } finally {
    await connection.close();
    await drop();
  }
}
closeTransports();
await server.close();
