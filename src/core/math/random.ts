/**
 * Seeded pseudo-random numbers, for everything that must replay exactly: fold shuffles, synthetic
 * test data, benchmark files. Not for secrets (use `node:crypto`).
 */

/**
 * Mulberry32 (Tommy Ettinger, 2017): a 32-bit state advanced by a Weyl step and mixed by two
 * multiply-xorshift rounds; passes gjrand and PractRand up to 2³² outputs, plenty for shuffling
 * and test data. Returns a function drawing uniforms in [0, 1); the same seed gives the same draws.
 *
 * O(1) a draw. Example: `const random = seededRandom(1); random()` → `0.6270739405881613`.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A copy of `items` in a random order (Fisher–Yates) drawn from `random`. O(n).
 * Example: `shuffled([1, 2, 3], seededRandom(7))` → the same permutation for seed 7 every time.
 */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/**
 * A seeded 32-bit hash of a string: FNV-1a over its UTF-16 code units, started from a state mixed
 * with `seed`, then MurmurHash3's `fmix32` finaliser (Appleby, 2011) so that nearby strings
 * (`c1`, `c2`) land far apart. Deterministic across platforms and runs; not for secrets.
 *
 * O(length). Example: `seededHash('c1', 1) === seededHash('c1', 1)`; `seededHash('c1', 2)` differs.
 */
export function seededHash(text: string, seed: number): number {
  let hash = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ 2166136261;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 16777619);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
