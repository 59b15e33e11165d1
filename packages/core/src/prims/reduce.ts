/** Reduction primitives: sum, max, prod (over a set of axes) and argmax (along one axis). */
import { full } from '../ops/creation.js';
import { cast, div, equal, mul } from '../ops/elementwise.js';
import { broadcastTo, concat, expandDims, pad, reshape, slice, transpose } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
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
 * For every element, the product of the other elements of its reduction group, without division
 * (so zeros are exact, to every order): the reduced axes are moved last and flattened to length
 * n, and each element's exclusive prefix product times its exclusive suffix product is its answer.
 * Both scans take O(n) memory, where a table of every element against every other took n^2 (and
 * failed on a valid call at n = 70,000).
 */
function prodOthers(x: Tensor, axes: readonly number[]): Tensor {
  const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...keep, ...axes];
  const inv = perm.map((_, i) => perm.indexOf(i));
  const n = axes.reduce((acc, a) => acc * x.shape[a]!, 1);
  const flat = reshape(transpose(x, perm), [...keep.map((i) => x.shape[i]!), n]);
  const others = mul(exclusiveProducts(flat, false), exclusiveProducts(flat, true));
  return transpose(
    reshape(
      others,
      perm.map((p) => x.shape[p]!),
    ),
    inv,
  );
}

/**
 * Exclusive products along the last axis: element i gets the product of the elements before it
 * (`fromEnd`: after it). A pairwise scan: multiply neighbours into a vector half as long, scan
 * that, and expand (the even element of pair j gets the pair's prefix, the odd one that times the
 * even element; mirrored for suffixes). n + n/2 + n/4 + ... elements in all: linear memory, log n
 * levels of ordinary ops, so the rule is differentiable like any other composition.
 */
function exclusiveProducts(v: Tensor, fromEnd: boolean): Tensor {
  const r = v.rank;
  const n = v.shape[r - 1]!;
  const lead = v.shape.slice(0, -1);
  if (n === 1) return full(v.shape, 1, { dtype: v.dtype, backend: v.backend });
  const m = Math.ceil(n / 2);
  // an odd length is padded with a 1, which changes no product
  const even = n % 2 === 0 ? v : pad(v, [...lead.map(() => [0, 0] as [number, number]), [0, 1]], 1);
  const pairs = reshape(even, [...lead, m, 2]);
  const first = slice(pairs, [...lead.map(() => 0), 0, 0], [...lead, m, 1]);
  const second = slice(pairs, [...lead.map(() => 0), 0, 1], [...lead, m, 1]);
  const scanned = expandDims(exclusiveProducts(reshape(mul(first, second), [...lead, m]), fromEnd), -1);
  const halves = fromEnd ? [mul(scanned, second), scanned] : [scanned, mul(scanned, first)];
  const out = reshape(concat(halves, -1), [...lead, 2 * m]);
  return n % 2 === 0 ? out : slice(out, lead.map(() => 0).concat(0), [...lead, n]);
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
