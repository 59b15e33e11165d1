/**
 * Counter-based, splittable pseudo-random numbers (as in JAX). A key is two 32-bit words; every
 * number is a pure function of (key, position) computed on the host with Threefry-2x32 (20 rounds,
 * Salmon et al., SC 2011), so the same key gives the same numbers on every backend.
 */
import { getBackend } from './backend.js';
import { allocArray, checkDType, DEFAULT_DTYPE, type DType } from './dtype.js';
import { fromHost, type CreationOptions } from './ops/creation.js';
import { checkShape, sizeOf } from './shape.js';
import type { Tensor } from './tensor.js';

/** A PRNG key. Make one with `key(seed)`; derive others with `split` and `foldIn`; never reuse one for two draws. */
export class PRNGKey {
  /** @internal Use `key(seed)`. */
  constructor(
    readonly k0: number,
    readonly k1: number,
  ) {}
  /** The two key words, for display or serialisation. */
  toString(): string {
    return `PRNGKey(${this.k0}, ${this.k1})`;
  }
}

const ROT = [13, 15, 26, 6, 17, 29, 16, 24];
const SPLIT = 0x53504c54; // counter domains keep split, foldIn and draws apart
const FOLD = 0x464f4c44;

/** Threefry-2x32 with 20 rounds: encrypts the counter (c0, c1) under the key. */
function threefry(k: PRNGKey, c0: number, c1: number, out: Uint32Array, at: number): void {
  const ks = [k.k0 >>> 0, k.k1 >>> 0, (k.k0 ^ k.k1 ^ 0x1bd11bda) >>> 0];
  let x0 = (c0 + ks[0]!) >>> 0;
  let x1 = (c1 + ks[1]!) >>> 0;
  for (let r = 0; r < 20; r++) {
    x0 = (x0 + x1) >>> 0;
    const s = ROT[r % 8]!;
    x1 = ((x1 << s) | (x1 >>> (32 - s))) >>> 0;
    x1 = (x1 ^ x0) >>> 0;
    if (r % 4 === 3) {
      const i = (r + 1) / 4;
      x0 = (x0 + ks[i % 3]!) >>> 0;
      x1 = (x1 + ks[(i + 1) % 3]! + i) >>> 0;
    }
  }
  out[at] = x0;
  out[at + 1] = x1;
}

function checkKey(op: string, k: unknown): asserts k is PRNGKey {
  if (!(k instanceof PRNGKey))
    throw new TypeError(`${op}: expected a PRNGKey from key(seed), got ${typeof k}`);
}

/** A key from an integer seed (up to 2^53). */
export function key(seed: number): PRNGKey {
  if (!Number.isSafeInteger(seed)) throw new TypeError(`key: seed must be a safe integer, got ${seed}`);
  const hi = Math.floor(Math.abs(seed) / 2 ** 32) + (seed < 0 ? 0x80000000 : 0);
  return new PRNGKey(hi >>> 0, Math.abs(seed) >>> 0);
}

/**
 * The key with words `k0` and `k1` (each an integer in [0, 2^32)), as `PRNGKey.k0`/`k1` hold them:
 * how a serialised key (a checkpoint's, say) comes back.
 *
 * @example
 * ```ts
 * import { key, keyFromWords, uniform } from '@gen-ts/core';
 * const k = key(7);
 * const again = keyFromWords(k.k0, k.k1);
 * console.log(uniform(again, [2]).toArray(), uniform(k, [2]).toArray()); // the same numbers
 * ```
 */
export function keyFromWords(k0: number, k1: number): PRNGKey {
  for (const [name, w] of [
    ['k0', k0],
    ['k1', k1],
  ] as const)
    if (!Number.isInteger(w) || w < 0 || w >= 2 ** 32)
      throw new RangeError(`keyFromWords: ${name} must be an integer in [0, 2^32), got ${w}`);
  return new PRNGKey(k0, k1);
}

/** `n` new independent keys derived from `k` (default 2). */
export function split(k: PRNGKey, n = 2): PRNGKey[] {
  checkKey('split', k);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`split: n must be a positive integer, got ${n}`);
  const w = new Uint32Array(2);
  return Array.from({ length: n }, (_, i) => {
    threefry(k, i, SPLIT, w, 0);
    return new PRNGKey(w[0]!, w[1]!);
  });
}

/** A new key derived from `k` and an integer (e.g. a step or a worker index). */
export function foldIn(k: PRNGKey, data: number): PRNGKey {
  checkKey('foldIn', k);
  if (!Number.isInteger(data)) throw new TypeError(`foldIn: data must be an integer, got ${data}`);
  const w = new Uint32Array(2);
  threefry(k, data >>> 0, FOLD, w, 0);
  return new PRNGKey(w[0]!, w[1]!);
}

/** `n` random 32-bit words for key `k`. */
export function randomBits(k: PRNGKey, n: number): Uint32Array {
  checkKey('randomBits', k);
  const out = new Uint32Array(n + (n % 2));
  for (let j = 0; j < out.length; j += 2) threefry(k, j / 2, 0, out, j);
  return n % 2 ? out.subarray(0, n) : out;
}

/** `n` uniform doubles in [0, 1) with 53 random bits each. */
function uniform01(k: PRNGKey, n: number): Float64Array {
  const bits = randomBits(k, 2 * n);
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++)
    u[i] = ((bits[2 * i]! >>> 5) * 67108864 + (bits[2 * i + 1]! >>> 6)) / 9007199254740992;
  return u;
}

function floatOpts(
  op: string,
  options: CreationOptions | undefined,
): { dtype: DType; backend: ReturnType<typeof getBackend> } {
  const dtype = options?.dtype === undefined ? DEFAULT_DTYPE : checkDType(options.dtype, op);
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new TypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  return { dtype, backend: options?.backend ?? getBackend() };
}

/** Uniform samples in `[minval, maxval)` (default [0, 1)). */
export function uniform(
  k: PRNGKey,
  shape: readonly number[],
  options?: CreationOptions & { minval?: number; maxval?: number },
): Tensor {
  checkKey('uniform', k);
  const s = checkShape('uniform', shape);
  const { dtype, backend } = floatOpts('uniform', options);
  const lo = options?.minval ?? 0;
  const hi = options?.maxval ?? 1;
  if (!(lo < hi)) throw new RangeError(`uniform: minval ${lo} must be below maxval ${hi}`);
  const u = uniform01(k, sizeOf(s));
  const a = allocArray(dtype, u.length);
  // float32 keeps 24 bits so that [0, 1) cannot round up to 1
  const q = dtype === 'float32' ? 2 ** 24 : 0;
  for (let i = 0; i < u.length; i++) a[i] = lo + (hi - lo) * (q ? Math.floor(u[i]! * q) / q : u[i]!);
  return fromHost(a, s, dtype, backend);
}

/** Standard normal samples (Box-Muller on 53-bit uniforms), times `stddev` plus `mean`. */
export function normal(
  k: PRNGKey,
  shape: readonly number[],
  options?: CreationOptions & { mean?: number; stddev?: number },
): Tensor {
  checkKey('normal', k);
  const s = checkShape('normal', shape);
  const { dtype, backend } = floatOpts('normal', options);
  const n = sizeOf(s);
  const u = uniform01(k, n + (n % 2));
  const a = allocArray(dtype, n);
  const mu = options?.mean ?? 0;
  const sd = options?.stddev ?? 1;
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i]!)); // 1 - u is in (0, 1]
    const th = 2 * Math.PI * u[i + 1]!;
    a[i] = mu + sd * r * Math.cos(th);
    if (i + 1 < n) a[i + 1] = mu + sd * r * Math.sin(th);
  }
  return fromHost(a, s, dtype, backend);
}

/** `bool` samples that are true with probability `p`. */
export function bernoulli(
  k: PRNGKey,
  p: number,
  shape: readonly number[],
  options?: Pick<CreationOptions, 'backend'>,
): Tensor {
  checkKey('bernoulli', k);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli: p must be in [0, 1], got ${p}`);
  const s = checkShape('bernoulli', shape);
  const u = uniform01(k, sizeOf(s));
  const a = new Uint8Array(u.length);
  for (let i = 0; i < u.length; i++) a[i] = u[i]! < p ? 1 : 0;
  return fromHost(a, s, 'bool', options?.backend ?? getBackend());
}

/** Uniform `int32` samples in `[minval, maxval)`. */
export function randint(
  k: PRNGKey,
  shape: readonly number[],
  minval: number,
  maxval: number,
  options?: Pick<CreationOptions, 'backend'>,
): Tensor {
  checkKey('randint', k);
  if (!Number.isInteger(minval) || !Number.isInteger(maxval) || minval >= maxval) {
    throw new RangeError(`randint: need integers minval < maxval, got ${minval}, ${maxval}`);
  }
  const s = checkShape('randint', shape);
  const u = uniform01(k, sizeOf(s));
  const a = new Int32Array(u.length);
  for (let i = 0; i < u.length; i++) a[i] = minval + Math.floor(u[i]! * (maxval - minval));
  return fromHost(a, s, 'int32', options?.backend ?? getBackend());
}

/** A random permutation of `0..n-1` as `int32` (Fisher-Yates). */
export function permutation(k: PRNGKey, n: number, options?: Pick<CreationOptions, 'backend'>): Tensor {
  checkKey('permutation', k);
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`permutation: n must be a non-negative integer, got ${n}`);
  const u = uniform01(k, n);
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return fromHost(a, [n], 'int32', options?.backend ?? getBackend());
}
