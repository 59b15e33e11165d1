/**
 * The reference backend: plain loops over typed arrays, float64 and float32 (computed in double
 * precision, rounded once on store), int32 and bool. Every test of the math runs here in float64.
 */
import {
  checkIndices,
  type Backend,
  type BinaryOp,
  type CompareOp,
  type ReduceOp,
  type TensorInfo,
  type UnaryOp,
} from '../backend.js';
import { allocArray, DTYPES, type DType, type TypedArray } from '../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import { broadcastIndex, offsets } from './index-math.js';
import { binaryLoop, unaryLoop, type BinaryPattern } from './kernels.js';

function arr(x: TensorInfo): TypedArray {
  return x.buf as TypedArray;
}

/** Applies `op` elementwise over `a` and `b` broadcast to `out`, writing into `res` (of `outDtype`). */
function zip(
  res: TypedArray,
  outDtype: DType,
  op: BinaryOp | CompareOp,
  a: TensorInfo,
  b: TensorInfo,
  out: Shape,
): TypedArray {
  const xa = arr(a);
  const xb = arr(b);
  const n = res.length;
  let pattern: BinaryPattern = 'index';
  let m = 0;
  if (xa.length === n && xb.length === n) pattern = 'same';
  else if (xa.length === n && xb.length === 1) pattern = 'scalarB';
  else if (xa.length === 1 && xb.length === n) pattern = 'scalarA';
  else if (xa.length === n && isSuffix(b.shape, out)) [pattern, m] = ['rowB', xb.length];
  else if (xb.length === n && isSuffix(a.shape, out)) [pattern, m] = ['rowA', xa.length];
  const ia = pattern === 'index' ? broadcastIndex(a.shape, out) : null;
  const ib = pattern === 'index' ? broadcastIndex(b.shape, out) : null;
  binaryLoop(op, a.dtype, outDtype, pattern)(res, xa, xb, ia, ib, n, m);
  return res;
}

/** True when `shape`, leading 1s dropped, equals the trailing dims of `out` (it repeats along the rest). */
function isSuffix(shape: Shape, out: Shape): boolean {
  let s = 0;
  while (s < shape.length && shape[s] === 1) s++;
  const k = shape.length - s;
  if (k === 0) return false;
  for (let i = 0; i < k; i++) if (shape[s + i] !== out[out.length - k + i]) return false;
  return true;
}

/** Creates the float64/float32 reference backend. */
export function cpu(): Backend {
  return new CpuBackend();
}

class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly dtypes: readonly DType[] = DTYPES;

  upload(values: TypedArray): unknown {
    return values;
  }
  read(x: TensorInfo): Promise<TypedArray> {
    return Promise.resolve(arr(x).slice());
  }
  readSync(x: TensorInfo): TypedArray {
    return arr(x).slice();
  }

  unary(op: UnaryOp, x: TensorInfo): unknown {
    const xs = arr(x);
    const res = allocArray(x.dtype, xs.length);
    unaryLoop(op, x.dtype)(res, xs, xs.length);
    return res;
  }

  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    return zip(allocArray(a.dtype, sizeOf(out)), a.dtype, op, a, b, out);
  }

  compare(op: CompareOp, a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    return zip(allocArray('bool', sizeOf(out)), 'bool', op, a, b, out);
  }

  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    const n = sizeOf(out);
    const [xc, xa, xb] = [arr(cond), arr(a), arr(b)];
    if (xc.length === 1 && n > 0) {
      // One decision for every element (a guard that keeps or replaces a whole tensor): the chosen
      // operand itself (buffers are immutable, so it can be shared, as reshape does), broadcast if
      // it must be, without the index arrays of the general loop.
      const pick = xc[0] ? a : b;
      return sizeOf(pick.shape) === n ? arr(pick) : this.broadcastTo(pick, out);
    }
    const res = allocArray(a.dtype, n);
    const ic = broadcastIndex(cond.shape, out);
    const ia = broadcastIndex(a.shape, out);
    const ib = broadcastIndex(b.shape, out);
    for (let i = 0; i < n; i++) {
      res[i] = xc[ic ? ic[i]! : i] ? xa[ia ? ia[i]! : i]! : xb[ib ? ib[i]! : i]!;
    }
    return res;
  }

  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): unknown {
    const xs = arr(x);
    const outShape = x.shape.filter((_, i) => !axes.includes(i));
    const res = allocArray(x.dtype, sizeOf(outShape));
    const init = op === 'sum' ? 0 : op === 'prod' ? 1 : -Infinity;
    if (res.length === 0) return res;
    // Accumulate in a float64 scratch array, so float32 sums round once.
    const acc = new Float64Array(res.length).fill(init);
    // Output offset of every input position: output strides, zero on the reduced axes.
    const ostr = stridesOf(outShape);
    const strides: number[] = [];
    let k = 0;
    for (let d = 0; d < x.shape.length; d++) strides.push(axes.includes(d) ? 0 : ostr[k++]!);
    if (res.length === 1) {
      let v = init;
      if (op === 'sum') for (let i = 0; i < xs.length; i++) v += xs[i]!;
      else if (op === 'prod') for (let i = 0; i < xs.length; i++) v *= xs[i]!;
      else for (let i = 0; i < xs.length; i++) v = Math.max(v, xs[i]!);
      acc[0] = v;
    } else {
      const oi = offsets(x.shape, strides);
      if (op === 'sum') for (let i = 0; i < xs.length; i++) acc[oi[i]!] += xs[i]!;
      else if (op === 'prod') for (let i = 0; i < xs.length; i++) acc[oi[i]!] *= xs[i]!;
      else for (let i = 0; i < xs.length; i++) acc[oi[i]!] = Math.max(acc[oi[i]!]!, xs[i]!);
    }
    res.set(acc);
    return res;
  }

  argmax(x: TensorInfo, axis: number): unknown {
    const xs = arr(x);
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

  matmul(a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    const xa = arr(a);
    const xb = arr(b);
    const r = out.length;
    const m = out[r - 2]!;
    const n = out[r - 1]!;
    const k = a.shape[a.shape.length - 1]!;
    const batch = out.slice(0, r - 2);
    const nb = sizeOf(batch);
    const ia = broadcastIndex(a.shape.slice(0, -2), batch);
    const ib = broadcastIndex(b.shape.slice(0, -2), batch);
    const res = allocArray(a.dtype, nb * m * n);
    // Float64 copies of A and of B transposed: every dot product then reads two contiguous rows
    // of one monomorphic array type, and sums in double precision.
    const at = new Float64Array(m * k);
    const bt = new Float64Array(k * n);
    const c = new Float64Array(m * n);
    for (let t = 0; t < nb; t++) {
      const oa = (ia ? ia[t]! : t) * m * k;
      const ob = (ib ? ib[t]! : t) * k * n;
      for (let i = 0; i < m * k; i++) at[i] = xa[oa + i]!;
      for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt[j * k + p] = xb[ob + p * n + j]!;
      matmulRows(at, bt, c, m, k, n);
      res.set(c, t * m * n);
    }
    return res;
  }

  reshape(x: TensorInfo): unknown {
    return x.buf; // immutable buffers can be shared
  }

  transpose(x: TensorInfo, perm: readonly number[]): unknown {
    const s = stridesOf(x.shape);
    return gatherOffsets(
      x,
      perm.map((p) => x.shape[p]!),
      perm.map((p) => s[p]!),
    );
  }

  broadcastTo(x: TensorInfo, shape: Shape): unknown {
    const idx = broadcastIndex(x.shape, shape);
    if (!idx) return arr(x).slice();
    const xs = arr(x);
    const res = allocArray(x.dtype, idx.length);
    for (let i = 0; i < idx.length; i++) res[i] = xs[idx[i]!]!;
    return res;
  }

  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): unknown {
    const s = stridesOf(x.shape);
    let base = 0;
    for (let d = 0; d < begin.length; d++) base += begin[d]! * s[d]!;
    return gatherOffsets(x, size, s, base);
  }

  pad(x: TensorInfo, widths: readonly (readonly [number, number])[], value: number): unknown {
    const outShape = x.shape.map((d, i) => d + widths[i]![0] + widths[i]![1]);
    const res = allocArray(x.dtype, sizeOf(outShape)).fill(value);
    const os = stridesOf(outShape);
    let base = 0;
    for (let d = 0; d < widths.length; d++) base += widths[d]![0] * os[d]!;
    const dst = offsets(x.shape, os, base);
    const xs = arr(x);
    for (let i = 0; i < xs.length; i++) res[dst[i]!] = xs[i]!;
    return res;
  }

  concat(xs: readonly TensorInfo[], axis: number, out: Shape): unknown {
    const res = allocArray(xs[0]!.dtype, sizeOf(out));
    const outer = sizeOf(out.slice(0, axis));
    const rowOut = sizeOf(out.slice(axis));
    let col = 0;
    for (const x of xs) {
      const src = arr(x);
      const row = sizeOf(x.shape.slice(axis));
      for (let o = 0; o < outer; o++) res.set(src.subarray(o * row, (o + 1) * row), o * rowOut + col);
      col += row;
    }
    return res;
  }

  take(x: TensorInfo, indices: TensorInfo, axis: number, out: Shape): unknown {
    const xs = arr(x);
    const idx = arr(indices);
    const n = x.shape[axis]!;
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const res = allocArray(x.dtype, sizeOf(out));
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

  scatterAdd(indices: TensorInfo, updates: TensorInfo, axis: number, out: Shape): unknown {
    const us = arr(updates);
    const idx = arr(indices);
    const n = out[axis]!;
    const outer = sizeOf(out.slice(0, axis));
    const inner = sizeOf(out.slice(axis + 1));
    const res = allocArray(updates.dtype, sizeOf(out));
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

  cast(x: TensorInfo, dtype: DType): unknown {
    const xs = arr(x);
    const res = allocArray(dtype, xs.length);
    if (dtype === 'bool') for (let i = 0; i < xs.length; i++) res[i] = xs[i] !== 0 ? 1 : 0;
    else if (dtype === 'int32') for (let i = 0; i < xs.length; i++) res[i] = Math.trunc(xs[i]!);
    else res.set(xs);
    return res;
  }
}

/**
 * `c = a @ b^T` for row-major `a` [m, k] and `bt` [n, k]: blocks of 2 rows x 4 columns keep eight
 * accumulators in registers, so each loaded element is used 4 or 2 times.
 */
function matmulRows(
  a: Float64Array,
  bt: Float64Array,
  c: Float64Array,
  m: number,
  k: number,
  n: number,
): void {
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    for (let j = 0; j + 3 < n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p]!;
        const x1 = a[a1 + p]!;
        const y0 = bt[b0 + p]!;
        const y1 = bt[b1 + p]!;
        const y2 = bt[b2 + p]!;
        const y3 = bt[b3 + p]!;
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
      }
      const o0 = i * n + j;
      const o1 = o0 + n;
      c[o0] = c00;
      c[o0 + 1] = c01;
      c[o0 + 2] = c02;
      c[o0 + 3] = c03;
      c[o1] = c10;
      c[o1 + 1] = c11;
      c[o1 + 2] = c12;
      c[o1 + 3] = c13;
    }
    for (let j = n - (n % 4); j < n; j++) {
      c[i * n + j] = dotRows(a, a0, bt, j * k, k);
      c[(i + 1) * n + j] = dotRows(a, a1, bt, j * k, k);
    }
  }
  for (; i < m; i++) for (let j = 0; j < n; j++) c[i * n + j] = dotRows(a, i * k, bt, j * k, k);
}

function dotRows(a: Float64Array, ao: number, b: Float64Array, bo: number, k: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += a[ao + p]! * b[bo + p]!;
  return s;
}

/** Copies the elements at `offsets(shape, strides, base)` of `x` into a new contiguous array. */
function gatherOffsets(x: TensorInfo, shape: Shape, strides: readonly number[], base = 0): TypedArray {
  const src = offsets(shape, strides, base);
  const xs = arr(x);
  const res = allocArray(x.dtype, src.length);
  for (let i = 0; i < src.length; i++) res[i] = xs[src[i]!]!;
  return res;
}
