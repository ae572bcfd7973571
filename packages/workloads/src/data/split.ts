/** A small, fast seeded PRNG (mulberry32); same seed → same stream on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, seed: number): Uint32Array {
  const rand = mulberry32(seed);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i] ?? 0;
    p[i] = p[j] ?? 0;
    p[j] = t;
  }
  return p;
}

export interface Split {
  readonly train: Uint32Array;
  readonly validation: Uint32Array;
}

/**
 * Keras' `validation_split`: the LAST `fraction` of the rows (no shuffling) are held out. With `seed`, the rows are
 * permuted first (deterministically) and the tail of the permutation is held out instead.
 */
export function validationSplit(n: number, fraction: number, seed?: number): Split {
  const order = seed === undefined ? Uint32Array.from({ length: n }, (_, i) => i) : permutation(n, seed);
  const nVal = Math.floor(n * fraction);
  return { train: order.slice(0, n - nVal), validation: order.slice(n - nVal) };
}
