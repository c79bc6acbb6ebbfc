/**
 * Only the core's coded input error is the user's mistake (exit 2, the file named); any other
 * error out of the core — a bug, or V8's own RangeError for an impossible allocation, which the
 * probe saw reported as the user's fault — is exit 1. The core's `analyzeSurvival` is replaced by a
 * spy that throws what each case needs; everything else is real.
 */
import { afterEach, expect, it, vi } from 'vitest';
import type * as Core from '../../src/core/index.js';
import { runRetain } from '../support/cli.js';

const thrown = vi.hoisted(() => ({ error: null as Error | null }));

vi.mock('../../src/core/index.js', async (importOriginal) => {
  const core = await importOriginal<typeof Core>();
  return {
    ...core,
    analyzeSurvival: vi.fn((...args: Parameters<typeof core.analyzeSurvival>) => {
      if (thrown.error !== null) throw thrown.error;
      return core.analyzeSurvival(...args);
    }),
  };
});

const FILE = 'test/fixtures/cli/subscriptions.csv';

afterEach(() => {
  thrown.error = null;
});

it('reports the core’s input error as the user’s (exit 2, naming the file)', async () => {
  const { InvalidInputError } = await import('../../src/core/index.js');
  thrown.error = new InvalidInputError('The subscriptions have no attribute "plan"', ['groupBy']);
  const run = await runRetain('survival', FILE);
  expect(run.code).toBe(2);
  expect(run.stderr).toBe(`retain: ${FILE}: The subscriptions have no attribute "plan"\n`);
});

it('reports any other error, a RangeError included, as unexpected (exit 1)', async () => {
  thrown.error = new RangeError('Invalid typed array length: 14400240001');
  const run = await runRetain('survival', FILE);
  expect(run.code).toBe(1);
  expect(run.stderr).not.toContain(FILE);
  expect(run.stderr).toContain('Invalid typed array length');
});

it('still works when nothing is thrown', async () => {
  const run = await runRetain('survival', FILE);
  expect(run.code).toBe(0);
});
