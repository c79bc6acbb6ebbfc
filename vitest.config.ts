import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts', 'web/scripts/**/*.test.ts'],
    testTimeout: 30_000,
    // The dashboard is built (when stale) once before the files run: test/support/build-web-once.ts.
    globalSetup: ['test/support/build-web-once.ts'],
    // One test file more than there are cores (Vitest's default is one fewer: one file at a time on
    // a 2-core machine): a file spends much of its time waiting on other processes — PostgreSQL,
    // the `retain start` child, Chromium, the analytics worker threads — and the files beside it
    // use the cores meanwhile. Measured on 2 cores for about the same CPU time (docs/testing.md):
    // the e2e suites 136 s on one file at a time → 82 s on two; src/analytics on two → three files
    // 99 s → 94 s at a load of 3, 229 s → 139 s at a load of 7.
    maxWorkers: availableParallelism() + 1,
    // `expect.poll` (used by the e2e suites to wait for a page to show what they assert) gives up
    // after 1 s by default: too short for a lazily loaded page under load beside another file. A
    // poll ends as soon as its assertion holds, so this changes only how long a failure waits.
    expect: { poll: { timeout: 15_000 } },
  },
});
