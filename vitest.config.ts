import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts', 'web/scripts/**/*.test.ts'],
    testTimeout: 30_000,
    // At least two test files at a time, also on a 2-core machine (Vitest's default there is
    // availableParallelism − 1 = one): a file spends much of its time waiting on other processes —
    // PostgreSQL, the `retain start` child, Chromium, worker threads — so a second file keeps both
    // cores busy. Measured on 2 cores: the e2e suites 136 s → 82 s, src/analytics 253 s → 201 s, for
    // about the same CPU time (docs/testing.md).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // `expect.poll` (used by the e2e suites to wait for a page to show what they assert) gives up
    // after 1 s by default: too short for a lazily loaded page under load beside another file. A
    // poll ends as soon as its assertion holds, so this changes only how long a failure waits.
    expect: { poll: { timeout: 15_000 } },
  },
});
