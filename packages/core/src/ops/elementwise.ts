/** Elementwise ops: arithmetic (NumPy broadcasting), unary math, comparisons, `where`, `cast`. */
import { bind } from '../bind.js';
import { checkDType, isFloat, type DType } from '../dtype.js';
import type { BinaryOp, CompareOp, UnaryOp } from '../prims/elementwise.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkOperand, checkTensor, coercePair, scalarLike, type TensorLike } from './coerce.js';
import { fromHost } from './creation.js';

const NONE = {} as Record<string, never>;

/** The public function of a binary primitive (a row of the table in `prims/elementwise.ts`). */
function binary(name: BinaryOp) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    const [x, y] = coercePair(name, a, b);
    return bind(name, [x, y], NONE);
  };
}

/** The public function of a unary primitive (a row of the table in `prims/elementwise.ts`). */
function unary(name: UnaryOp) {
  return (x: Tensor): Tensor => {
    checkTensor(name, x);
    return bind(name, [x], NONE);
  };
}

/** `a + b` elementwise, with broadcasting. */
export const add = binary('add');
/** `a - b` elementwise, with broadcasting. */
export const sub = binary('sub');
/** `a * b` elementwise, with broadcasting. */
export const mul = binary('mul');
/** `a / b` elementwise, with broadcasting (float dtypes). */
export const div = binary('div');
/** `a ** b` elementwise, with broadcasting (float dtypes). */
export const pow = binary('pow');
/** Elementwise maximum; at ties the gradient is split evenly. */
export const maximum = binary('maximum');
/** Elementwise minimum; at ties the gradient is split evenly. */
export const minimum = binary('minimum');

/** `-x`. */
export const neg = unary('neg');
/** `e^x`. */
export const exp = unary('exp');
/** Natural logarithm. */
export const log = unary('log');
/** `log(1 + x)`, accurate where `x` is tiny (where `1 + x` rounds to 1 and `log` gives 0). */
export const log1p = unary('log1p');
/** Sine. */
export const sin = unary('sin');
/** Cosine. */
export const cos = unary('cos');
/** Hyperbolic tangent. */
export const tanh = unary('tanh');
/** Square root. */
export const sqrt = unary('sqrt');
/** Absolute value (gradient `sign(x)`, 0 at 0). */
export const abs = unary('abs');
/** -1, 0 or 1 (gradient 0). */
export const sign = unary('sign');

function compare(op: CompareOp, name: string) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    const [x, y] = coercePair(name, a, b);
    return bind('compare', [x, y], { op });
  };
}

/** `a < b` elementwise, as `bool`. */
export const less = compare('lt', 'less');
/** `a <= b` elementwise, as `bool`. */
export const lessEqual = compare('le', 'lessEqual');
/** `a > b` elementwise, as `bool`. */
export const greater = compare('gt', 'greater');
/** `a >= b` elementwise, as `bool`. */
export const greaterEqual = compare('ge', 'greaterEqual');
/** `a == b` elementwise, as `bool`. */
export const equal = compare('eq', 'equal');
/** `a != b` elementwise, as `bool`. */
export const notEqual = compare('ne', 'notEqual');

/** `cond ? a : b` elementwise, with broadcasting; `cond` must be `bool`. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor('where', cond, 'cond');
  let x: Tensor;
  let y: Tensor;
  if (a instanceof Tensor || b instanceof Tensor) [x, y] = coercePair('where', a, b);
  else {
    checkOperand('where', a, 'second');
    checkOperand('where', b, 'third');
    x = fromHost(Float32Array.of(a), [], 'float32', cond.backend);
    y = scalarLike(b, x, 'where');
  }
  return bind('where', [cond, x, y], NONE);
}

/**
 * Converts to another dtype. Float to int32 truncates toward zero; NaN becomes 0 and values beyond
 * the int32 range saturate to its ends (-2^31, 2^31 - 1), the same on every backend. To bool
 * tests `!= 0` (NaN is true).
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor('cast', x);
  checkDType(dtype, 'cast');
  if (x.dtype === dtype) return x;
  return bind('cast', [x], { dtype });
}

/** The identity, with zero derivative in every mode (as `jax.lax.stop_gradient`). */
export function stopGradient(x: Tensor): Tensor {
  checkTensor('stopGradient', x);
  return bind('stopGradient', [x], NONE);
}

/** `x * x`. */
export function square(x: Tensor): Tensor {
  return mul(x, x);
}

/** `1 / x`. */
export function reciprocal(x: Tensor): Tensor {
  return div(1, x);
}

/** True where `x` is neither NaN nor infinite (always true for int32 and bool tensors). */
export function isFinite(x: Tensor): Tensor {
  checkTensor('isFinite', x);
  return isFloat(x.dtype) ? equal(sub(x, x), 0) : equal(x, x); // x - x is NaN exactly for NaN and +-Inf
}

function checkBool(op: string, x: Tensor, name: string): void {
  checkTensor(op, x, name);
  if (x.dtype !== 'bool') throw new TypeError(`${op}: ${name} must be bool, got ${x.dtype}${fmt(x.shape)}`);
}

/** `a && b` elementwise on `bool` tensors, with broadcasting. */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  checkBool('logicalAnd', a, 'a');
  checkBool('logicalAnd', b, 'b');
  return where(a, b, a);
}

/** `a || b` elementwise on `bool` tensors, with broadcasting. */
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  checkBool('logicalOr', a, 'a');
  checkBool('logicalOr', b, 'b');
  return where(a, a, b);
}

/** `!x` elementwise on a `bool` tensor. */
export function logicalNot(x: Tensor): Tensor {
  checkBool('logicalNot', x, 'x');
  return equal(x, 0);
}
