/**
 * Data types. `float64` is the reference dtype for math; `float32` is the default (as in every
 * GPU-oriented library); `int32` holds indices and labels; `bool` holds comparison results.
 */

import { fmt, sizeOf, type Shape } from './shape.js';

/** The element types a tensor can hold. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Every dtype, in promotion-free order. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The typed array that stores a dtype on the host. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The dtype a tensor gets when none is asked for. */
export const DEFAULT_DTYPE: DType = 'float32';

/** True for the dtypes that can be differentiated. */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Throws unless `d` names a dtype. */
export function checkDType(d: unknown, where: string): DType {
  if (d === 'float32' || d === 'float64' || d === 'int32' || d === 'bool') return d;
  throw new TypeError(`${where}: unknown dtype ${JSON.stringify(d)} (expected one of ${DTYPES.join(', ')})`);
}

/** Allocates a zero-filled host array for `size` elements of `dtype`. */
export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** Bytes one element of `dtype` takes on the host. */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * The number a host array of `dtype` holds for the value `v` given by a user (creation, and the
 * numbers that ops turn into tensors). `v` must be a number or boolean. For `bool`, 1 where
 * `v != 0` (as `cast` does; a Uint8Array alone would keep 2 and wrap -1 to 255). For `int32`,
 * `v` truncated toward zero, which must be in the int32 range: NaN, infinities and values beyond
 * it throw, naming `op`, where an Int32Array would store 0 or wrap silently.
 */
export function storeValue(op: string, dtype: DType, v: unknown): number {
  if (typeof v === 'boolean') v = v ? 1 : 0;
  if (typeof v !== 'number') {
    throw new TypeError(`${op}: values must be numbers or booleans, got ${describeValue(v)}`);
  }
  if (dtype === 'bool') return v !== 0 ? 1 : 0;
  if (dtype === 'int32') {
    const t = Math.trunc(v);
    if (!(t >= INT32_MIN && t <= INT32_MAX)) {
      throw new RangeError(
        `${op}: ${v} does not fit int32 (integers in [${INT32_MIN}, ${INT32_MAX}]); use a float dtype`,
      );
    }
    return t;
  }
  return v;
}

/** `v` described for an error message. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

/** Copies `values` into a new host array of `dtype` through `storeValue` (which names `op` in errors). */
export function toTypedArray(op: string, values: ArrayLike<unknown>, dtype: DType, shape: Shape): TypedArray {
  const out = allocFor(op, dtype, shape);
  for (let i = 0; i < values.length; i++) out[i] = storeValue(op, dtype, values[i]);
  return out;
}

/**
 * @internal True for the errors thrown when memory cannot be had: JavaScript's typed-array limits
 * and failed allocations, and a backend's own `RangeError` saying it cannot allocate.
 */
export function isAllocationFailure(e: unknown): boolean {
  return (
    e instanceof RangeError &&
    /Invalid typed array length|Array buffer allocation failed|Invalid array length|cannot allocate/i.test(
      e.message,
    )
  );
}

/** @internal The error for a result of `dtype` and `shape` that `op` could not allocate. */
export function allocationError(op: string, dtype: DType, shape: Shape, cause?: unknown): RangeError {
  const n = sizeOf(shape);
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return new RangeError(
    `${op}: cannot allocate a ${dtype}${fmt(shape)} result (${n} elements, ${formatBytes(n * bytesPerElement(dtype))})${why}`,
    { cause },
  );
}

/** @internal A host array for a `dtype` tensor of `shape`; a failed allocation names `op`, the shape and the bytes. */
export function allocFor(op: string, dtype: DType, shape: Shape): TypedArray {
  try {
    return allocArray(dtype, sizeOf(shape));
  } catch (e) {
    throw isAllocationFailure(e) ? allocationError(op, dtype, shape, e) : e;
  }
}

/** `1.5 GB`-style sizes (powers of 1000). */
function formatBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${u === 0 ? n : n.toPrecision(3)} ${units[u]}`;
}
