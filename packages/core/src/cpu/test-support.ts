/**
 * What the cpu kernel tests share: a backend, host-side upload/read, row-major index helpers, the
 * shape and value generators, and the float64/float32 comparisons (see `cpu-backend.test.ts`).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { TensorInfo } from '../backend.js';
import type { DType, TypedArray } from '../dtype.js';
import { cpu } from './cpu-backend.js';

export const be = cpu();

/** A kernel input: uploads `values` as `dtype`. */
export function info(values: ArrayLike<number>, shape: number[], dtype: DType = 'float64'): TensorInfo {
  const arr =
    dtype === 'float64'
      ? Float64Array.from(values)
      : dtype === 'float32'
        ? Float32Array.from(values)
        : dtype === 'int32'
          ? Int32Array.from(values)
          : Uint8Array.from(values);
  return { shape, dtype, buf: be.upload(arr, shape, dtype) };
}

export function read(buf: unknown, shape: number[], dtype: DType): TypedArray {
  return be.readSync!({ shape, dtype, buf });
}

export const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Row-major multi-index of flat position `i`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d]! + idx[d]!;
  return f;
}

/** The flat position in `shape` read for output multi-index `idx` under broadcasting. */
export function bcastRead(idx: readonly number[], shape: readonly number[]): number {
  const off = idx.length - shape.length;
  return ravel(
    shape.map((d, k) => (d === 1 ? 0 : idx[k + off]!)),
    shape,
  );
}

export function bcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[i - n + a.length] ?? 1;
    const y = b[i - n + b.length] ?? 1;
    return x === 1 ? y : x;
  });
}

export function randValues(n: number, seed: number, lo = -2, hi = 2): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}

/** Two shapes that broadcast: `b` is `a` with some axes set to 1 and some leading axes dropped. */
export const bcastPair = fc
  .array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 })
  .chain((a) =>
    fc.tuple(
      fc.constant(a),
      fc.array(fc.boolean(), { minLength: a.length, maxLength: a.length }),
      fc.nat(a.length),
      fc.boolean(),
    ),
  )
  .map(([a, ones, drop, swap]) => {
    const b = a.map((d, i) => (ones[i] ? 1 : d)).slice(drop);
    return swap ? [b, a] : [a, b];
  });

export const shapeArb = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 });

export function close64(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  scale: ArrayLike<number> = want,
): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (Number.isNaN(w)) expect(g).toBeNaN();
    else if (!Number.isFinite(w)) expect(g).toBe(w);
    else
      expect(Math.abs(g - w), `[${i}] ${g} vs ${w}`).toBeLessThanOrEqual(
        1e-12 * (Math.abs(scale[i]!) + 1e-300),
      );
  }
}

/** float32 = the exact (float64) result rounded once: within half an ulp of float32. */
export function roundedOnce(got: ArrayLike<number>, exact: ArrayLike<number>): void {
  for (let i = 0; i < exact.length; i++) {
    const e = exact[i]!;
    if (!Number.isFinite(e)) continue;
    expect(Math.abs(got[i]! - e), `[${i}] ${got[i]} vs ${e}`).toBeLessThanOrEqual(
      2 ** -24 * Math.abs(e) * (1 + 1e-9),
    );
  }
}
