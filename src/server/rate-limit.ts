/**
 * Request rate limits: a token bucket per caller, kept in memory.
 *
 * **Per process.** Each server process counts on its own, so N processes behind a load balancer
 * allow up to N times the configured rate in total; put a shared limiter in front (the proxy or
 * the load balancer) when that matters. Memory is bounded: buckets that have refilled are
 * forgotten, and the table never holds more than `maxBuckets`.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { RetainError } from '../errors/index.js';
import { type AppEnv, clientAddress } from '../http/index.js';

export interface RateLimitOptions {
  /** Sustained rate per caller (default 600 requests a minute). */
  readonly requestsPerMinute?: number;
  /** Requests a caller may make at once after being idle (default: one minute's worth). */
  readonly burst?: number;
  /** Trust the first `X-Forwarded-For` address as the client (only behind your own proxy). */
  readonly trustProxy?: boolean;
  /** Most buckets kept at once (default 100 000); beyond that the oldest are dropped. */
  readonly maxBuckets?: number;
  /** The clock, epoch ms (default: the app's `services.now()`). */
  readonly now?: () => number;
}

export const DEFAULT_REQUESTS_PER_MINUTE = 600;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket table: each key holds up to `capacity` tokens, refilled continuously at
 * `ratePerMs`; a request takes one token. O(1) per request.
 * Example: capacity 2, 1 token/s: requests at t = 0, 0, 0 → allowed, allowed, refused (retry in 1 s).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly capacity: number,
    private readonly ratePerMs: number,
    private readonly maxBuckets: number = 100_000,
  ) {
    if (!(capacity >= 1) || !(ratePerMs > 0))
      throw new RangeError('A bucket needs capacity ≥ 1 and a positive rate');
  }

  /** Takes a token for `key` at `now`: 0 when allowed, else the milliseconds until one is available. */
  take(key: string, now: number): number {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxBuckets) this.evict(now);
      bucket = { tokens: this.capacity, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      const elapsed = Math.max(0, now - bucket.updatedAt);
      bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsed * this.ratePerMs);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.ratePerMs);
  }

  /** Number of buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Forgets full buckets (same as absent); if none is, the oldest half (Map keeps insertion order). */
  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.ratePerMs >= this.capacity)
        this.buckets.delete(key);
    }
    if (this.buckets.size < this.maxBuckets) return;
    let toDrop = Math.ceil(this.buckets.size / 2);
    for (const key of this.buckets.keys()) {
      if (toDrop-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}

/**
 * Who a request counts against: the API key (Bearer) or the session cookie when one is sent —
 * as a hash, so secrets are not kept in memory — else the client's address. Login attempts
 * always count against the address, so that sending a new made-up cookie each time gains nothing.
 */
export function rateLimitKey(c: Context, trustProxy: boolean): string {
  const isLogin = c.req.path.endsWith('/auth/login');
  const authorization = c.req.header('Authorization');
  if (!isLogin && authorization !== undefined && authorization !== '') return `key:${digest(authorization)}`;
  const cookie = isLogin
    ? undefined
    : /(?:^|;\s*)retain_session=([^;]+)/.exec(c.req.header('Cookie') ?? '')?.[1];
  if (cookie !== undefined) return `session:${digest(cookie)}`;
  return `ip:${clientAddress(c, trustProxy)}`;
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * Hono middleware refusing a caller's requests beyond the rate with `RetainError('rate_limited')`
 * (429) and a `Retry-After` header in whole seconds. Default: 600 requests a minute, bursts of 600.
 * Example: `app.use('/api/v1/*', rateLimit({ requestsPerMinute: 600 }))`.
 */
export function rateLimit(options: RateLimitOptions = {}) {
  const perMinute = options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
  const buckets = new TokenBuckets(options.burst ?? perMinute, perMinute / 60_000, options.maxBuckets);
  const trustProxy = options.trustProxy ?? false;
  return createMiddleware<AppEnv>(async (c, next) => {
    const now = options.now?.() ?? c.get('services').now();
    const waitMs = buckets.take(rateLimitKey(c, trustProxy), now);
    if (waitMs > 0) {
      c.header('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
      throw new RetainError('rate_limited', 'Too many requests; retry after the time in Retry-After.');
    }
    await next();
  });
}
