/** Reduction primitives: sum, max, prod (over a set of axes) and argmax (along one axis). */
import { eye } from '../ops/creation.js';
import { cast, div, equal, mul, where } from '../ops/elementwise.js';
import { broadcastTo, expandDims, reshape, transpose } from '../ops/movement.js';
import { prod, sum } from '../ops/reduce.js';
import { fmt, keptShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { defLinear } from './algebra.js';
import type { Abstract, PrimitiveDef } from './types.js';

/** Params of the reduction primitives. */
export interface ReduceParams {
  sum: { axes: readonly number[] };
  max: { axes: readonly number[] };
  prod: { axes: readonly number[] };
  argmax: { axis: number };
}

/** Reductions over a set of axes (the backend's `reduce` kernel). */
export type ReduceOp = 'sum' | 'max' | 'prod';

function reduceAbstract(op: ReduceOp) {
  return ([x]: readonly Tensor[], { axes }: { axes: readonly number[] }): Abstract => {
    if (x!.dtype === 'bool') throw new TypeError(`${op}: not defined for bool tensors ${fmt(x!.shape)}`);
    return { shape: x!.shape.filter((_, i) => !axes.includes(i)), dtype: x!.dtype };
  };
}

/** Broadcasts a reduced result (or its cotangent) back over the reduced axes of `x`. */
function expandBack(y: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return broadcastTo(reshape(y, keptShape(x.shape, axes)), x.shape);
}

const sumDef = defLinear('sum', {
  abstract: reduceAbstract('sum'),
  impl: (be, [x], { axes }) => be.reduce('sum', x!, axes),
  transpose: (ct, [x], { axes }) => [expandBack(ct, x!, axes)], // the transpose of sum is broadcast
});

/** Where `x` attains the max, weighted 1/count so ties share the derivative. */
function maxWeights(x: Tensor, out: Tensor, axes: readonly number[]): Tensor {
  const hit = cast(equal(x, expandBack(out, x, axes)), x.dtype);
  return div(hit, expandBack(sum(hit, axes), x, axes));
}

const maxDef: PrimitiveDef<'max'> = {
  abstract: reduceAbstract('max'),
  impl: (be, [x], { axes }) => be.reduce('max', x!, axes),
  jvp: ([t], [x], out, { axes }) => sum(mul(t!, maxWeights(x!, out, axes)), axes),
  vjp: (ct, [x], out, { axes }) => [mul(expandBack(ct, x!, axes), maxWeights(x!, out, axes))],
};

/**
 * For every element, the product of the other elements of its reduction group. Computed without
 * division (so zeros are exact): move the reduced axes last, flatten them to length n, and take the
 * product over a [.., n, n] copy whose diagonal is replaced by ones.
 */
function prodOthers(x: Tensor, axes: readonly number[]): Tensor {
  const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...keep, ...axes];
  const inv = perm.map((_, i) => perm.indexOf(i));
  const n = axes.reduce((acc, a) => acc * x.shape[a]!, 1);
  const flat = reshape(transpose(x, perm), [...keep.map((i) => x.shape[i]!), n]);
  const diag = cast(eye(n, n, { dtype: 'int32', backend: x.backend }), 'bool');
  const others = prod(where(diag, 1, expandDims(flat, -2)), -1); // [..., n]: row i skips element i
  return transpose(
    reshape(
      others,
      perm.map((p) => x.shape[p]!),
    ),
    inv,
  );
}

const prodDef: PrimitiveDef<'prod'> = {
  abstract: reduceAbstract('prod'),
  impl: (be, [x], { axes }) => be.reduce('prod', x!, axes),
  jvp: ([t], [x], _o, { axes }) => sum(mul(t!, prodOthers(x!, axes)), axes),
  vjp: (ct, [x], _o, { axes }) => [mul(expandBack(ct, x!, axes), prodOthers(x!, axes))],
};

const argmaxDef: PrimitiveDef<'argmax'> = {
  abstract([x], { axis }) {
    if (x!.dtype === 'bool') throw new TypeError(`argmax: not defined for bool tensors ${fmt(x!.shape)}`);
    return { shape: x!.shape.filter((_, i) => i !== axis), dtype: 'int32' };
  },
  impl: (be, [x], { axis }) => be.argmax(x!, axis),
  jvp: () => null,
  vjp: () => [null],
};

/** The reduction primitives. */
export const reducePrims: { [P in keyof ReduceParams]: PrimitiveDef<P> } = {
  sum: sumDef,
  max: maxDef,
  prod: prodDef,
  argmax: argmaxDef,
};
