/**
 * The bundled samples: each is what its generator writes, and each works with the commands
 * docs/cli.md documents for it. The subscriptions sample has a known truth — the shifted-beta-
 * geometric model it was drawn from (samples/README.md) — which its Kaplan–Meier curves must
 * contain within their 95 % intervals.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logBeta } from '../../src/core/index.js';
import { runRetain } from '../support/cli.js';

/** sBG survival after t periods: B(α, β + t) / B(α, β) (Fader & Hardie 2007, eq. 7). */
const sbgSurvival = (alpha: number, beta: number, t: number) =>
  Math.exp(logBeta(alpha, beta + t) - logBeta(alpha, beta));

describe('samples/subscriptions.csv', () => {
  it('is exactly what samples/generators/subscriptions.ts writes', () => {
    const directory = mkdtempSync(join(tmpdir(), 'retain-sample-'));
    try {
      const target = join(directory, 'subscriptions.csv');
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'samples/generators/subscriptions.ts', target],
        {
          encoding: 'utf8',
        },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(readFileSync(target, 'utf8')).toBe(readFileSync('samples/subscriptions.csv', 'utf8'));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('has Kaplan–Meier curves whose 95 % intervals contain the model it was drawn from', async () => {
    const run = await runRetain('survival', 'samples/subscriptions.csv', '--by', 'plan', '--json');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout) as {
      groups: { group: string; curve: { time: number; survival: number; lower: number; upper: number }[] }[];
    };
    const truth: Record<string, [number, number]> = { basic: [0.7, 6], pro: [0.7, 14] };
    for (const group of output.groups) {
      const [alpha, beta] = truth[group.group]!;
      // Months on the curve are 30.4375 days and renewals fall on calendar months: read the curve
      // just before each whole month's renewals (t + 0.9), where every earlier renewal is in.
      for (const month of [3, 6, 12, 24]) {
        const point = group.curve.filter((entry) => entry.time <= month + 0.9).at(-1)!;
        const expected = sbgSurvival(alpha, beta, month);
        expect(expected, `${group.group} at month ${month}`).toBeGreaterThanOrEqual(point.lower);
        expect(expected, `${group.group} at month ${month}`).toBeLessThanOrEqual(point.upper);
      }
    }
  });

  it('analyses in subscription mode', async () => {
    const run = await runRetain('analyze', 'samples/subscriptions.csv', '--mode', 'subscription', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.input.rows).toBe(2_000);
  });
});

describe('samples/cdnow-churn.csv', () => {
  it('is the churn fixture (built by test/fixtures/churn/build-cdnow-churn.ts) and trains a model', async () => {
    expect(readFileSync('samples/cdnow-churn.csv', 'utf8')).toBe(
      readFileSync('test/fixtures/churn/cdnow-churn.csv', 'utf8'),
    );
    const run = await runRetain(
      'churn',
      'train',
      'samples/cdnow-churn.csv',
      '--label',
      'churned',
      '--id',
      'customer_id',
      '--json',
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).rows).toBe(2_357);
  });
});
