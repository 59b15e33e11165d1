/**
 * The reference backend: plain loops over typed arrays, float64 and float32 (computed in double
 * precision, rounded once on store), int32 and bool. Every test of the math runs here in float64.
 * Matrix products run on WebAssembly SIMD kernels where the runtime has them (`cpu/wasm/`), in
 * plain loops otherwise; `info()` says which.
 */
import {
  checkIndices,
  type Backend,
  type BinaryOp,
  type CompareOp,
  type ReduceOp,
  type TensorInfo,
  type UnaryOp,
  type WindowOp,
} from '../backend.js';
import { allocArray, DTYPES, type DType, type TypedArray } from '../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import { broadcastIndex, offsets } from './index-math.js';
import type { ConvGeometry, WindowGeometry } from '../window.js';
import { convIm2col, type ConvKernels } from './conv.js';
import { transposeInto } from './transpose.js';
import { binaryLoop, unaryLoop, type BinaryPattern } from './kernels.js';
import { bernoulliCpu, uniformCpu } from './random.js';
import { reduceWindowCpu, windowGatherCpu, windowScatterCpu } from './window.js';
import { matmulJs, productOf } from './matmul.js';
import { resolveCpuOptions, type CpuInfo, type CpuOptions, type ProductCounts } from './options.js';
import { ArrayPool } from './pool.js';
import { contiguous, operand, swapLastTwo, swapsLastTwo } from './views.js';
import type { WasmGemm } from './wasm/gemm.js';
import { WasmElementwise, type Broadcast } from './wasm/elementwise.js';
import { binaryClosureLoop, unaryClosureLoop } from './loops-closure.js';
import type { CpuLoops } from './loops.js';

/** The elementwise loop makers of each path (same signatures). */
interface Loops {
  readonly unary: typeof unaryLoop;
  readonly binary: typeof binaryLoop;
}
const LOOPS: Record<CpuLoops, Loops> = {
  compiled: { unary: unaryLoop, binary: binaryLoop },
  closures: { unary: unaryClosureLoop, binary: binaryClosureLoop },
};

function arr(x: TensorInfo): TypedArray {
  return contiguous(x);
}

/** How a binary loop reads `a` and `b` for an output of shape `out` (`m`: the repeat of a row operand). */
function patternOf(a: TensorInfo, b: TensorInfo, out: Shape): { pattern: BinaryPattern; m: number } {
  const [na, nb, n] = [sizeOf(a.shape), sizeOf(b.shape), sizeOf(out)];
  if (na === n && nb === n) return { pattern: 'same', m: 0 };
  if (na === n && nb === 1) return { pattern: 'scalarB', m: 0 };
  if (na === 1 && nb === n) return { pattern: 'scalarA', m: 0 };
  if (na === n && isSuffix(b.shape, out)) return { pattern: 'rowB', m: nb };
  if (nb === n && isSuffix(a.shape, out)) return { pattern: 'rowA', m: na };
  return { pattern: 'index', m: 0 };
}

/** Applies `op` elementwise over `a` and `b` broadcast to `out`, writing into `res` (of `outDtype`). */
function zip(
  loops: Loops,
  res: TypedArray,
  outDtype: DType,
  op: BinaryOp | CompareOp,
  a: TensorInfo,
  b: TensorInfo,
  out: Shape,
  { pattern, m }: { pattern: BinaryPattern; m: number },
): TypedArray {
  const ia = pattern === 'index' ? broadcastIndex(a.shape, out) : null;
  const ib = pattern === 'index' ? broadcastIndex(b.shape, out) : null;
  loops.binary(op, a.dtype, outDtype, pattern)(res, arr(a), arr(b), ia, ib, res.length, m);
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

/**
 * Creates the cpu backend: float64, float32, int32 and bool in typed arrays. By default its
 * matrix products run on WebAssembly SIMD kernels where this runtime can run them and in plain
 * JavaScript where it cannot (`info()` says which, and why); everything else runs in plain loops.
 *
 * @example
 * ```ts
 * import { cpu, matmul, ones, useBackend } from '@gen-ts/core';
 *
 * const backend = cpu();
 * useBackend(backend);
 * console.log(matmul(ones([2, 3]), ones([3, 4])).toArray()); // [[3, 3, 3, 3], [3, 3, 3, 3]]
 * console.log(backend.info().kernels, backend.info().products); // 'wasm-simd' { wasm: 1, threaded: 0, js: 0 }
 * ```
 */
export function cpu(options: CpuOptions = {}): CpuBackend {
  return new CpuBackend(options);
}

/** The backend `cpu()` creates. */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly dtypes: readonly DType[] = DTYPES;
  private readonly gemm: WasmGemm | null;
  private readonly vector: WasmElementwise | null;
  private readonly reason: string | null;
  private readonly elementwiseCounts = { wasm: 0, js: 0 };
  private readonly counts: ProductCounts = { wasm: 0, threaded: 0, js: 0 };
  private readonly pool = new ArrayPool();
  /** The pool's allocator, for the kernels in other files. */
  private readonly alloc = (dtype: DType, n: number, zero?: boolean): TypedArray =>
    this.pool.alloc(dtype, n, zero);
  /** The elementwise loops it runs: `compiled` or `closures` (see `CpuOptions.loops`). */
  readonly loops: CpuLoops;
  private readonly fns: Loops;

  /** @internal Use `cpu()`. */
  constructor(options: CpuOptions) {
    const r = resolveCpuOptions(options);
    this.gemm = r.gemm;
    this.vector = r.elementwise;
    this.reason = r.reason;
    this.loops = r.loops;
    this.fns = LOOPS[r.loops];
  }

  /** Which kernels the products run on, why (if in JavaScript), and how many ran where. */
  info(): CpuInfo {
    return {
      kernels: this.gemm ? 'wasm-simd' : 'js',
      reason: this.reason,
      threads: this.gemm?.threads ?? 1,
      products: { ...this.counts },
      elementwise: { ...this.elementwiseCounts },
      wasmBytes: (this.gemm?.bytes ?? 0) + (this.vector?.bytes ?? 0),
      pooledBytes: this.pool.bytes,
      loops: this.loops,
    };
  }

  /** Keeps the array of a disposed tensor for reuse, if that tensor was its only holder. */
  dispose(x: TensorInfo): void {
    this.pool.release(x.buf, x.dtype);
  }

  /** @internal Notes that a kernel handed `result` to a new tensor (see the wrapping below the class). */
  track(result: unknown): unknown {
    return this.pool.track(result);
  }

  upload(values: TypedArray, _shape?: Shape, _dtype?: DType): unknown {
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
    const res = this.pool.alloc(x.dtype, xs.length);
    this.fns.unary(op, x.dtype)(res, xs, xs.length);
    return res;
  }

  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    return this.elementwise(op, a, b, out, a.dtype);
  }

  compare(op: CompareOp, a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    return this.elementwise(op, a, b, out, 'bool');
  }

  /** A binary op or comparison into `res`: on the vector kernels where they take it, else in a loop. */
  private elementwise(
    op: BinaryOp | CompareOp,
    a: TensorInfo,
    b: TensorInfo,
    out: Shape,
    outDtype: DType,
  ): TypedArray {
    const res = this.pool.alloc(outDtype, sizeOf(out), false); // every element is written
    const how = patternOf(a, b, out);
    const dtype = a.dtype;
    if (
      this.vector &&
      (dtype === 'float32' || dtype === 'float64') &&
      how.pattern !== 'index' &&
      WasmElementwise.has(op) &&
      this.vector.binary(op, dtype, arr(a), arr(b), res, how as Broadcast)
    ) {
      this.elementwiseCounts.wasm++;
      return res;
    }
    this.elementwiseCounts.js++;
    return zip(this.fns, res, outDtype, op, a, b, out, how);
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
    const res = this.pool.alloc(a.dtype, n, false); // every element is written
    const float = a.dtype === 'float32' || a.dtype === 'float64';
    if (float && this.vector?.where(a.dtype as 'float32', xc, xa, xb, res)) {
      this.elementwiseCounts.wasm++;
      return res;
    }
    this.elementwiseCounts.js++;
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
    const res = this.pool.alloc(x.dtype, sizeOf(outShape));
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
    const g = productOf(a.shape, b.shape, out);
    const res = this.pool.alloc(a.dtype, g.nb * g.m * g.n);
    if (res.length === 0 || g.k === 0) return res;
    const [xa, xb] = [operand(a), operand(b)];
    const float = a.dtype === 'float32' || a.dtype === 'float64';
    const threads = this.gemm && float ? this.gemm.matmul(a.dtype as 'float32', xa, xb, g, res) : 0;
    if (threads === 0) {
      matmulJs(xa, xb, g, res);
      this.counts.js++;
    } else if (threads === 1) this.counts.wasm++;
    else this.counts.threaded++;
    return res;
  }

  reshape(x: TensorInfo, _shape?: Shape): unknown {
    return arr(x); // immutable buffers can be shared
  }

  transpose(x: TensorInfo, perm: readonly number[]): unknown {
    if (swapsLastTwo(perm)) return swapLastTwo(x);
    const xs = arr(x);
    const res = this.pool.alloc(x.dtype, xs.length, false); // every element is written
    transposeInto(res, xs, x.shape, perm);
    return res;
  }

  broadcastTo(x: TensorInfo, shape: Shape): unknown {
    const idx = broadcastIndex(x.shape, shape);
    if (!idx) return arr(x).slice();
    const xs = arr(x);
    const res = this.pool.alloc(x.dtype, idx.length);
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
    const res = this.pool.alloc(x.dtype, sizeOf(outShape)).fill(value);
    const os = stridesOf(outShape);
    let base = 0;
    for (let d = 0; d < widths.length; d++) base += widths[d]![0] * os[d]!;
    const dst = offsets(x.shape, os, base);
    const xs = arr(x);
    for (let i = 0; i < xs.length; i++) res[dst[i]!] = xs[i]!;
    return res;
  }

  concat(xs: readonly TensorInfo[], axis: number, out: Shape): unknown {
    const res = this.pool.alloc(xs[0]!.dtype, sizeOf(out));
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
    const res = this.pool.alloc(x.dtype, sizeOf(out));
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
    const res = this.pool.alloc(updates.dtype, sizeOf(out));
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
    const res = this.pool.alloc(dtype, xs.length);
    if (dtype === 'bool') for (let i = 0; i < xs.length; i++) res[i] = xs[i] !== 0 ? 1 : 0;
    else if (dtype === 'int32') for (let i = 0; i < xs.length; i++) res[i] = toInt32(xs[i]!);
    else res.set(xs);
    return res;
  }

  conv(x: TensorInfo, w: TensorInfo, g: ConvGeometry, out: Shape): unknown {
    return convIm2col(
      {
        matmul: (a, b, o) => this.matmul(a, b, o),
        transpose: (y, p) => this.transpose(y, p),
        alloc: this.alloc,
        patchProduct: this.gemm ? this.patchProduct : undefined,
      },
      x,
      w,
      g,
      out,
    );
  }

  /** `ConvKernels.patchProduct` on the WebAssembly products (float only). */
  private readonly patchProduct: NonNullable<ConvKernels['patchProduct']> = (
    dtype,
    x,
    table,
    im,
    w,
    g,
    res,
  ) => {
    if (dtype !== 'float32' && dtype !== 'float64') return false;
    const threads = this.gemm!.conv(dtype, x, table, im, operand(w), g, res);
    if (threads === 0) return false;
    if (threads === 1) this.counts.wasm++;
    else this.counts.threaded++;
    this.track(res); // conv itself is not wrapped: its other paths end in a tracked kernel
    return true;
  };

  reduceWindow(op: WindowOp, x: TensorInfo, g: WindowGeometry, out: Shape): unknown {
    return reduceWindowCpu(op, x, g, out, this.alloc);
  }

  windowGather(x: TensorInfo, idx: TensorInfo, g: WindowGeometry, out: Shape): unknown {
    return windowGatherCpu(x, idx, g, out, this.alloc);
  }

  windowScatter(idx: TensorInfo, upd: TensorInfo, g: WindowGeometry, out: Shape): unknown {
    return windowScatterCpu(idx, upd, g, out, this.alloc);
  }

  randomUniform(key: readonly [number, number], shape: Shape, dtype: DType): unknown {
    return uniformCpu(key, sizeOf(shape), dtype);
  }

  randomBernoulli(key: readonly [number, number], p: number, shape: Shape): unknown {
    return bernoulliCpu(key, p, sizeOf(shape));
  }
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

// Every kernel's result goes through the pool's `track`, so a kernel that hands out an array some
// tensor already holds (reshape, a view, where's shortcut, or one added later) marks it shared
// and it is never reused: wrapping the methods here keeps that out of each kernel's code.
// conv's result is the result of the (tracked) product or transpose it ends with, or tracked by
// patchProduct, and
// `elementwise` is the helper of binary and compare: neither is tracked twice.
const NOT_KERNELS = new Set([
  'constructor',
  'info',
  'dispose',
  'track',
  'read',
  'readSync',
  'conv',
  'elementwise',
]);
for (const name of Object.getOwnPropertyNames(CpuBackend.prototype)) {
  if (NOT_KERNELS.has(name)) continue;
  const proto = CpuBackend.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const kernel = proto[name]!;
  proto[name] = function (this: CpuBackend, ...args: unknown[]) {
    return this.track(kernel.apply(this, args));
  };
}

/** Copies the elements at `offsets(shape, strides, base)` of `x` into a new contiguous array. */
function gatherOffsets(x: TensorInfo, shape: Shape, strides: readonly number[], base = 0): TypedArray {
  const src = offsets(shape, strides, base);
  const xs = arr(x);
  const res = allocArray(x.dtype, src.length);
  for (let i = 0; i < src.length; i++) res[i] = xs[src[i]!]!;
  return res;
}
