/**
 * A small, bounded cache of verified API keys, per store, so that a busy API client does not cost
 * a database read per request.
 *
 * Correctness comes first: a revoked key must stop working at once.
 * - In this process, `revokeApiKey` drops the whole cache once its transaction committed, and a
 *   lookup that started before the drop never stores what it read (the generation check).
 * - In other processes (the CLI's `retain key revoke`, a second server), SQLite's data version
 *   (db/change-watch.ts) moves after any other connection's commit and is read synchronously
 *   before each answer: when it moved, the cache is emptied first.
 * - PostgreSQL keeps no cache: its only signal is a notification, which arrives some milliseconds
 *   after the revoking commit, and a request in between would still pass with a revoked key.
 *   There a key costs one indexed read per request.
 * Revoked and unknown keys are never cached (each is looked up again), so the cache holds at most
 * `API_KEY_CACHE_SIZE` live keys, least recently used dropped first.
 */
import type { Kysely } from 'kysely';
import { changeVersion, type Database, dialectOf } from '../db/index.js';
import type { ApiKey } from './api-key.repository.js';

/** Most verified keys kept per store. */
export const API_KEY_CACHE_SIZE = 1_000;

interface Cache {
  /** By the key's SHA-256: the key as last read, with when its use was last written. */
  readonly keys: Map<string, ApiKey>;
  /** The store's change version the entries were read under. */
  version: number | undefined;
  /** Moves on every in-process invalidation. */
  generation: number;
}

const caches = new WeakMap<Kysely<Database>, Cache>();

function cacheOf(db: Kysely<Database>): Cache {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = { keys: new Map(), version: undefined, generation: 0 };
    caches.set(db, cache);
  }
  return cache;
}

const NO_CACHE: CachedLookup = { key: undefined, store: () => {} };

/** A handle on one lookup: `stored` keeps what it read only if nothing was invalidated meanwhile. */
export interface CachedLookup {
  readonly key: ApiKey | undefined;
  readonly store: (key: ApiKey) => void;
}

/**
 * The cached verified key of `hash`, if the cache may be trusted, and a `store` to keep the key
 * read from the database (ignored when an invalidation or another process's change happened since
 * this call).
 */
export function lookupApiKey(db: Kysely<Database>, hash: string): CachedLookup {
  if (dialectOf(db) === 'postgres') return NO_CACHE;
  const cache = cacheOf(db);
  const version = changeVersion(db);
  if (version === undefined || version !== cache.version) {
    cache.keys.clear();
    cache.version = version;
  }
  const generation = cache.generation;
  const found = version === undefined ? undefined : cache.keys.get(hash);
  if (found !== undefined) {
    cache.keys.delete(hash);
    cache.keys.set(hash, found);
  }
  return {
    key: found,
    store: (key) => {
      if (version === undefined || key.revokedAt !== null) return;
      if (cache.generation !== generation || changeVersion(db) !== version || cache.version !== version)
        return;
      cache.keys.delete(hash);
      cache.keys.set(hash, key);
      if (cache.keys.size > API_KEY_CACHE_SIZE) cache.keys.delete(cache.keys.keys().next().value!);
    },
  };
}

/** Drops every cached key of the store (after a key was revoked in this process). */
export function forgetApiKeys(db: Kysely<Database>): void {
  const cache = cacheOf(db);
  cache.keys.clear();
  cache.generation++;
}
