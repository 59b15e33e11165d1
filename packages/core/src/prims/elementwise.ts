/** Elementwise primitives: unary math, binary arithmetic, comparisons, `where`, `cast`, `stopGradient`. */
import type { BinaryOp } from '../backend.js';
import { isFloat } from '../dtype.js';
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
import { zerosLike } from '../ops/creation.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { addT, defUnary, needFloat, sameDType, unbroadcast } from './algebra.js';
import type { PrimitiveDef } from './types.js';

type Unary = 'neg' | 'exp' | 'log' | 'sin' | 'cos' | 'tanh' | 'sqrt' | 'abs' | 'sign';
type Binary = BinaryOp;

export const unaryPrims: { [P in Unary]: PrimitiveDef<P> } = {
  neg: defUnary(
    'neg',
    false,
    (b, x) => b.unary('neg', x),
    (t) => neg(t),
  ), // d(-x) = -dx
  exp: defUnary(
    'exp',
    true,
    (b, x) => b.unary('exp', x),
    (t, _x, y) => mul(t, y),
  ), // d e^x = e^x dx
  log: defUnary(
    'log',
    true,
    (b, x) => b.unary('log', x),
    (t, x) => div(t, x),
  ), // d log x = dx / x
  sin: defUnary(
    'sin',
    true,
    (b, x) => b.unary('sin', x),
    (t, x) => mul(t, cos(x)),
  ), // d sin x = cos x dx
  cos: defUnary(
    'cos',
    true,
    (b, x) => b.unary('cos', x),
    (t, x) => neg(mul(t, sin(x))),
  ), // d cos x = -sin x dx
  tanh: defUnary(
    'tanh',
    true,
    (b, x) => b.unary('tanh', x),
    (t, _x, y) => mul(t, sub(1, mul(y, y))),
  ), // 1 - tanh^2
  sqrt: defUnary(
    'sqrt',
    true,
    (b, x) => b.unary('sqrt', x),
    (t, _x, y) => div(t, mul(y, 2)),
  ), // dx / (2 sqrt x)
  abs: defUnary(
    'abs',
    false,
    (b, x) => b.unary('abs', x),
    (t, x) => mul(t, sign(x)),
  ), // sign(x) dx
  sign: defUnary('sign', false, (b, x) => b.unary('sign', x), null), // piecewise constant
};

/**
 * A binary primitive from its two partial derivatives, each a linear map of a tangent `t`
 * (elementwise, so self-transposed); the VJP sums back over broadcast axes.
 */
function defBinary<P extends Binary>(
  op: P,
  floatOnly: boolean,
  da: (t: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor,
  db: (t: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor,
): PrimitiveDef<P> {
  return {
    abstract([a, b]) {
      const dtype = sameDType(op, [a!, b!]);
      if (floatOnly) needFloat(op, a!);
      else if (dtype === 'bool') throw new TypeError(`${op}: not defined for bool tensors`);
      return { shape: broadcastShapes(op, a!.shape, b!.shape), dtype };
    },
    impl: (be, [a, b], _p, out) => be.binary(op, a!, b!, out.shape),
    jvp: ([ta, tb], [a, b], out) => addT(ta ? da(ta, a!, b!, out) : null, tb ? db(tb, a!, b!, out) : null),
    vjp: (ct, [a, b], out, _p, needs) => [
      needs[0] ? unbroadcast(da(ct, a!, b!, out), a!.shape) : null,
      needs[1] ? unbroadcast(db(ct, a!, b!, out), b!.shape) : null,
    ],
  };
}

/** Where `a == 0` the factor `log a` is replaced by 0 (the `b` partial of `0^b` is 0 for b > 0). */
function safeLog(a: Tensor): Tensor {
  const z = equal(a, 0);
  return where(z, 0, log(where(z, 1, a)));
}

/** Weight of `a` in the derivative of max/min: 1 where `a` wins, 1/2 at ties, 0 where `b` wins. */
function winWeight(wins: Tensor, a: Tensor, b: Tensor): Tensor {
  return add(cast(wins, a.dtype), mul(cast(equal(a, b), a.dtype), 0.5));
}

export const binaryPrims: { [P in Binary]: PrimitiveDef<P> } = {
  add: defBinary(
    'add',
    false,
    (t) => t,
    (t) => t,
  ),
  sub: defBinary(
    'sub',
    false,
    (t) => t,
    (t) => neg(t),
  ),
  mul: defBinary(
    'mul',
    false,
    (t, _a, b) => mul(t, b),
    (t, a) => mul(a, t),
  ), // d(ab) = b da + a db
  div: defBinary(
    'div',
    true,
    (t, _a, b) => div(t, b),
    (t, _a, b, y) => neg(div(mul(t, y), b)),
  ), // d(a/b) = da/b - (a/b) db/b
  pow: defBinary(
    'pow',
    true,
    (t, a, b) => mul(t, mul(b, pow(a, sub(b, 1)))), // d a^b / da = b a^(b-1)
    (t, a, _b, y) => mul(t, mul(y, safeLog(a))), // d a^b / db = a^b log a
  ),
  maximum: defBinary(
    'maximum',
    false,
    (t, a, b) => mul(t, winWeight(greater(a, b), a, b)),
    (t, a, b) => mul(t, winWeight(greater(b, a), b, a)),
  ),
  minimum: defBinary(
    'minimum',
    false,
    (t, a, b) => mul(t, winWeight(less(a, b), a, b)),
    (t, a, b) => mul(t, winWeight(less(b, a), b, a)),
  ),
};

export const compare: PrimitiveDef<'compare'> = {
  abstract([a, b], { op }) {
    sameDType(op, [a!, b!]);
    return { shape: broadcastShapes(op, a!.shape, b!.shape), dtype: 'bool' };
  },
  impl: (be, [a, b], { op }, out) => be.compare(op, a!, b!, out.shape),
  jvp: () => null, // bool output: no tangent
  vjp: () => [null, null],
};

export const whereDef: PrimitiveDef<'where'> = {
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

export const castDef: PrimitiveDef<'cast'> = {
  abstract: ([x], { dtype }) => ({ shape: x!.shape.slice(), dtype }),
  impl: (be, [x], { dtype }) => be.cast(x!, dtype),
  // float -> float is linear; to or from int/bool the derivative is zero
  jvp: ([t], [x], _o, { dtype }) => (isFloat(dtype) && isFloat(x!.dtype) ? cast(t!, dtype) : null),
  vjp: (ct, [x], _o, { dtype }) => [isFloat(dtype) && isFloat(x!.dtype) ? cast(ct, x!.dtype) : null],
};

export const stopGradientDef: PrimitiveDef<'stopGradient'> = {
  abstract: ([x]) => ({ shape: x!.shape.slice(), dtype: x!.dtype }),
  impl: (be, [x]) => be.reshape(x!, x!.shape),
  jvp: () => null,
  vjp: () => [null],
};
