// A small seeded PRNG (mulberry32) for the crash suite, so a failing run replays with its seed.

/** Pure given its seed: the same seed yields the same sequence. */
export function createRandom(seed: number): {
  next: () => number;
  int: (min: number, max: number) => number;
} {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}
