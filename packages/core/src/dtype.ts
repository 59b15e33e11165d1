/**
 * Data types. `float64` is the reference dtype for math; `float32` is the default (as in every
 * GPU-oriented library); `int32` holds indices and labels; `bool` holds comparison results.
 */

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

/**
 * The number a host array of `dtype` should hold for `v`: for `bool`, 1 where `v != 0` (as `cast`
 * does; a Uint8Array alone would keep 2 and wrap -1 to 255); other dtypes convert on store.
 */
export function hostValue(dtype: DType, v: number): number {
  return dtype === 'bool' ? (v !== 0 ? 1 : 0) : v;
}

/** Copies `values` into a new host array of `dtype` (booleans become 0/1, ints truncate). */
export function toTypedArray(values: ArrayLike<number | boolean>, dtype: DType): TypedArray {
  const out = allocArray(dtype, values.length);
  for (let i = 0; i < values.length; i++) out[i] = hostValue(dtype, Number(values[i]));
  return out;
}
