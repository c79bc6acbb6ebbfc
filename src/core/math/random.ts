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
