/**
 * Elementwise primitives: unary math and binary arithmetic (each one row of a table, from which
 * the names `UnaryOp`/`BinaryOp`, the primitives, the method sugar and the backends' kernel tables
 * are keyed), comparisons, `where`, `cast`, `stopGradient`.
 */
import { isFloat, type DType } from '../dtype.js';
import {
  add,
  cast,
  cos,
  div,
  equal,
  greater,
  less,
  log,
  mul,
  neg,
  pow,
  sign,
  sin,
  sub,
  where,
} from '../ops/elementwise.js';
import { scalarLike } from '../ops/coerce.js';
import { zerosLike } from '../ops/creation.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import {
  defBinary,
  defUnary,
  mapTable,
  sameDType,
  unbroadcast,
  type BinarySpec,
  type UnarySpec,
} from './algebra.js';
import type { NoParams, PrimitiveDef } from './types.js';

/** Unary math: the derivative at `x` as a linear map of the tangent `t` (`y` is the output). */
export const UNARY = {
  neg: { ints: true, d: (t) => neg(t) }, // d(-x) = -dx
  exp: { d: (t, _x, y) => mul(t, y) }, // d e^x = e^x dx
  log: { d: (t, x) => div(t, x) }, // d log x = dx / x
  log1p: { d: (t, x) => div(t, add(x, 1)) }, // d log(1 + x) = dx / (1 + x)
  sin: { d: (t, x) => mul(t, cos(x)) }, // d sin x = cos x dx
  cos: { d: (t, x) => neg(mul(t, sin(x))) }, // d cos x = -sin x dx
  tanh: { d: (t, _x, y) => mul(t, sub(1, mul(y, y))) }, // 1 - tanh^2
  sqrt: { d: (t, _x, y) => div(t, mul(y, 2)) }, // dx / (2 sqrt x)
  abs: { ints: true, d: (t, x) => mul(t, sign(x)) }, // sign(x) dx
  sign: { ints: true, d: null }, // piecewise constant
} satisfies Record<string, UnarySpec>;

/**
 * Elementwise functions of one argument: the rows of the unary table.
 * @useDeclaredType
 */
export type UnaryOp = keyof typeof UNARY;

/** Where `a == 0` the factor `log a` is replaced by 0 (the `b` partial of `0^b` is 0 for b > 0). */
function safeLog(a: Tensor): Tensor {
  const z = equal(a, 0);
  return where(z, 0, log(where(z, 1, a)));
}

/**
 * `b a^(b-1)`, the `a` partial of `a^b`, as 0 where `b == 0` (`a^0 = 1` is constant, but the
 * formula is `0 * 0^-1 = NaN` at `a = 0`). The base is replaced by 1 there, so that the unselected
 * branch stays finite in every derivative of this one too.
 */
function powSlope(a: Tensor, b: Tensor): Tensor {
  const z = equal(b, 0);
  return where(z, 0, mul(b, pow(where(z, 1, a), sub(b, 1))));
}

/**
 * Weight of `a` in the derivative of max/min: 1 where `a` wins, 1/2 at ties, 0 where `b` wins or
 * either is NaN (no comparison holds). Two selections of constants, not casts and arithmetic on
 * the comparisons: with the comparison and the final product, 5 kernels instead of 7 (relu's
 * derivative is the whole cost of its backward pass).
 */
function winWeight(wins: Tensor, a: Tensor, b: Tensor): Tensor {
  return where(wins, 1, where(equal(a, b), scalarLike(0.5, a), 0));
}

/** Binary arithmetic (NumPy broadcasting): the two partial derivatives as linear maps of `t`. */
export const BINARY = {
  add: { ints: true, da: (t) => t, db: (t) => t },
  sub: { ints: true, da: (t) => t, db: (t) => neg(t) },
  mul: { ints: true, da: (t, _a, b) => mul(t, b), db: (t, a) => mul(a, t) }, // d(ab) = b da + a db
  // d(a/b) = da/b - (a/b) db/b
  div: { da: (t, _a, b) => div(t, b), db: (t, _a, b, y) => neg(div(mul(t, y), b)) },
  pow: {
    da: (t, a, b) => mul(t, powSlope(a, b)), // d a^b / da = b a^(b-1)
    db: (t, a, _b, y) => mul(t, mul(y, safeLog(a))), // d a^b / db = a^b log a
  },
  maximum: {
    ints: true,
    da: (t, a, b) => mul(t, winWeight(greater(a, b), a, b)),
    db: (t, a, b) => mul(t, winWeight(greater(b, a), b, a)),
  },
  minimum: {
    ints: true,
    da: (t, a, b) => mul(t, winWeight(less(a, b), a, b)),
    db: (t, a, b) => mul(t, winWeight(less(b, a), b, a)),
  },
} satisfies Record<string, BinarySpec>;

/**
 * Elementwise functions of two arguments (NumPy broadcasting): the rows of the binary table.
 * @useDeclaredType
 */
export type BinaryOp = keyof typeof BINARY;

/** Params of the elementwise primitives. */
export type ElementwiseParams = { [P in keyof typeof UNARY]: NoParams } & {
  [P in keyof typeof BINARY]: NoParams;
} & {
  compare: { op: CompareOp };
  where: NoParams;
  cast: { dtype: DType };
  stopGradient: NoParams;
};

/** Elementwise comparisons, producing `bool`. */
export type CompareOp = 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne';

const compare: PrimitiveDef<'compare'> = {
  abstract([a, b], { op }) {
    sameDType(op, [a!, b!]);
    return { shape: broadcastShapes(op, a!.shape, b!.shape), dtype: 'bool' };
  },
  impl: (be, [a, b], { op }, out) => be.compare(op, a!, b!, out.shape),
  jvp: () => null, // bool output: no tangent
  vjp: () => [null, null],
};

const whereDef: PrimitiveDef<'where'> = {
  abstract([c, a, b]) {
    if (c!.dtype !== 'bool') throw new TypeError(`where: cond must be bool, got ${c!.dtype}`);
    const dtype = sameDType('where', [a!, b!]);
    return { shape: broadcastShapes('where', broadcastShapes('where', c!.shape, a!.shape), b!.shape), dtype };
  },
  impl: (be, [c, a, b], _p, out) => be.where(c!, a!, b!, out.shape),
  // d where(c, a, b) = where(c, da, db)
  jvp: ([, ta, tb], [c, a, b]) => where(c!, ta ?? zerosLike(a!), tb ?? zerosLike(b!)),
  vjp: (ct, [c, a, b], _o, _p, needs) => [
    null,
    needs[1] ? unbroadcast(where(c!, ct, 0), a!.shape) : null,
    needs[2] ? unbroadcast(where(c!, 0, ct), b!.shape) : null,
  ],
};

const castDef: PrimitiveDef<'cast'> = {
  abstract: ([x], { dtype }) => ({ shape: x!.shape.slice(), dtype }),
  impl: (be, [x], { dtype }) => be.cast(x!, dtype),
  // float -> float is linear; to or from int/bool the derivative is zero
  jvp: ([t], [x], _o, { dtype }) => (isFloat(dtype) && isFloat(x!.dtype) ? cast(t!, dtype) : null),
  vjp: (ct, [x], _o, { dtype }) => [isFloat(dtype) && isFloat(x!.dtype) ? cast(ct, x!.dtype) : null],
};

const stopGradientDef: PrimitiveDef<'stopGradient'> = {
  abstract: ([x]) => ({ shape: x!.shape.slice(), dtype: x!.dtype }),
  impl: (be, [x]) => be.reshape(x!, x!.shape),
  jvp: () => null,
  vjp: () => [null],
};

/** The elementwise primitives. */
export const elementwisePrims: { [P in keyof ElementwiseParams]: PrimitiveDef<P> } = {
  ...(mapTable(UNARY, defUnary) as { [P in UnaryOp]: PrimitiveDef<P> }),
  ...(mapTable(BINARY, defBinary) as { [P in BinaryOp]: PrimitiveDef<P> }),
  compare,
  where: whereDef,
  cast: castDef,
  stopGradient: stopGradientDef,
};
