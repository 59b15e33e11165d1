/**
 * The Backend interface: data and kernels only. A backend knows nothing of autodiff; the
 * primitives in `prims/` call these kernels with validated shapes, and the tensors they return
 * wrap whatever handle the backend hands back. `@gen-ts/gpu` implements the same interface.
 */
import type { DType, TypedArray } from './dtype.js';
import type { BinaryOp, CompareOp, UnaryOp } from './prims/elementwise.js';
import type { ReduceOp } from './prims/reduce.js';
import type { WindowOp } from './prims/window.js';
import type { Shape } from './shape.js';
import type { ConvGeometry, WindowGeometry } from './window.js';

export type { BinaryOp, CompareOp, ReduceOp, UnaryOp, WindowOp };

/** What a kernel sees of an input: its shape, dtype and the backend's handle to its data. */
export interface TensorInfo {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly buf: unknown;
}

/**
 * A place where tensors live and kernels run. Every kernel returns a new data handle for a
 * contiguous row-major result of the stated shape; inputs are never modified.
 */
export interface Backend {
  /** Short name, e.g. `cpu` or `gpujs:webasm`. */
  readonly name: string;
  /** The dtypes this backend stores. */
  readonly dtypes: readonly DType[];
  /** Copies host values (already of `dtype`) into a new buffer. */
  upload(values: TypedArray, shape: Shape, dtype: DType): unknown;
  /** Reads a buffer back to the host (a fresh copy). */
  read(x: TensorInfo): Promise<TypedArray>;
  /** Synchronous readback, where the backend can offer it. */
  readSync?(x: TensorInfo): TypedArray;
  /** Releases a buffer early; later use of it is an error. Optional for garbage-collected backends. */
  dispose?(x: TensorInfo): void;

  /** `op(x)` elementwise; same shape and dtype. */
  unary(op: UnaryOp, x: TensorInfo): unknown;
  /** `op(a, b)` elementwise, both broadcast to `outShape`; `a` and `b` share a dtype. */
  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, outShape: Shape): unknown;
  /** `op(a, b)` elementwise as `bool`, both broadcast to `outShape`. */
  compare(op: CompareOp, a: TensorInfo, b: TensorInfo, outShape: Shape): unknown;
  /** `cond ? a : b` with broadcasting; `cond` is `bool`. */
  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, outShape: Shape): unknown;
  /** Reduces over `axes` (sorted, unique); the result has those axes removed. */
  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): unknown;
  /** Index of the first maximum along `axis` (removed from the shape), as `int32`. */
  argmax(x: TensorInfo, axis: number): unknown;
  /** Batched matrix product `[..., m, k] @ [..., k, n]`, batch dims broadcast to `outShape`. */
  matmul(a: TensorInfo, b: TensorInfo, outShape: Shape): unknown;
  /** Same data, new shape of equal size. A backend may share the buffer. */
  reshape(x: TensorInfo, shape: Shape): unknown;
  /** Axis `i` of the result is axis `perm[i]` of `x`. */
  transpose(x: TensorInfo, perm: readonly number[]): unknown;
  /** `x` repeated along broadcast axes to `shape` (NumPy rules; already validated). */
  broadcastTo(x: TensorInfo, shape: Shape): unknown;
  /** The block starting at `begin` of extent `size` on every axis. */
  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): unknown;
  /** Pads each axis with `widths[i] = [before, after]` copies of `value`. */
  pad(x: TensorInfo, widths: readonly (readonly [number, number])[], value: number): unknown;
  /** Joins `xs` (equal shapes off `axis`, one dtype) along `axis`. */
  concat(xs: readonly TensorInfo[], axis: number, outShape: Shape): unknown;
  /** `out[..., j, ...] = x[..., indices[j], ...]` along `axis`; indices may have any shape. */
  take(x: TensorInfo, indices: TensorInfo, axis: number, outShape: Shape): unknown;
  /** Zeros of `outShape`, then `out[..., indices[j], ...] += updates[..., j, ...]` along `axis`. */
  scatterAdd(indices: TensorInfo, updates: TensorInfo, axis: number, outShape: Shape): unknown;
  /**
   * Converts to `dtype`: float to int32 truncates toward zero, with NaN to 0 and values beyond the
   * int32 range saturating to its ends; to bool tests `!= 0`.
   */
  cast(x: TensorInfo, dtype: DType): unknown;
  /**
   * Channels-last convolution (see `window.ts` for the geometry): `x` `[N, ...S, C]`, `w`
   * `[...K, C / groups, O]`, result `outShape` `[N, ...outS, O]`; `x` and `w` share a float dtype.
   */
  conv(x: TensorInfo, w: TensorInfo, g: ConvGeometry, outShape: Shape): unknown;
  /**
   * `op` over the windows of `g` (holes add 0 and never win a max; a window of holes only gives
   * -Infinity). `argmax` gives, as `int32`, the row-major tap of each window's first maximum (a
   * NaN wins), or 0 for a window of holes only.
   */
  reduceWindow(op: WindowOp, x: TensorInfo, g: WindowGeometry, outShape: Shape): unknown;
  /** `out[o] = x` at window `o`'s tap `idx[o]`, or 0 where that tap is a hole; `outShape` is `idx`'s shape. */
  windowGather(x: TensorInfo, idx: TensorInfo, g: WindowGeometry, outShape: Shape): unknown;
  /** Zeros of `outShape`, plus `upd[o]` added at window `o`'s tap `idx[o]` (holes drop it): the transpose of `windowGather`. */
  windowScatter(idx: TensorInfo, upd: TensorInfo, g: WindowGeometry, outShape: Shape): unknown;
  /**
   * Uniforms in [0, 1) of a float `dtype` from the Threefry key words `key`: element `i` is block
   * `i`'s 24 random bits (float32) or 53 (float64), exactly as `prng.ts` computes them on the host.
   */
  randomUniform(key: readonly [number, number], shape: Shape, dtype: DType): unknown;
  /** `bool`s, true where block `i`'s 53-bit uniform is below `p` (decided exactly, see `prng.ts`). */
  randomBernoulli(key: readonly [number, number], p: number, shape: Shape): unknown;
}

/**
 * Throws a `RangeError` naming `op` unless every index is in `[0, n)`: the check a backend runs
 * on the indices of `take` and `scatterAdd` before using them (never wrapping or clamping silently).
 */
export function checkIndices(op: string, indices: ArrayLike<number>, n: number): void {
  for (let j = 0; j < indices.length; j++) {
    const v = indices[j]!;
    if (v < 0 || v >= n) throw new RangeError(`${op}: index ${v} is out of range for an axis of size ${n}`);
  }
}

let current: Backend | null = null;
let defaultFactory: (() => Backend) | null = null;

/** @internal Registers the backend used when none was chosen (the cpu backend does this). */
export function setDefaultBackendFactory(f: () => Backend): void {
  defaultFactory = f;
}

/** @internal Throws unless `b` looks like a `Backend` (its data methods and dtypes). */
export function checkBackend(op: string, b: unknown): asserts b is Backend {
  const x = b as Partial<Backend> | null;
  if (
    x === null ||
    typeof x !== 'object' ||
    typeof x.upload !== 'function' ||
    typeof x.unary !== 'function' ||
    !Array.isArray(x.dtypes)
  ) {
    throw new TypeError(
      `${op}: expected a Backend (e.g. cpu() or gpujs()), got ${x === null ? 'null' : typeof x}`,
    );
  }
}

/** Sets the backend that new tensors are created on. Returns the previous one. */
export function useBackend(backend: Backend): Backend {
  checkBackend('useBackend', backend);
  const prev = getBackend();
  current = backend;
  return prev;
}

/** The backend that new tensors are created on (the cpu backend unless another was chosen). */
export function getBackend(): Backend {
  if (current === null) {
    if (defaultFactory === null) throw new Error('getBackend: no backend registered');
    current = defaultFactory();
  }
  return current;
}

/** Runs `fn` with `backend` as the default backend, restoring the previous one afterwards. */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const prev = useBackend(backend);
  try {
    return fn();
  } finally {
    current = prev;
  }
}
