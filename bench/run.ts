/**
 * `npm run bench`: runs every benchmark script in bench/ (files named `*.bench.ts`), each in a fresh
 * process so its timings and peak memory are its own, and prints their reports in turn.
 * A name filter may be given: `npm run bench -- analyze`; arguments after it go to each script
 * run, e.g. a size: `npm run bench -- overview-at-size 1000000 10` (the 1 M customers /
 * 10 M orders; each script's header says what it accepts, and defaults to a short run).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const scriptArguments = process.argv.slice(3);
const scripts = readdirSync(benchDir, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.bench.ts') && (!filter || file.includes(filter)))
  .sort();

let failures = 0;
for (const script of scripts) {
  process.stdout.write(`\n=== ${script} ===\n`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(benchDir, script), ...scriptArguments],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) failures++;
}
process.exitCode = failures === 0 ? 0 : 1;
