/**
 * The cpu backend's reductions: sum, prod and max over a set of axes (accumulated in float64, so
 * a float32 sum rounds once, on store), and argmax along one axis (the first maximum; NaN wins).
 */
import type { ReduceOp, TensorInfo } from '../backend.js';
import type { TypedArray } from '../dtype.js';
import { sizeOf, stridesOf } from '../shape.js';
import { offsets } from './index-math.js';
import type { Alloc } from './pool.js';
import { contiguous } from './views.js';

/** `op` of `x` over `axes` (ascending), the reduced axes dropped from the shape. */
export function reduceCpu(op: ReduceOp, x: TensorInfo, axes: readonly number[], alloc: Alloc): TypedArray {
  const xs = contiguous(x);
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const res = alloc(x.dtype, sizeOf(outShape));
  const init = op === 'sum' ? 0 : op === 'prod' ? 1 : -Infinity;
  if (res.length === 0) return res;
  const acc = new Float64Array(res.length).fill(init);
  // Output offset of every input position: output strides, zero on the reduced axes.
  const ostr = stridesOf(outShape);
  const strides: number[] = [];
  let k = 0;
  for (let d = 0; d < x.shape.length; d++) strides.push(axes.includes(d) ? 0 : ostr[k++]!);
  if (res.length === 1) {
    let v = init;
    if (op === 'sum') v = sumAll(xs);
    else if (op === 'prod') for (let i = 0; i < xs.length; i++) v *= xs[i]!;
    else for (let i = 0; i < xs.length; i++) v = Math.max(v, xs[i]!);
    acc[0] = v;
  } else if (axes[axes.length - 1]! - axes[0]! === axes.length - 1) {
    // one block of adjacent axes: x is [outer, r, inner] and the result [outer, inner]; the
    // loops visit x in storage order, as the general case does, so sums round the same way
    const outer = sizeOf(x.shape.slice(0, axes[0]));
    const r = sizeOf(x.shape.slice(axes[0], axes[axes.length - 1]! + 1));
    const inner = res.length / outer;
    for (let o = 0, i = 0; o < outer; o++) {
      const a0 = o * inner;
      for (let j = 0; j < r; j++) {
        if (op === 'sum') for (let q = a0; q < a0 + inner; q++) acc[q] += xs[i++]!;
        else if (op === 'prod') for (let q = a0; q < a0 + inner; q++) acc[q] *= xs[i++]!;
        else for (let q = a0; q < a0 + inner; q++) acc[q] = Math.max(acc[q]!, xs[i++]!);
      }
    }
  } else {
    const oi = offsets(x.shape, strides);
    if (op === 'sum') for (let i = 0; i < xs.length; i++) acc[oi[i]!] += xs[i]!;
    else if (op === 'prod') for (let i = 0; i < xs.length; i++) acc[oi[i]!] *= xs[i]!;
    else for (let i = 0; i < xs.length; i++) acc[oi[i]!] = Math.max(acc[oi[i]!]!, xs[i]!);
  }
  res.set(acc);
  return res;
}

/** The index of the first maximum of `x` along `axis` (a NaN beats every number), as int32. */
export function argmaxCpu(x: TensorInfo, axis: number): Int32Array {
  const xs = contiguous(x);
  const n = x.shape[axis]!;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outer = sizeOf(x.shape.slice(0, axis));
  const res = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = 0;
      let bv = xs[base]!;
      for (let j = 1; j < n; j++) {
        const v = xs[base + j * inner]!;
        if (v > bv || (v !== v && bv === bv)) {
          bv = v;
          best = j;
        }
      }
      res[o * inner + i] = best;
    }
  }
  return res;
}

/**
 * The float64 sum of every element in four interleaved chains, combined as `(s0 + s1) + (s2 + s3)`:
 * one chain waits out each add's latency (a full sum of 100k elements took 200 µs, about 4x what
 * four take). NaN and infinities come out as in one chain: `inf + -inf` is NaN in any order.
 */
function sumAll(xs: TypedArray): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = xs.length;
  const n4 = n - (n % 4);
  let i = 0;
  for (; i < n4; i += 4) {
    s0 += xs[i]!;
    s1 += xs[i + 1]!;
    s2 += xs[i + 2]!;
    s3 += xs[i + 3]!;
  }
  for (; i < n; i++) s0 += xs[i]!;
  return s0 + s1 + (s2 + s3);
}
