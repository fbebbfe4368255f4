/**
 * Deterministic pseudo-random numbers for the seed.
 *
 * Everything the seed generates is driven by an {@link Rng} created from a seed value, so the
 * same seed always yields the same city. `mulberry32` is a small, fast 32-bit generator with a
 * full 2^32 period; it is not cryptographic and must never be used for secrets.
 */

/** A source of uniformly distributed numbers in [0, 1). */
export type RandomSource = () => number;

/** `mulberry32` (Tommy Ettinger): returns a generator of floats in [0, 1). */
export function mulberry32(seed: number): RandomSource {
  if (!Number.isFinite(seed)) throw new RangeError(`mulberry32: seed must be a finite number, got ${seed}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a hash of a string (UTF-16 code units); used to turn labels into seeds. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A weighted choice: `[value, weight]`; weights are relative, need not sum to 1. */
export type Weighted<T> = readonly [value: T, weight: number];

export interface Rng {
  /** The seed this generator was created from (after hashing, for string seeds). */
  readonly seed: number;
  /** Uniform float in [0, 1). Safe to pass around unbound (`rng.next`). */
  next(): number;
  /** Uniform float in [min, max). */
  float(min: number, max: number): number;
  /** Uniform integer in [min, max], both ends inclusive. */
  int(min: number, max: number): number;
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** An element chosen with probability proportional to its weight. */
  weighted<T>(items: readonly Weighted<T>[]): T;
  /** True with probability `p` (0 ≤ p ≤ 1). */
  chance(p: number): boolean;
  /** A new array with the items in random order (Fisher–Yates); the input is not modified. */
  shuffle<T>(items: readonly T[]): T[];
  /**
   * An independent generator derived from this generator's seed and a label. Forking by label
   * keeps streams stable: adding draws to one generator does not shift the numbers of another.
   */
  fork(label: string): Rng;
}

/** Creates a deterministic {@link Rng}. String seeds are hashed with FNV-1a. */
export function createRng(seed: number | string): Rng {
  if (typeof seed === 'number' && !Number.isFinite(seed)) {
    throw new RangeError(`createRng: seed must be a finite number or a string, got ${seed}`);
  }
  const numericSeed = typeof seed === 'string' ? hashString(seed) : seed >>> 0;
  const next = mulberry32(numericSeed);

  const int = (min: number, max: number): number => {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) {
      throw new RangeError(`rng.int: bounds must be safe integers, got ${min} and ${max}`);
    }
    if (min > max) throw new RangeError(`rng.int: min (${min}) must not exceed max (${max})`);
    return min + Math.floor(next() * (max - min + 1));
  };

  const rng: Rng = {
    seed: numericSeed,
    next,
    float(min, max) {
      if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
        throw new RangeError(`rng.float: need finite min <= max, got ${min} and ${max}`);
      }
      return min + next() * (max - min);
    },
    int,
    pick(items) {
      if (items.length === 0) throw new RangeError('rng.pick: cannot pick from an empty array');
      return items[Math.floor(next() * items.length)];
    },
    weighted(items) {
      if (items.length === 0) throw new RangeError('rng.weighted: cannot choose from an empty list');
      let total = 0;
      for (const [, weight] of items) {
        if (!Number.isFinite(weight) || weight < 0) {
          throw new RangeError(`rng.weighted: weights must be finite and >= 0, got ${weight}`);
        }
        total += weight;
      }
      if (total <= 0) throw new RangeError('rng.weighted: at least one weight must be positive');
      let target = next() * total;
      for (const [value, weight] of items) {
        if (target < weight) return value;
        target -= weight;
      }
      // Floating-point leftovers: fall back to the last item with a positive weight.
      let lastPositive = items[0][0];
      for (const [value, weight] of items) if (weight > 0) lastPositive = value;
      return lastPositive;
    },
    chance(p) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`rng.chance: p must be within [0, 1], got ${p}`);
      return next() < p;
    },
    shuffle(items) {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
    fork(label) {
      return createRng(hashString(`${numericSeed}:${label}`));
    },
  };
  return rng;
}
