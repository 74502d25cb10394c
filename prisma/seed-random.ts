import { createHash } from 'node:crypto';
import { uuidv7Of } from '../src/modules/ids.js';

/**
 * Deterministic randomness for the demo data: the same seed gives the same data on every run and every
 * machine, so screenshots, docs and tests can rely on it. Never Math.random, never the clock.
 */
export type Rng = {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** True with the given probability. */
  chance(probability: number): boolean;
  /** `count` distinct items in random order. */
  sample<T>(items: readonly T[], count: number): T[];
  /** Picks by weight: `[[value, weight], ...]`. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T;
};

/** mulberry32: tiny, fast and good enough for demo data (not for anything secret). */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick() from an empty list');
    return items[int(0, items.length - 1)] as T;
  };
  return {
    next,
    int,
    pick,
    chance: (probability) => next() < probability,
    sample<T>(items: readonly T[], count: number) {
      const pool = [...items];
      const out: T[] = [];
      while (out.length < count && pool.length > 0) out.push(pool.splice(int(0, pool.length - 1), 1)[0] as T);
      return out;
    },
    weighted<T>(choices: readonly (readonly [T, number])[]) {
      const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [value, weight] of choices) {
        roll -= weight;
        if (roll < 0) return value;
      }
      return (choices[choices.length - 1] as readonly [T, number])[0];
    },
  };
}

/** An independent stream per named thing, so adding a session does not reshuffle all the others. */
export function rngFor(key: string): Rng {
  return createRng(createHash('sha256').update(key).digest().readUInt32LE(0));
}

/**
 * A UUIDv7 (time-ordered, like the database default) whose "random" bits come from a hash of `key`:
 * the ids are known before the insert, so related rows go in with `createMany`, and they are the same on
 * every run.
 */
export function demoUuid(key: string, at: Date): string {
  return uuidv7Of(createHash('sha256').update(`demo-seed:${key}`).digest(), at.getTime());
}
