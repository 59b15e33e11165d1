/** Creating tensors from host values. All take `{ dtype }` (default float32) and use the current backend. */
import { checkBackend, getBackend, type Backend } from '../backend.js';
import {
  allocFor,
  checkDType,
  DEFAULT_DTYPE,
  describeValue,
  storeValue,
  toTypedArray,
  type DType,
  type TypedArray,
} from '../dtype.js';
import { checkShape, fmt, sizeOf, type Shape } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';

/** Options shared by the creation functions. */
export interface CreationOptions {
  /** Element type; default `float32`. */
  dtype?: DType;
  /** Backend to create on; default the current one (`getBackend()`). */
  backend?: Backend;
}

/** @internal Wraps a freshly allocated host array (ownership passes to the backend). */
export function fromHost(
  values: TypedArray,
  shape: Shape,
  dtype: DType,
  backend: Backend = getBackend(),
): Tensor {
  checkBackendDType(backend, dtype);
  return new Tensor(shape.slice(), dtype, backend.upload(values, shape, dtype), backend);
}

/** @internal Throws unless `backend` stores `dtype`. */
export function checkBackendDType(backend: Backend, dtype: DType): void {
  if (!backend.dtypes.includes(dtype)) {
    throw new TypeError(
      `backend ${backend.name} does not support dtype ${dtype} (it has ${backend.dtypes.join(', ')})`,
    );
  }
}

/** The dtype and backend of creation options, validated. */
function opts(op: string, o: CreationOptions | undefined): { dtype: DType; backend: Backend } {
  if (o !== undefined && (o === null || typeof o !== 'object'))
    throw new TypeError(`${op}: options must be an object like { dtype, backend }, got ${describeValue(o)}`);
  if (o?.backend !== undefined) checkBackend(op, o.backend);
  return {
    dtype: o?.dtype === undefined ? DEFAULT_DTYPE : checkDType(o.dtype, op),
    backend: o?.backend ?? getBackend(),
  };
}

/**
 * A tensor from nested arrays, a flat array or typed array plus `shape`, or a number.
 * @example
 * ```ts
 * import { tensor } from '@gen-ts/core';
 * const x = tensor([[1, 2], [3, 4]], { dtype: 'float64' }); // shape [2, 2]
 * const y = tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] }); // float32 by default
 * console.log(x.shape, y.shape, y.dtype);
 * ```
 */
export function tensor(
  data: NestedArray | ArrayLike<number> | TypedArray,
  options?: CreationOptions & { shape?: readonly number[] },
): Tensor {
  const { dtype, backend } = opts('tensor', options);
  let flat: ArrayLike<number | boolean>;
  let shape: number[];
  if (typeof data === 'number' || typeof data === 'boolean') {
    flat = [data];
    shape = [];
  } else if (ArrayBuffer.isView(data)) {
    if (data instanceof DataView)
      throw new TypeError(
        'tensor: a DataView has no element type; pass a typed array (e.g. new Float32Array(buffer))',
      );
    flat = data as TypedArray;
    shape = [flat.length];
  } else if (
    data !== null &&
    typeof data === 'object' &&
    typeof (data as ArrayLike<number>).length === 'number'
  ) {
    [flat, shape] = flattenNested(Array.isArray(data) ? data : Array.from(data as ArrayLike<number>));
  } else {
    throw new TypeError(
      `tensor: data must be a number, a (nested) array or a typed array, got ${typeof data}`,
    );
  }
  if (options?.shape !== undefined) {
    const s = checkShape('tensor', options.shape);
    if (sizeOf(s) !== flat.length) {
      throw new Error(`tensor: ${flat.length} values do not fill shape ${fmt(s)}`);
    }
    shape = s;
  }
  return fromHost(toTypedArray('tensor', flat, dtype, shape), shape, dtype, backend);
}

/**
 * Flattens nested arrays row-major. The shape comes from the first entry at each depth; every
 * other entry must match it (a ragged array throws, even when its total size happens to fit), and
 * the leaves must be numbers or booleans.
 */
function flattenNested(data: readonly unknown[]): [(number | boolean)[], number[]] {
  const shape: number[] = [];
  for (let cur: unknown = data; Array.isArray(cur); cur = cur[0]) shape.push(cur.length);
  const flat: (number | boolean)[] = [];
  const path: number[] = [];
  const walk = (x: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof x !== 'number' && typeof x !== 'boolean') {
        const what = Array.isArray(x) ? 'an array' : typeof x;
        throw new TypeError(
          `tensor: entry [${path.join(',')}] is ${what}; expected a number or boolean (shape ${fmt(shape)})`,
        );
      }
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      const got = Array.isArray(x) ? `length ${x.length}` : typeof x;
      throw new Error(
        `tensor: ragged nested array: entry [${path.join(',')}] should be an array of length ${shape[depth]} (shape ${fmt(shape)}), got ${got}`,
      );
    }
    for (let i = 0; i < x.length; i++) {
      path.push(i);
      walk(x[i], depth + 1);
      path.pop();
    }
  };
  walk(data, 0);
  return [flat, shape];
}

/** A 0-d tensor holding `value` (a number or boolean). */
export function scalar(value: number, options?: CreationOptions): Tensor {
  const { dtype, backend } = opts('scalar', options);
  const a = allocFor('scalar', dtype, []);
  a[0] = storeValue('scalar', dtype, value);
  return fromHost(a, [], dtype, backend);
}

function filled(op: string, shape: readonly number[], value: number, options?: CreationOptions): Tensor {
  const { dtype, backend } = opts(op, options);
  const s = checkShape(op, shape);
  return fromHost(allocFor(op, dtype, s).fill(storeValue(op, dtype, value)), s, dtype, backend);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options?: CreationOptions): Tensor {
  return filled('full', shape, value, options);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], options?: CreationOptions): Tensor {
  return filled('zeros', shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], options?: CreationOptions): Tensor {
  return filled('ones', shape, 1, options);
}

/** Zeros with the shape, dtype and backend of `x` (a concrete tensor, even when `x` is a tracer). */
export function zerosLike(x: Tensor, options?: CreationOptions): Tensor {
  return full(x.shape, 0, { dtype: x.dtype, backend: x.backend, ...options });
}

/** Ones with the shape, dtype and backend of `x`. */
export function onesLike(x: Tensor, options?: CreationOptions): Tensor {
  return full(x.shape, 1, { dtype: x.dtype, backend: x.backend, ...options });
}

/** `[start, start + step, ...)` up to `stop` (exclusive); `arange(n)` is `0..n-1`. */
export function arange(start: number, stop?: number, step = 1, options?: CreationOptions): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  for (const [name, v] of [
    ['start', start],
    ['stop', stop],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new TypeError(
        `arange: ${name} must be a finite number, got ${typeof v === 'number' ? v : describeValue(v)}`,
      );
  }
  if (typeof step !== 'number' || step === 0 || !Number.isFinite(step))
    throw new RangeError(`arange: step must be finite and non-zero, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const { dtype, backend } = opts('arange', options);
  const a = allocFor('arange', dtype, [n]);
  for (let i = 0; i < n; i++) a[i] = storeValue('arange', dtype, start + i * step);
  return fromHost(a, [n], dtype, backend);
}

/** `num` evenly spaced values from `start` to `stop`, both included. */
export function linspace(start: number, stop: number, num: number, options?: CreationOptions): Tensor {
  if (!Number.isInteger(num) || num < 0)
    throw new RangeError(`linspace: num must be a non-negative integer, got ${num}`);
  if (typeof start !== 'number' || typeof stop !== 'number')
    throw new TypeError(
      `linspace: start and stop must be numbers, got ${describeValue(start)}, ${describeValue(stop)}`,
    );
  const { dtype, backend } = opts('linspace', options);
  const a = allocFor('linspace', dtype, [num]);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++)
    a[i] = storeValue('linspace', dtype, i === num - 1 && num > 1 ? stop : start + i * step);
  return fromHost(a, [num], dtype, backend);
}

/** The `n x m` identity (ones on the diagonal). */
export function eye(n: number, m = n, options?: CreationOptions): Tensor {
  const s = checkShape('eye', [n, m]);
  const { dtype, backend } = opts('eye', options);
  const a = allocFor('eye', dtype, s);
  for (let i = 0; i < Math.min(n, m); i++) a[i * m + i] = 1;
  return fromHost(a, s, dtype, backend);
}
