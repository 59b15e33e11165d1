/**
 * The Tensor class: an immutable n-d array on a backend. Tensors created inside a transform are
 * tracers (subclasses in `autodiff/`) that carry a primal value plus what the transform needs;
 * `level` tells them apart (0 = a concrete value). Methods are sugar over the functions in
 * `ops/`, attached in `methods.ts`.
 */
import type { Backend, TensorInfo } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { fmt, sizeOf, type Shape } from './shape.js';

/**
 * @internal The concrete tensors created in each open `tidy` scope, innermost last (see
 * `memory.ts`). Tracers are not recorded: their values are concrete tensors, which are.
 */
export const scopes: Tensor[][] = [];

/** Nested arrays of numbers or booleans, as `toArray()` returns them. */
export type NestedArray = number | boolean | NestedArray[];

/** An immutable n-dimensional array. Create one with `tensor`, `zeros`, `arange`, ... */
export class Tensor implements TensorInfo {
  /** Extent of each axis. */
  readonly shape: Shape;
  /** Element type. */
  readonly dtype: DType;
  /** @internal Transform level: 0 for a concrete value, k for a tracer of the k-th nested transform. */
  readonly level: number;
  /** @internal The backend's handle to the data (concrete tensors only). */
  protected _buf: unknown;
  /** @internal */
  protected _backend: Backend | null;
  /** @internal */
  protected _disposed = false;

  /** @internal Use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(shape: Shape, dtype: DType, buf: unknown, backend: Backend | null, level = 0) {
    this.shape = shape;
    this.dtype = dtype;
    this._buf = buf;
    this._backend = backend;
    this.level = level;
    if (level === 0 && backend !== null && scopes.length > 0) scopes[scopes.length - 1]!.push(this);
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** @internal The concrete value under any tracers. */
  concrete(): Tensor {
    return this;
  }

  /**
   * The backend's handle to the data, as a `Backend`'s kernels receive it (`TensorInfo.buf`); only
   * the backend that made it knows what it holds. Throws after `dispose()`.
   */
  get buf(): unknown {
    const c = this.concrete();
    if (c._disposed) throw new Error(`tensor ${c.dtype}${fmt(c.shape)} was used after dispose()`);
    return c._buf;
  }

  /** The backend holding this tensor's data. */
  get backend(): Backend {
    return this.concrete()._backend!;
  }

  /** Reads the values back to the host (a fresh copy). */
  async data(): Promise<TypedArray> {
    const c = this.concrete();
    return c.backend.read(c);
  }

  /** Reads the values back synchronously; throws on backends that only read asynchronously. */
  dataSync(): TypedArray {
    const c = this.concrete();
    const b = c.backend;
    if (!b.readSync) throw new Error(`dataSync: backend ${b.name} reads asynchronously; use await x.data()`);
    return b.readSync(c);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    return itemOf(this, await this.data());
  }

  /** The single value of a one-element tensor, read synchronously. */
  itemSync(): number {
    return itemOf(this, this.dataSync());
  }

  /** The values as nested arrays (booleans for `bool`), read synchronously. */
  toArray(): NestedArray {
    return nest(this.dataSync(), this.shape, this.dtype === 'bool');
  }

  /** The values as nested arrays, read asynchronously. */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape, this.dtype === 'bool');
  }

  /**
   * Releases the data now instead of at garbage collection; any later use throws. Disposing a
   * tracer (inside `grad` or `jvp`) is ignored: its values belong to the transform.
   */
  dispose(): void {
    if (this.level > 0) return;
    const c = this.concrete();
    if (c._disposed) return;
    c._backend?.dispose?.(c);
    c._disposed = true;
  }

  /** True once the data was released (by `dispose()`, or by the `tidy` it was created in). */
  get isDisposed(): boolean {
    return this.concrete()._disposed;
  }

  /** A short description with the values of small tensors. */
  toString(): string {
    const head = `Tensor(${this.dtype}${fmt(this.shape)})`;
    if (this.size > 64 || !this.backend.readSync) return head;
    return `${head} ${JSON.stringify(this.toArray())}`;
  }
}

function itemOf(t: Tensor, values: TypedArray): number {
  if (values.length !== 1)
    throw new Error(`item: tensor of shape ${fmt(t.shape)} has ${values.length} elements, not 1`);
  return values[0]!;
}

function nest(values: TypedArray, shape: Shape, asBool: boolean): NestedArray {
  const conv = (v: number): number | boolean => (asBool ? v !== 0 : v);
  if (shape.length === 0) return conv(values[0]!);
  const rec = (offset: number, axis: number): NestedArray[] => {
    const n = shape[axis]!;
    const stride = sizeOf(shape.slice(axis + 1));
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = axis === shape.length - 1 ? conv(values[offset + i]!) : rec(offset + i * stride, axis + 1);
    }
    return out;
  };
  return rec(0, 0);
}

/**
 * True for a tracer: the stand-in a transform (`grad`, `jvp`, `vjp`, ...) passes to the function
 * it differentiates. A tracer belongs to its transform: it has no buffer of its own to dispose, and
 * it is only valid while that transform runs.
 * @example
 * ```ts
 * import { grad, isTracer, sum, tensor, type Tensor } from '@gen-ts/core';
 * const x = tensor([1, 2]);
 * const f = (y: Tensor) => {
 *   console.log(isTracer(y), isTracer(x)); // true false
 *   return sum(y);
 * };
 * grad(f)(x);
 * ```
 */
export function isTracer(x: Tensor): boolean {
  return x.level > 0;
}
