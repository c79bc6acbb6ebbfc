import { describe, expect, it } from 'vitest';
import { appOptionsFromEnvironment } from './environment.js';

describe('appOptionsFromEnvironment', () => {
  it('keeps the defaults when nothing is set', () => {
    expect(appOptionsFromEnvironment({})).toEqual({ rateLimit: { trustProxy: false }, loginThrottle: {} });
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
        RETAIN_TRUST_PROXY: '1',
      }),
    ).toEqual({
      rateLimit: { trustProxy: true, requestsPerMinute: 1200, burst: 1200 },
      trackingRateLimit: false,
      loginThrottle: { freeFailures: 3, addressFailuresPerHour: 50 },
      maxBodyBytes: 2048,
      maxUploadBytes: 1048576,
    });
    expect(appOptionsFromEnvironment({ RETAIN_API_RATE_LIMIT: '0' }).rateLimit).toBe(false);
  });

  it('names the variable and what it sets when a value is wrong', () => {
    expect(() => appOptionsFromEnvironment({ RETAIN_API_RATE_LIMIT: 'lots' })).toThrow(
      'RETAIN_API_RATE_LIMIT: expected a whole number ≥ 0 (requests a minute per API key, session or address on /api/v1 (0 turns it off)), got "lots"',
    );
    expect(() => appOptionsFromEnvironment({ RETAIN_MAX_BODY_BYTES: '10' })).toThrow(/RETAIN_MAX_BODY_BYTES/);
    expect(() => appOptionsFromEnvironment({ RETAIN_TRUST_PROXY: 'yes' })).toThrow(/RETAIN_TRUST_PROXY/);
  });
});
