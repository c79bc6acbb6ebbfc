/**
 * The server's limits as an operator sets them: environment variables read by `retain start`,
 * each checked with an error that names the variable (docs/operations.md, "Limits"). Where files
 * are kept, `RETAIN_DATA_DIR`, is read with the store's URL (db/data-directory.ts).
 */
import type { AppOptions } from './app.js';

/** Every variable this file reads, with what it sets. */
export const LIMIT_VARIABLES = {
  RETAIN_API_RATE_LIMIT: 'requests a minute per API key, session or address on /api/v1 (0 turns it off)',
  RETAIN_TRACKING_RATE_LIMIT: 'requests a minute per write key on /v1 (0 turns it off)',
  RETAIN_LOGIN_FREE_FAILURES: 'wrong passwords an account may have before it must wait',
  RETAIN_LOGIN_ADDRESS_FAILURES_PER_HOUR: 'wrong passwords an hour from one address, across accounts',
  RETAIN_MAX_BODY_BYTES: 'largest JSON request body, bytes',
  RETAIN_MAX_UPLOAD_BYTES: 'largest uploaded import file, bytes',
  RETAIN_IMPORT_FILES_DAYS:
    "days an import's kept files (failed uploads, rejects files) outlive the import (0: deleted at once)",
  RETAIN_TRUST_PROXY: '1 to count clients by the first X-Forwarded-For address (only behind your own proxy)',
  RETAIN_ANALYTICS_WORKERS: 'worker threads computing analytics (default: one per core but one, at least 1)',
  RETAIN_ANALYTICS_TIMEOUT_SECONDS: 'longest wait for an analytics answer, queue included, before a 503',
  RETAIN_ANALYTICS_MAX_PERIODS:
    'most periods (a series, a cohort matrix side) one analytics request computes',
  RETAIN_ANALYTICS_MAX_COHORT_CELLS:
    'most cohort matrix cells (periods², per breakdown value) one request computes',
  RETAIN_PUBLIC_URL:
    'the origin the public help centre is reached at, for its canonical and result links (default: each request’s)',
} as const;

type Variable = keyof typeof LIMIT_VARIABLES;

function count(env: NodeJS.ProcessEnv, name: Variable, minimum: number): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(
      `${name}: expected a whole number ≥ ${minimum} (${LIMIT_VARIABLES[name]}), got "${text}"`,
    );
  }
  return value;
}

/**
 * The `buildApp` options the environment asks for; unset variables keep the defaults.
 * Example: `{ RETAIN_API_RATE_LIMIT: '1200' }` → `{ rateLimit: { requestsPerMinute: 1200, burst: 1200 } }`.
 */
export function appOptionsFromEnvironment(env: NodeJS.ProcessEnv): AppOptions {
  const trustText = env.RETAIN_TRUST_PROXY;
  if (trustText !== undefined && !['', '0', '1'].includes(trustText.trim())) {
    throw new RangeError(`RETAIN_TRUST_PROXY: expected 0 or 1, got "${trustText}"`);
  }
  const trustProxy = trustText?.trim() === '1';
  const api = count(env, 'RETAIN_API_RATE_LIMIT', 0);
  const tracking = count(env, 'RETAIN_TRACKING_RATE_LIMIT', 0);
  const freeFailures = count(env, 'RETAIN_LOGIN_FREE_FAILURES', 1);
  const addressFailuresPerHour = count(env, 'RETAIN_LOGIN_ADDRESS_FAILURES_PER_HOUR', 1);
  const maxBodyBytes = count(env, 'RETAIN_MAX_BODY_BYTES', 1_024);
  const maxUploadBytes = count(env, 'RETAIN_MAX_UPLOAD_BYTES', 1_024);
  const importFilesDays = count(env, 'RETAIN_IMPORT_FILES_DAYS', 0);
  const workers = count(env, 'RETAIN_ANALYTICS_WORKERS', 1);
  const timeoutSeconds = count(env, 'RETAIN_ANALYTICS_TIMEOUT_SECONDS', 1);
  const maxPeriods = count(env, 'RETAIN_ANALYTICS_MAX_PERIODS', 1);
  const maxCohortCells = count(env, 'RETAIN_ANALYTICS_MAX_COHORT_CELLS', 1);
  const publicUrl = env.RETAIN_PUBLIC_URL?.trim();
  if (publicUrl !== undefined && publicUrl !== '' && !/^https?:\/\/[^/\s]+\/?$/.test(publicUrl)) {
    throw new RangeError(
      `RETAIN_PUBLIC_URL: expected an origin such as https://help.example.com, got "${publicUrl}"`,
    );
  }
  return {
    ...(publicUrl === undefined || publicUrl === '' ? {} : { publicUrl: publicUrl.replace(/\/$/, '') }),
    rateLimit:
      api === 0
        ? false
        : { trustProxy, ...(api === undefined ? {} : { requestsPerMinute: api, burst: api }) },
    ...(tracking === undefined
      ? {}
      : { trackingRateLimit: tracking === 0 ? false : { requestsPerMinute: tracking } }),
    loginThrottle: {
      ...(freeFailures === undefined ? {} : { freeFailures }),
      ...(addressFailuresPerHour === undefined ? {} : { addressFailuresPerHour }),
    },
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    ...(maxUploadBytes === undefined ? {} : { maxUploadBytes }),
    ...(importFilesDays === undefined ? {} : { importFilesRetentionMs: importFilesDays * 86_400_000 }),
    analytics: {
      ...(workers === undefined ? {} : { workers }),
      ...(timeoutSeconds === undefined ? {} : { timeoutMs: timeoutSeconds * 1000 }),
      limits: {
        ...(maxPeriods === undefined ? {} : { maxPeriods }),
        ...(maxCohortCells === undefined ? {} : { maxCohortCells }),
      },
    },
  };
}
