import { describe, expect, it } from 'vitest';
import { appOptionsFromEnvironment } from './environment.js';

describe('appOptionsFromEnvironment', () => {
  it('keeps the defaults when nothing is set', () => {
    expect(appOptionsFromEnvironment({})).toEqual({
      rateLimit: { trustProxy: false },
      loginThrottle: {},
      analytics: { limits: {} },
    });
  });

  it('reads every limit, 0 turning a rate limit off', () => {
    expect(
      appOptionsFromEnvironment({
        RETAIN_API_RATE_LIMIT: '1200',
        RETAIN_TRACKING_RATE_LIMIT: '0',
        RETAIN_LOGIN_FREE_FAILURES: '3',
        RETAIN_LOGIN_ADDRESS_FAILURES_PER_HOUR: '50',
        RETAIN_MAX_BODY_BYTES: '2048',
        RETAIN_MAX_UPLOAD_BYTES: '1048576',
        RETAIN_IMPORT_FILES_DAYS: '2',
        RETAIN_TRUST_PROXY: '1',
        RETAIN_ANALYTICS_WORKERS: '3',
        RETAIN_ANALYTICS_TIMEOUT_SECONDS: '90',
        RETAIN_ANALYTICS_MAX_PERIODS: '20000',
        RETAIN_ANALYTICS_MAX_COHORT_CELLS: '5000000',
      }),
    ).toEqual({
      rateLimit: { trustProxy: true, requestsPerMinute: 1200, burst: 1200 },
      trackingRateLimit: false,
      loginThrottle: { freeFailures: 3, addressFailuresPerHour: 50 },
      maxBodyBytes: 2048,
      maxUploadBytes: 1048576,
      importFilesRetentionMs: 2 * 86_400_000,
      analytics: { workers: 3, timeoutMs: 90_000, limits: { maxPeriods: 20_000, maxCohortCells: 5_000_000 } },
    });
    expect(appOptionsFromEnvironment({ RETAIN_API_RATE_LIMIT: '0' }).rateLimit).toBe(false);
  });

  it('names the variable and what it sets when a value is wrong', () => {
    expect(() => appOptionsFromEnvironment({ RETAIN_API_RATE_LIMIT: 'lots' })).toThrow(
      'RETAIN_API_RATE_LIMIT: expected a whole number ≥ 0 (requests a minute per API key, session or address on /api/v1 (0 turns it off)), got "lots"',
    );
    expect(() => appOptionsFromEnvironment({ RETAIN_MAX_BODY_BYTES: '10' })).toThrow(/RETAIN_MAX_BODY_BYTES/);
    expect(() => appOptionsFromEnvironment({ RETAIN_TRUST_PROXY: 'yes' })).toThrow(/RETAIN_TRUST_PROXY/);
    expect(() => appOptionsFromEnvironment({ RETAIN_IMPORT_FILES_DAYS: '-1' })).toThrow(
      /RETAIN_IMPORT_FILES_DAYS: expected a whole number ≥ 0/,
    );
    expect(() => appOptionsFromEnvironment({ RETAIN_ANALYTICS_WORKERS: '0' })).toThrow(
      'RETAIN_ANALYTICS_WORKERS: expected a whole number ≥ 1 (worker threads computing analytics (default: one per core but one, at least 1)), got "0"',
    );
  });
});
