/**
 * The PRNG: determinism, independent streams from split/foldIn, and the distributions. The
 * statistical checks use bounds of 6 standard errors computed from n, so a correct generator fails
 * one of them with probability ~1e-9 (and the draws are deterministic anyway: a fixed key gives a
 * fixed verdict).
 */
import { describe, expect, it } from 'vitest';
import {
  bernoulli,
  cpu,
  foldIn,
  key,
  normal,
  permutation,
  PRNGKey,
  randint,
  randomBits,
  split,
  uniform,
  withBackend,
} from './index.js';

const N = 20000;

function moments(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - mean) ** 2;
  return { mean, variance: q / v.length };
}

/** |x - want| <= 6 standard errors. */
function within6(x: number, want: number, se: number): void {
  expect(Math.abs(x - want), `${x} vs ${want} (6 se = ${6 * se})`).toBeLessThanOrEqual(6 * se);
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).every((v, i) => v === b[i]);

describe('keys', () => {
  it('the same key gives the same numbers; different seeds different ones', () => {
    const a = uniform(key(7), [64], { dtype: 'float64' }).dataSync();
    const b = uniform(key(7), [64], { dtype: 'float64' }).dataSync();
    const c = uniform(key(8), [64], { dtype: 'float64' }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(same(a, c)).toBe(false);
    expect(Array.from(randomBits(key(3), 5))).toEqual(Array.from(randomBits(key(3), 5)));
    expect(randomBits(key(3), 5).length).toBe(5);
  });

  it('seeds: negative, large and 0 are distinct keys; non-integers are refused', () => {
    const ks = [key(0), key(1), key(-1), key(2 ** 40), key(-(2 ** 40)), key(Number.MAX_SAFE_INTEGER)];
    const words = new Set(ks.map((k) => `${k.k0},${k.k1}`));
    expect(words.size).toBe(ks.length);
    expect(key(5)).toBeInstanceOf(PRNGKey);
    expect(() => key(1.5)).toThrow(/key: .*1.5/);
    expect(() => key(2 ** 60)).toThrow(/key/);
  });

  it('split and foldIn give distinct, deterministic keys and streams', () => {
    const k = key(42);
    const [a, b] = split(k);
    const again = split(k);
    expect([again[0]!.k0, again[0]!.k1, again[1]!.k0, again[1]!.k1]).toEqual([a!.k0, a!.k1, b!.k0, b!.k1]);
    expect(split(k, 5)).toHaveLength(5);
    const f1 = foldIn(k, 1);
    const f2 = foldIn(k, 2);
    expect(foldIn(k, 1)).toEqual(f1);
    const all = [k, a!, b!, f1, f2, ...split(k, 4), foldIn(a!, 1)];
    const streams = all.map((kk) => Array.from(uniform(kk, [16], { dtype: 'float64' }).dataSync()).join());
    // split(k, 4) starts with the same keys as split(k): drop those duplicates before counting
    expect(new Set(streams).size).toBe(all.length - 2);
    expect(() => split(k, 0)).toThrow(/split: n/);
    expect(() => foldIn(k, 0.5)).toThrow(/foldIn: .*0.5/);
    expect(() => uniform({ k0: 1, k1: 2 } as PRNGKey, [2])).toThrow(/uniform: expected a PRNGKey/);
  });

  it('streams from split keys are uncorrelated (|r| within 6 / sqrt(n))', () => {
    const [a, b] = split(key(3));
    const x = uniform(a!, [N], { dtype: 'float64' }).dataSync();
    const y = uniform(b!, [N], { dtype: 'float64' }).dataSync();
    const mx = moments(x);
    const my = moments(y);
    let c = 0;
    for (let i = 0; i < N; i++) c += (x[i]! - mx.mean) * (y[i]! - my.mean);
    const r = c / N / Math.sqrt(mx.variance * my.variance);
    within6(r, 0, 1 / Math.sqrt(N));
  });
});

describe('distributions', () => {
  it('uniform lies in [minval, maxval) with mean and variance of U(a, b)', () => {
    for (const [lo, hi] of [
      [0, 1],
      [-3, 5],
    ] as const) {
      const v = uniform(key(11), [N], { dtype: 'float64', minval: lo, maxval: hi }).dataSync();
      const w = hi - lo;
      expect(Array.from(v).every((x) => x >= lo && x < hi)).toBe(true);
      const { mean, variance } = moments(v);
      within6(mean, (lo + hi) / 2, Math.sqrt((w * w) / 12 / N));
      // Var(sample variance) ~ (mu4 - sigma^4) / n, with mu4 = w^4 / 80 for a uniform
      within6(variance, (w * w) / 12, Math.sqrt((w ** 4 / 80 - ((w * w) / 12) ** 2) / N));
    }
    expect(() => uniform(key(0), [2], { minval: 1, maxval: 1 })).toThrow(/uniform: minval 1/);
  });

  it('uniform float32 draws are the float64 draws cut to 24 bits (never rounding up to 1)', () => {
    const a = uniform(key(5), [4096], { dtype: 'float64' }).dataSync();
    const b = uniform(key(5), [4096]).dataSync();
    expect(b).toBeInstanceOf(Float32Array);
    const bad = Array.from(a).filter((x, i) => !(b[i]! <= x && x - b[i]! < 2 ** -24 && b[i]! < 1));
    expect(bad).toEqual([]);
  });

  it('normal has mean and variance of N(mu, sigma^2)', () => {
    const z = normal(key(21), [N], { dtype: 'float64' }).dataSync();
    const m = moments(z);
    within6(m.mean, 0, Math.sqrt(1 / N));
    within6(m.variance, 1, Math.sqrt(2 / N)); // mu4 - sigma^4 = 3 - 1
    const s = normal(key(22), [N], { dtype: 'float64', mean: 2, stddev: 3 }).dataSync();
    const ms = moments(s);
    within6(ms.mean, 2, Math.sqrt(9 / N));
    within6(ms.variance, 9, Math.sqrt((2 * 81) / N));
    // the tails exist but stay sane: about 0.27% beyond 3 sigma
    const beyond = Array.from(z).filter((x) => Math.abs(x) > 3).length / N;
    within6(beyond, 0.0027, Math.sqrt((0.0027 * (1 - 0.0027)) / N));
    expect(Array.from(z).every(Number.isFinite)).toBe(true);
  });

  it('normal float32 draws are the float64 draws rounded once', () => {
    const a = normal(key(9), [1001], { dtype: 'float64' }).dataSync();
    const b = normal(key(9), [1001]).dataSync();
    expect(b).toBeInstanceOf(Float32Array);
    expect(Array.from(b)).toEqual(Array.from(a, Math.fround));
  });

  it('bernoulli is true with frequency p', () => {
    for (const p of [0.1, 0.5, 0.83]) {
      const b = bernoulli(key(31), p, [N]);
      expect(b.dtype).toBe('bool');
      const d = b.dataSync();
      expect(Array.from(d).every((x) => x === 0 || x === 1)).toBe(true);
      const freq = Array.from(d).reduce((acc, x) => acc + x, 0) / N;
      within6(freq, p, Math.sqrt((p * (1 - p)) / N));
    }
    expect(Array.from(bernoulli(key(1), 0, [100]).dataSync()).every((x) => x === 0)).toBe(true);
    expect(Array.from(bernoulli(key(1), 1, [100]).dataSync()).every((x) => x === 1)).toBe(true);
    expect(() => bernoulli(key(1), 1.5, [2])).toThrow(/bernoulli: p/);
  });

  it('randint covers [minval, maxval) with roughly uniform counts', () => {
    const [lo, hi] = [-3, 5];
    const r = randint(key(41), [N], lo, hi);
    expect(r.dtype).toBe('int32');
    const counts = new Map<number, number>();
    const d = r.dataSync();
    expect(Array.from(d).every((v) => Number.isInteger(v) && v >= lo && v < hi)).toBe(true);
    for (const v of d) counts.set(v, (counts.get(v) ?? 0) + 1);
    const k = hi - lo;
    expect(counts.size).toBe(k);
    const p = 1 / k;
    for (const c of counts.values()) within6(c / N, p, Math.sqrt((p * (1 - p)) / N));
    expect(() => randint(key(1), [2], 3, 3)).toThrow(/randint/);
    expect(() => randint(key(1), [2], 0, 2.5)).toThrow(/randint/);
  });

  it('permutation is a permutation of 0..n-1, different for different keys', () => {
    for (const n of [0, 1, 2, 17, 100]) {
      const p = permutation(key(n), n);
      expect(p.dtype).toBe('int32');
      expect(p.shape).toEqual([n]);
      expect(Array.from(p.dataSync()).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    const a = permutation(key(1), 50).dataSync();
    const b = permutation(key(2), 50).dataSync();
    expect(same(a, b)).toBe(false);
    expect(same(a, permutation(key(1), 50).dataSync())).toBe(true);
    // every position takes every value about equally often over many keys
    const n = 4;
    const trials = 4000;
    const first = new Array<number>(n).fill(0);
    for (let t = 0; t < trials; t++) first[permutation(foldIn(key(0), t), n).dataSync()[0]!]!++;
    for (const c of first) within6(c / trials, 1 / n, Math.sqrt(((1 / n) * (1 - 1 / n)) / trials));
  });

  it('shapes and dtypes: float draws refuse int dtypes; empty shapes work', () => {
    expect(uniform(key(0), [2, 0, 3]).shape).toEqual([2, 0, 3]);
    expect(normal(key(0), []).shape).toEqual([]);
    expect(normal(key(0), [3], { dtype: 'float64' }).dtype).toBe('float64');
    expect(() => normal(key(0), [2], { dtype: 'bool' })).toThrow(/normal: dtype/);
    expect(() => uniform(key(0), [-1])).toThrow(/uniform: shape/);
  });
});

describe('backends', () => {
  it('gives the same numbers on a second cpu() instance, via withBackend or the backend option', () => {
    const k = key(123);
    const here = uniform(k, [8], { dtype: 'float64' });
    const other = cpu();
    const there = withBackend(other, () => uniform(k, [8], { dtype: 'float64' }));
    expect(there.backend).toBe(other);
    expect(here.backend).not.toBe(other);
    expect(Array.from(there.dataSync())).toEqual(Array.from(here.dataSync()));
    const viaOption = normal(k, [5], { backend: other });
    expect(viaOption.backend).toBe(other);
    expect(Array.from(viaOption.dataSync())).toEqual(Array.from(normal(k, [5]).dataSync()));
    const p = withBackend(other, () => permutation(k, 10));
    expect(p.backend).toBe(other);
    expect(Array.from(p.dataSync())).toEqual(Array.from(permutation(k, 10).dataSync()));
    expect(randint(k, [4], 0, 9, { backend: other }).backend).toBe(other);
    expect(bernoulli(k, 0.5, [4], { backend: other }).backend).toBe(other);
  });
});
