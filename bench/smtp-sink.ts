/**
 * A local SMTP server in a process of its own for bench/email.bench.ts (a relay is never in the
 * sender's process): accepts every message, prints `PORT <port>` once listening, and answers each
 * `count` line on stdin with `ACCEPTED <messages so far>`.
 */
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { SMTPServer } from 'smtp-server';

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
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${(server.server.address() as AddressInfo).port}\n`);
});
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'count') process.stdout.write(`ACCEPTED ${accepted}\n`);
});
lines.on('close', () => server.close(() => process.exit(0)));
