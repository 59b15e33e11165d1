/**
 * The cpu backend's movement and layout kernels: transpose, broadcast, slice, pad, concat, take,
 * scatter-add and cast. Each reads its operand as a contiguous array (a swapped view is copied
 * once) and writes a new array from the backend's allocator; reshape and the last-two-axes swap
 * share buffers and stay in the backend.
 */
import { checkIndices, type TensorInfo } from '../backend.js';
import { allocArray, type DType, type TypedArray } from '../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import { broadcastIndex, offsets } from './index-math.js';
import type { Alloc } from './pool.js';
import { transposeInto } from './transpose.js';
import { contiguous } from './views.js';

/** `x` with its axes permuted (output axis `d` is input axis `perm[d]`), as a new array. */
export function transposeCpu(x: TensorInfo, perm: readonly number[], alloc: Alloc): TypedArray {
  const xs = contiguous(x);
  const res = alloc(x.dtype, xs.length, false); // every element is written
  transposeInto(res, xs, x.shape, perm);
  return res;
}

/** `x` repeated along its size-1 and new leading axes to `shape`. */
export function broadcastToCpu(x: TensorInfo, shape: Shape, alloc: Alloc): TypedArray {
  const idx = broadcastIndex(x.shape, shape);
  if (!idx) return contiguous(x).slice();
  const xs = contiguous(x);
  const res = alloc(x.dtype, idx.length);
  for (let i = 0; i < idx.length; i++) res[i] = xs[idx[i]!]!;
  return res;
}

/** The block of `x` of extent `size` from `begin`. */
export function sliceCpu(x: TensorInfo, begin: readonly number[], size: readonly number[]): TypedArray {
  const s = stridesOf(x.shape);
  let base = 0;
  for (let d = 0; d < begin.length; d++) base += begin[d]! * s[d]!;
  return gatherOffsets(x, size, s, base);
}

/** `x` with `widths[d]` elements of `value` before and after it along each axis `d`. */
export function padCpu(
  x: TensorInfo,
  widths: readonly (readonly [number, number])[],
  value: number,
  alloc: Alloc,
): TypedArray {
  const outShape = x.shape.map((d, i) => d + widths[i]![0] + widths[i]![1]);
  const res = alloc(x.dtype, sizeOf(outShape)).fill(value);
  const os = stridesOf(outShape);
  let base = 0;
  for (let d = 0; d < widths.length; d++) base += widths[d]![0] * os[d]!;
  const dst = offsets(x.shape, os, base);
  const xs = contiguous(x);
  for (let i = 0; i < xs.length; i++) res[dst[i]!] = xs[i]!;
  return res;
}

/** `xs` joined along `axis` into shape `out`: one contiguous run per operand and outer index. */
export function concatCpu(xs: readonly TensorInfo[], axis: number, out: Shape, alloc: Alloc): TypedArray {
  const res = alloc(xs[0]!.dtype, sizeOf(out));
  const outer = sizeOf(out.slice(0, axis));
  const rowOut = sizeOf(out.slice(axis));
  let col = 0;
  for (const x of xs) {
    const src = contiguous(x);
    const row = sizeOf(x.shape.slice(axis));
    for (let o = 0; o < outer; o++) res.set(src.subarray(o * row, (o + 1) * row), o * rowOut + col);
    col += row;
  }
  return res;
}

/** The slices of `x` at `indices` along `axis`, in their order (indices checked first). */
export function takeCpu(
  x: TensorInfo,
  indices: TensorInfo,
  axis: number,
  out: Shape,
  alloc: Alloc,
): TypedArray {
  const xs = contiguous(x);
  const idx = contiguous(indices);
  const n = x.shape[axis]!;
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const res = alloc(x.dtype, sizeOf(out));
  checkIndices('take', idx, n);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (let j = 0; j < idx.length; j++) {
      const src = (a * n + idx[j]!) * inner;
      for (let i = 0; i < inner; i++) res[o++] = xs[src + i]!;
    }
  }
  return res;
}

/** Zeros of shape `out` with each slice of `updates` added at its index along `axis` (take's transpose). */
export function scatterAddCpu(
  indices: TensorInfo,
  updates: TensorInfo,
  axis: number,
  out: Shape,
  alloc: Alloc,
): TypedArray {
  const us = contiguous(updates);
  const idx = contiguous(indices);
  const n = out[axis]!;
  const outer = sizeOf(out.slice(0, axis));
  const inner = sizeOf(out.slice(axis + 1));
  const res = alloc(updates.dtype, sizeOf(out));
  checkIndices('scatterAdd', idx, n);
  let u = 0;
  for (let a = 0; a < outer; a++) {
    for (let j = 0; j < idx.length; j++) {
      const dst = (a * n + idx[j]!) * inner;
      for (let i = 0; i < inner; i++) res[dst + i] += us[u++]!;
    }
  }
  return res;
}

/** `x` converted to `dtype`: bool is `x != 0`, int32 as `toInt32`, floats by the typed array's store. */
export function castCpu(x: TensorInfo, dtype: DType, alloc: Alloc): TypedArray {
  const xs = contiguous(x);
  const res = alloc(dtype, xs.length);
  if (dtype === 'bool') for (let i = 0; i < xs.length; i++) res[i] = xs[i] !== 0 ? 1 : 0;
  else if (dtype === 'int32') for (let i = 0; i < xs.length; i++) res[i] = toInt32(xs[i]!);
  else res.set(xs);
  return res;
}

/**
 * Float to int32 as `cast` defines it: truncation toward zero, NaN to 0, and values beyond the
 * int32 range saturating to its ends (as XLA and WebAssembly's saturating truncation do; a plain
 * store into an Int32Array would wrap 3e9 to -1294967296 and turn infinities into 0).
 */
function toInt32(v: number): number {
  if (v !== v) return 0;
  if (v >= 2147483647) return 2147483647;
  if (v <= -2147483648) return -2147483648;
  return Math.trunc(v);
}

/** Copies the elements at `offsets(shape, strides, base)` of `x` into a new contiguous array. */
function gatherOffsets(x: TensorInfo, shape: Shape, strides: readonly number[], base = 0): TypedArray {
  const src = offsets(shape, strides, base);
  const xs = contiguous(x);
  const res = allocArray(x.dtype, src.length);
  for (let i = 0; i < src.length; i++) res[i] = xs[src[i]!]!;
  return res;
}
