/**
 * Password guessing is slowed per account and per address, in memory (per process, like the
 * request rate limit: several processes each keep their own counts).
 *
 * - **Per account** (workspace + e-mail, whether or not it exists, so the answer tells nothing):
 *   the first `freeFailures` wrong passwords cost nothing; each further one makes the account wait
 *   twice as long as the last (1 s, 2 s, 4 s, … at most `maxBackoffMs`) before the next attempt is
 *   even checked. A correct password resets the count. An attacker gets a handful of guesses an
 *   hour; the owner, at worst, waits `maxBackoffMs`.
 * - **Per address**: at most `addressFailuresPerHour` wrong passwords an hour from one address,
 *   across accounts (password spraying). So that an attacker behind the same address (an office,
 *   a carrier NAT) cannot lock everyone else out, an account that logged in successfully from that
 *   address in the last `knownPairDays` days is not held by the address limit (still by its own).
 *
 * Memory is bounded: each table keeps at most `maxEntries` keys, forgetting the oldest first.
 */
import { createHash } from 'node:crypto';

export interface LoginThrottleOptions {
  /** Wrong passwords an account may have before it must wait (default 5). */
  readonly freeFailures?: number;
  /** Longest wait imposed on an account, ms (default 15 minutes). */
  readonly maxBackoffMs?: number;
  /** Wrong passwords an hour from one address, across accounts (default 100). */
  readonly addressFailuresPerHour?: number;
  /** How long a successful (address, account) pair is exempt from the address limit (default 30). */
  readonly knownPairDays?: number;
  /** Keys kept per table (default 100 000). */
  readonly maxEntries?: number;
}

export const DEFAULT_LOGIN_THROTTLE: Required<LoginThrottleOptions> = Object.freeze({
  freeFailures: 5,
  maxBackoffMs: 15 * 60_000,
  addressFailuresPerHour: 100,
  knownPairDays: 30,
  maxEntries: 100_000,
});

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const FIRST_BACKOFF_MS = 1_000;

interface AccountState {
  failures: number;
  /** No attempt is checked before this instant. */
  blockedUntil: number;
  lastFailureAt: number;
}

interface AddressState {
  /** Failures still allowed, refilled continuously at the hourly rate. */
  allowance: number;
  updatedAt: number;
}

/** Who is trying to log in: the account as typed and the client's address. */
export interface LoginAttempt {
  readonly workspace: string;
  readonly email: string;
  readonly address: string;
}

export class LoginThrottle {
  private readonly options: Required<LoginThrottleOptions>;
  private readonly accounts = new Map<string, AccountState>();
  private readonly addresses = new Map<string, AddressState>();
  /** hash(address, account) → instant of the last successful login from there. */
  private readonly knownPairs = new Map<string, number>();

  constructor(options: LoginThrottleOptions = {}) {
    this.options = { ...DEFAULT_LOGIN_THROTTLE, ...options };
  }

  /**
   * 0 when the attempt may be checked now, else the milliseconds to wait. Call before verifying
   * the password, so a held account costs an attacker a guess without giving one.
   */
  waitBefore(attempt: LoginAttempt, now: number): number {
    const account = this.accounts.get(accountKey(attempt));
    const accountWait = account === undefined ? 0 : Math.max(0, account.blockedUntil - now);
    let addressWait = 0;
    if (!this.isKnownPair(attempt, now)) {
      const address = this.refilledAddress(attempt.address, now);
      if (address !== undefined && address.allowance < 1) {
        addressWait = Math.ceil(((1 - address.allowance) * HOUR_MS) / this.options.addressFailuresPerHour);
      }
    }
    return Math.max(accountWait, addressWait);
  }

  /** Counts a wrong password (or an unknown account) against the account and the address. */
  recordFailure(attempt: LoginAttempt, now: number): void {
    const key = accountKey(attempt);
    const state = this.accounts.get(key) ?? { failures: 0, blockedUntil: 0, lastFailureAt: now };
    // A long quiet spell forgives: after a day without failures the count starts again.
    if (now - state.lastFailureAt > DAY_MS) state.failures = 0;
    state.failures += 1;
    state.lastFailureAt = now;
    const beyondFree = state.failures - this.options.freeFailures;
    if (beyondFree > 0) {
      const backoff = Math.min(this.options.maxBackoffMs, FIRST_BACKOFF_MS * 2 ** (beyondFree - 1));
      state.blockedUntil = now + backoff;
    }
    remember(this.accounts, key, state, this.options.maxEntries);

    const address = this.refilledAddress(attempt.address, now) ?? {
      allowance: this.options.addressFailuresPerHour,
      updatedAt: now,
    };
    address.allowance -= 1;
    remember(this.addresses, attempt.address, address, this.options.maxEntries);
  }

  /** A correct password: the account's count is cleared and the (address, account) pair is known. */
  recordSuccess(attempt: LoginAttempt, now: number): void {
    this.accounts.delete(accountKey(attempt));
    remember(this.knownPairs, pairKey(attempt), now, this.options.maxEntries);
  }

  private isKnownPair(attempt: LoginAttempt, now: number): boolean {
    const at = this.knownPairs.get(pairKey(attempt));
    return at !== undefined && now - at <= this.options.knownPairDays * DAY_MS;
  }

  private refilledAddress(address: string, now: number): AddressState | undefined {
    const state = this.addresses.get(address);
    if (state === undefined) return undefined;
    const elapsed = Math.max(0, now - state.updatedAt);
    state.allowance = Math.min(
      this.options.addressFailuresPerHour,
      state.allowance + (elapsed * this.options.addressFailuresPerHour) / HOUR_MS,
    );
    state.updatedAt = now;
    return state;
  }
}

function accountKey(attempt: LoginAttempt): string {
  return digest(`${attempt.workspace.trim().toLowerCase()}\n${attempt.email.trim().toLowerCase()}`);
}

function pairKey(attempt: LoginAttempt): string {
  return digest(`${attempt.address}\n${accountKey(attempt)}`);
}

/** Hashed, so the tables hold no e-mail address. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** Sets `key` as the newest entry; beyond `max` entries the oldest is forgotten. */
function remember<V>(table: Map<string, V>, key: string, value: V, max: number): void {
  table.delete(key);
  table.set(key, value);
  if (table.size > max) {
    const oldest = table.keys().next().value;
    if (oldest !== undefined) table.delete(oldest);
  }
}
