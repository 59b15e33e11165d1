/**
 * The reference backend: typed arrays, float64 and float32, int32 and bool. Every test of the math
 * runs here in float64. Its plain loops compute float32 in double precision and round once on
 * store; where the runtime has WebAssembly SIMD (`cpu/wasm/`), matrix products, convolutions and
 * the common elementwise ops run on f32x4 / f64x2 kernels instead (float32 products then sum in
 * float32, as tfjs and jax-js do), and `info()` says which path ran. The movement and layout
 * kernels live in `movement.ts`, the reductions in `reduce.ts`, the windowed ones in `window.ts`.
 */
import {
  type Backend,
  type BinaryOp,
  type CompareOp,
  type ReduceOp,
  type TensorInfo,
  type UnaryOp,
  type WindowOp,
} from '../backend.js';
import { DTYPES, type DType, type TypedArray } from '../dtype.js';
import { sizeOf, type Shape } from '../shape.js';
import { broadcastIndex } from './index-math.js';
import type { ConvGeometry, WindowGeometry } from '../window.js';
import { convIm2col, type ConvKernels } from './conv.js';
import { binaryLoop, unaryLoop, type BinaryPattern } from './kernels.js';
import { bernoulliCpu, uniformCpu } from './random.js';
import { reduceWindowCpu, windowGatherCpu, windowScatterCpu } from './window.js';
import { matmulJs, productOf } from './matmul.js';
import {
  broadcastToCpu,
  castCpu,
  concatCpu,
  padCpu,
  scatterAddCpu,
  sliceCpu,
  takeCpu,
  transposeCpu,
} from './movement.js';
import { argmaxCpu, reduceCpu } from './reduce.js';
import { resolveCpuOptions, type CpuInfo, type CpuOptions, type ProductCounts } from './options.js';
import { ArrayPool, type Alloc } from './pool.js';
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
  private readonly poolingCounts = { wasm: 0, js: 0 };
  private readonly counts: ProductCounts = { wasm: 0, threaded: 0, js: 0 };
  private readonly pool = new ArrayPool();
  /** The pool's allocator, for the kernels in other files. */
  private readonly alloc: Alloc = (dtype, n, zero) => this.pool.alloc(dtype, n, zero);
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
      pooling: { ...this.poolingCounts },
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
    return reduceCpu(op, x, axes, this.alloc);
  }

  argmax(x: TensorInfo, axis: number): unknown {
    return argmaxCpu(x, axis);
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
    return swapsLastTwo(perm) ? swapLastTwo(x) : transposeCpu(x, perm, this.alloc);
  }

  broadcastTo(x: TensorInfo, shape: Shape): unknown {
    return broadcastToCpu(x, shape, this.alloc);
  }

  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): unknown {
    return sliceCpu(x, begin, size);
  }

  pad(x: TensorInfo, widths: readonly (readonly [number, number])[], value: number): unknown {
    return padCpu(x, widths, value, this.alloc);
  }

  concat(xs: readonly TensorInfo[], axis: number, out: Shape): unknown {
    return concatCpu(xs, axis, out, this.alloc);
  }

  take(x: TensorInfo, indices: TensorInfo, axis: number, out: Shape): unknown {
    return takeCpu(x, indices, axis, out, this.alloc);
  }

  scatterAdd(indices: TensorInfo, updates: TensorInfo, axis: number, out: Shape): unknown {
    return scatterAddCpu(indices, updates, axis, out, this.alloc);
  }

  cast(x: TensorInfo, dtype: DType): unknown {
    return castCpu(x, dtype, this.alloc);
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
    return reduceWindowCpu(op, x, g, out, this.alloc, this.vector, this.poolingCounts);
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
