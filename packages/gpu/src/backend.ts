/**
 * `GpujsBackend`: the core `Backend` interface on gpu.js kernels, in three layers: buffers and
 * scopes (`buffers.ts`), views and strided copies (`views.ts`), and the computing kernels
 * (`ops.ts`; convolutions, windowed ops and random draws in `windows.ts`), each of which asks for a kernel as a generator name and its arguments; the engine
 * compiles each distinct pair once. Values are float32 on the device whatever the dtype: int32 and
 * bool tensors hold exact integers there and are converted on upload and readback.
 */
import {
  tidy,
  type Backend,
  type BinaryOp,
  type CompareOp,
  type DType,
  type ReduceOp,
  type Shape,
  type TensorInfo,
  type TypedArray,
  type UnaryOp,
  type ConvGeometry,
  type WindowGeometry,
  type WindowOp,
} from '@gen-ts/core';
import { Device, GPUJS_DTYPES, toDType } from './buffers.js';
import { Engine, KERNEL_CLASS, type GpujsMode } from './engine.js';
import type { RandomArith } from './kernels/random.js';
import * as ops from './ops.js';
import * as views from './views.js';
import * as windows from './windows.js';

export { GPUJS_DTYPES, KEPT_CONSTANTS } from './buffers.js';

/** What `info()` reports: what actually runs. */
export interface GpujsInfo {
  /** The gpu.js mode. */
  readonly mode: GpujsMode;
  /** The gpu.js kernel class every kernel of this backend was checked to run on. */
  readonly kernel: string;
  /** Worker threads (webasm under the async contract), else 0. */
  readonly threads: number;
  /** Whether kernel results arrive asynchronously (then only `read` works, not `readSync`). */
  readonly async: boolean;
  /** Kernels compiled so far, one per distinct (generator, arguments). */
  readonly compiles: number;
  /**
   * Kernels destroyed to stay within the platform's limit of live webasm kernels (browsers: 64,
   * since each holds a WebAssembly.Memory; Node: no limit), and compiled again when next used.
   */
  readonly evictions: number;
  /** Kernel launches so far. */
  readonly launches: number;
  /** Values uploaded from the host so far (a training step's dropout masks add none: only their keys). */
  readonly uploaded: number;
  /** Device buffers allocated and not yet released (the kept constants included). */
  readonly liveBuffers: number;
  /** One-element constants kept on the device for reuse (webgpu only, at most {@link KEPT_CONSTANTS}). */
  readonly constants: number;
  /** The gpu.js kernel classes actually seen running (only `kernel`, or an error was thrown). */
  readonly ranOn: readonly string[];
  /** How the random kernels do 32-bit arithmetic (the `randomArith` option). */
  readonly randomArith: RandomArith;
}

/** A core `Backend` whose kernels gpu.js compiles. Create one with `gpujs()`. */
export class GpujsBackend implements Backend {
  readonly name: string;
  readonly dtypes: readonly DType[] = GPUJS_DTYPES;
  /** Synchronous readback; present only on the synchronous modes (cpu, headlessgl, webasm without threads). */
  readonly readSync?: (x: TensorInfo) => TypedArray;
  private readonly d: Device;

  /** @internal Use `gpujs()`. */
  constructor(
    private readonly engine: Engine,
    private readonly randomArith: RandomArith = 'bits',
  ) {
    this.name = `gpujs:${engine.mode}`;
    this.d = new Device(engine, this.name);
    if (!engine.async) this.readSync = (x) => toDType(engine.readSync(views.contiguous(this.d, x)), x.dtype);
  }

  /** What runs: mode, kernel class, threads, compile and live-buffer counts. */
  info(): GpujsInfo {
    const e = this.engine;
    return {
      mode: e.mode,
      kernel: KERNEL_CLASS[e.mode],
      threads: e.threads,
      async: e.async,
      compiles: e.compiles,
      evictions: e.evictions,
      launches: e.launches,
      uploaded: e.uploaded,
      liveBuffers: e.tracker.live,
      constants: this.d.constants.size,
      ranOn: [...e.classes],
      randomArith: this.randomArith,
    };
  }

  /**
   * Runs one small kernel end to end and resolves with `info()`; rejects with the reason when this
   * mode cannot run here (no WebGPU adapter, no `gl` build, or a kernel that fell back).
   */
  async ready(): Promise<GpujsInfo> {
    const s = this.engine.upload(new Float32Array([1, 2, 3, 4]));
    const t = this.engine.kernel('map', [[4], [[4], [4]], ['binary', 'add']], [s, s]);
    s.unref();
    const out = await this.engine.read(t);
    t.unref();
    if (out[3] !== 8)
      throw new Error(`gpujs(${this.engine.mode}): probe kernel computed ${Array.from(out).join(',')}`);
    return this.info();
  }

  /**
   * Core's `tidy` (the same scopes, on every backend): runs `fn` and disposes every tensor created
   * during it except those it returns, also when `fn` throws. Kept for code written against this
   * backend; new code can call `tidy` from `@gen-ts/core`.
   */
  tidy<T>(fn: () => T): T {
    return tidy(fn);
  }

  /** Destroys every kernel (and the worker threads); later use throws. */
  destroy(): void {
    this.d.constants.clear();
    this.engine.destroy();
  }

  upload(values: TypedArray, _shape: Shape, dtype: DType): unknown {
    return this.d.upload(values, dtype);
  }
  async read(x: TensorInfo): Promise<TypedArray> {
    return toDType(await this.engine.read(views.contiguous(this.d, x)), x.dtype);
  }
  dispose(x: TensorInfo): void {
    this.d.dispose(x);
  }

  // The kernels (see ops.ts and views.ts; the Backend interface documents each).
  unary(op: UnaryOp, x: TensorInfo): unknown {
    return ops.unary(this.d, op, x);
  }
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    return ops.binary(this.d, op, a, b, out);
  }
  compare(op: CompareOp, a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    return ops.compare(this.d, op, a, b, out);
  }
  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    return ops.where(this.d, cond, a, b, out);
  }
  cast(x: TensorInfo, dtype: DType): unknown {
    return ops.cast(this.d, x, dtype);
  }
  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): unknown {
    return ops.reduce(this.d, op, x, axes);
  }
  argmax(x: TensorInfo, axis: number): unknown {
    return ops.argmax(this.d, x, axis);
  }
  matmul(a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    return ops.matmul(this.d, a, b, out);
  }
  reshape(x: TensorInfo): unknown {
    return views.reshape(this.d, x);
  }
  transpose(x: TensorInfo, perm: readonly number[]): unknown {
    return views.transpose(this.d, x, perm);
  }
  broadcastTo(x: TensorInfo, shape: Shape): unknown {
    return views.broadcastTo(this.d, x, shape);
  }
  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): unknown {
    return views.slice(this.d, x, begin, size);
  }
  pad(x: TensorInfo, widths: readonly (readonly [number, number])[], value: number): unknown {
    return ops.pad(this.d, x, widths, value);
  }
  concat(xs: readonly TensorInfo[], axis: number, out: Shape): unknown {
    return ops.concat(this.d, xs, axis, out);
  }
  take(x: TensorInfo, indices: TensorInfo, axis: number, out: Shape): unknown {
    return ops.take(this.d, x, indices, axis, out);
  }
  scatterAdd(indices: TensorInfo, updates: TensorInfo, axis: number, out: Shape): unknown {
    return ops.scatterAdd(this.d, indices, updates, axis, out);
  }
  conv(x: TensorInfo, w: TensorInfo, g: ConvGeometry, out: Shape): unknown {
    return windows.conv(this.d, x, w, g, out);
  }
  reduceWindow(op: WindowOp, x: TensorInfo, g: WindowGeometry, out: Shape): unknown {
    return windows.reduceWindow(this.d, op, x, g, out);
  }
  windowGather(x: TensorInfo, idx: TensorInfo, g: WindowGeometry, out: Shape): unknown {
    return windows.windowGather(this.d, x, idx, g, out);
  }
  windowScatter(idx: TensorInfo, upd: TensorInfo, g: WindowGeometry, out: Shape): unknown {
    return windows.windowScatter(this.d, idx, upd, g, out);
  }
  randomUniform(key: readonly [number, number], shape: Shape, dtype: DType): unknown {
    return windows.randomUniform(this.d, this.randomArith, key, shape, dtype);
  }
  randomBernoulli(key: readonly [number, number], p: number, shape: Shape): unknown {
    return windows.randomBernoulli(this.d, this.randomArith, key, p, shape);
  }
}
