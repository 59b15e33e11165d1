/** Turning numbers into tensors next to a tensor operand (numbers take the tensor's dtype and backend). */
import { Tensor } from '../tensor.js';
import { allocArray, DEFAULT_DTYPE, storeValue, type DType } from '../dtype.js';
import { fromHost } from './creation.js';

/** A tensor, or a number that takes the dtype of the tensor it is combined with. */
export type TensorLike = Tensor | number;

/**
 * @internal The stored value of a number combined with a tensor of `dtype` (an operand, a fill
 * value): a non-integer with an int32 tensor throws (it would truncate silently), and so does a
 * value beyond int32's range; for bool it is 0 or 1.
 */
export function valueFor(op: string, dtype: DType, v: number): number {
  if (dtype === 'int32' && typeof v === 'number' && !Number.isInteger(v)) {
    throw new TypeError(
      `${op}: cannot combine the non-integer number ${v} with an int32 tensor; cast the tensor first`,
    );
  }
  return storeValue(op, dtype, v);
}

/** @internal A 0-d tensor of `v` with `like`'s dtype and backend. */
export function scalarLike(v: number, like: Tensor, op = 'scalarLike'): Tensor {
  const a = allocArray(like.dtype, 1);
  a[0] = valueFor(op, like.dtype, v);
  return fromHost(a, [], like.dtype, like.backend);
}

/** @internal Checks an operand is a tensor or number. */
export function checkOperand(op: string, x: unknown, pos: string): void {
  if (!(x instanceof Tensor) && typeof x !== 'number') {
    throw new TypeError(`${op}: ${pos} operand must be a Tensor or a number, got ${describe(x)}`);
  }
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array (wrap it with tensor(...))';
  return typeof x;
}

/** @internal Makes both operands tensors; a number takes the other operand's dtype. */
export function coercePair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor) {
    if (b instanceof Tensor) return [a, b];
    checkOperand(op, b, 'second');
    return [a, scalarLike(b, a, op)];
  }
  checkOperand(op, a, 'first');
  if (b instanceof Tensor) return [scalarLike(a, b, op), b];
  checkOperand(op, b, 'second');
  const x = fromHost(Float32Array.of(a), [], DEFAULT_DTYPE);
  return [x, scalarLike(b, x, op)];
}

/** @internal Throws unless `x` is a Tensor. */
export function checkTensor(op: string, x: unknown, name = 'x'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${describe(x)}`);
}
