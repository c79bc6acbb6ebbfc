/**
 * Child process of the e-mail crash test (src/email/email.crash.test.ts): runs the `email.send`
 * jobs due in `CHILD_DATABASE_URL` against the SMTP server `CHILD_SMTP_URL`, then prints `DRAINED`
 * (the test kills it with SIGKILL before that, once the server has accepted the message).
 */
import { openDatabase } from '../../src/db/index.js';
import { emailJobHandlers } from '../../src/email/index.js';
import { Worker } from '../../src/jobs/index.js';
import { testEnvironment } from './support.js';

const { CHILD_DATABASE_URL, CHILD_SMTP_URL } = process.env;
if (!CHILD_DATABASE_URL || !CHILD_SMTP_URL) throw new Error('missing CHILD_* variables');

const connection = openDatabase(CHILD_DATABASE_URL);
const worker = new Worker({ db: connection.db, handlers: emailJobHandlers(testEnvironment(CHILD_SMTP_URL)) });
process.stdout.write('STARTED\n');
const ran = await worker.drain();
process.stdout.write(`DRAINED ${ran}\n`);
await connection.close();
process.exit(0);
