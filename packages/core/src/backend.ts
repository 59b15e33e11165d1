/**
 * The Backend interface: data and kernels only. A backend knows nothing of autodiff; the
 * primitives in `prims/` call these kernels with validated shapes, and the tensors they return
 * wrap whatever handle the backend hands back. `@gen-ts/gpu` implements the same interface.
 */
import type { DType, TypedArray } from './dtype.js';
import type { BinaryOp, CompareOp, UnaryOp } from './prims/elementwise.js';
import type { ReduceOp } from './prims/reduce.js';
import type { Shape } from './shape.js';

export type { BinaryOp, CompareOp, ReduceOp, UnaryOp };

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
  /** Converts to `dtype`: float to int truncates toward zero, to bool tests `!= 0`. */
  cast(x: TensorInfo, dtype: DType): unknown;
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

/** Sets the backend that new tensors are created on. Returns the previous one. */
export function useBackend(backend: Backend): Backend {
  if (!backend || typeof backend.unary !== 'function') {
    throw new TypeError('useBackend: expected a Backend (e.g. cpu() or gpujs())');
  }
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
