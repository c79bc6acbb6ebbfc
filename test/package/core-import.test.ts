/**
 * The `retain/core` contract of issue #3: after a build, `import { BgNbd } from 'retain/core'`
 * works (a) from plain Node through the package's `exports` map, and (b) from a bundler targeting
 * the browser, with no Node built-in anywhere in the bundle — the core runs in a browser.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const builtEntry = join(repo, 'dist/core/index.js');

/** Newest modification time of the core's sources (tests excluded). */
function newestSource(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function distIsStale(): boolean {
  try {
    return statSync(builtEntry).mtimeMs < newestSource(join(repo, 'src/core'));
  } catch {
    return true;
  }
}

/** A consumer project: `node_modules/retain` is a symlink to this repository. */
const consumer = mkdtempSync(join(tmpdir(), 'retain-consumer-'));

beforeAll(() => {
  // `npm run build` is what `npm install` runs (the `prepare` script); only rebuild when needed.
  if (distIsStale()) execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'pipe' });
  mkdirSync(join(consumer, 'node_modules'));
  symlinkSync(repo, join(consumer, 'node_modules/retain'), 'dir');
}, 120_000);

// Three customers of the published CDNOW summary (x, t_x, T in weeks) and the published BG/NBD
// parameters: P(alive) of customer 1 = 1 / (1 + a/(b + x − 1) · ((α + T)/(α + t_x))^(r + x))
// = 1 / (1 + 0.7929/3.4258 · (43.2735/34.8435)^2.2426) = 0.7266 (FHL 2005 note on P(alive)).
const PROGRAM = `
const rows = [
  { frequency: 2, recency: 30.43, T: 38.86 },
  { frequency: 1, recency: 1.71, T: 38.86 },
  { frequency: 0, recency: 0, T: 38.86 },
  { frequency: 4, recency: 20, T: 30 },
];
const fitted = BgNbd.fit(rows);
const known = BgNbd.fromParams({ r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 });
const output = JSON.stringify({
  fitOk: fitted.ok,
  pAlive: known.probabilityAlive(2, 30.43, 38.86),
  expected: known.conditionalExpectedPurchases(39, 2, 30.43, 38.86),
});
`;

describe("import { BgNbd } from 'retain/core'", () => {
  it('works from plain Node (ESM, through the exports map)', () => {
    const stdout = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `import { BgNbd } from 'retain/core';${PROGRAM}console.log(output);`],
      { cwd: consumer, encoding: 'utf8' },
    );
    const result = JSON.parse(stdout);
    expect(result.fitOk).toBe(true);
    expect(result.pAlive).toBeCloseTo(0.7266, 3);
    // FHL 2005: customer 1 is expected to make 1.226 purchases in the next 39 weeks.
    expect(result.expected).toBeCloseTo(1.226, 3);
  });

  it('bundles for the browser with no Node built-in, and the bundle runs without Node', async () => {
    const entry = join(consumer, 'entry.js');
    writeFileSync(entry, `import { BgNbd } from 'retain/core';${PROGRAM}globalThis.result = output;\n`);
    const bundled = await build({
      entryPoints: [entry],
      absWorkingDir: consumer,
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
    });
    expect(bundled.errors).toEqual([]);
    const code = bundled.outputFiles[0]!.text;
    // esbuild fails on `node:*` imports for the browser; check that nothing slipped in as a require.
    expect(code).not.toMatch(
      /require\(["'](node:)?(fs|path|os|crypto|stream|buffer|util|child_process)["']\)/,
    );
    // Run it in a fresh V8 context: JavaScript built-ins only, no process, require or Buffer.
    const sandbox: { result?: string } = {};
    runInNewContext(code, sandbox);
    const result = JSON.parse(sandbox.result!);
    expect(result.fitOk).toBe(true);
    expect(result.expected).toBeCloseTo(1.226, 3);
  });
});
