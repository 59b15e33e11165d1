/**
 * Helpers the peer transforms share: rejecting unknown options, insisting on `params` and on
 * required extras with messages that name the transform, and the tree reductions their step-size
 * estimates are made of (all 0-d tensors: nothing is read back).
 */
import { abs, add, equal, mul, scalar, sub, sum, treeLeaves, Tensor } from '@gen-ts/core';

/** Throws unless `options` is an object whose keys are all in `known`; returns it. */
export function checkOptionKeys<T extends object>(op: string, options: T, known: readonly string[]): T {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`${op}: options must be an object`);
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new TypeError(`${op}: unknown option ${k} (known: ${known.join(', ')})`);
  }
  return options;
}

/** `params`, or a clear error when the caller did not pass them. */
export function needParams<P>(op: string, params: P | undefined, why: string): P {
  if (params === undefined) throw new Error(`${op}: update needs params (${why})`);
  return params;
}

/** A 0-d loss tensor from the extras, or a clear error naming the extra. */
export function needValue(op: string, value: unknown, why: string): Tensor {
  if (!(value instanceof Tensor))
    throw new Error(`${op}: update needs extra.value, the loss at the current params (${why})`);
  if (value.rank !== 0)
    throw new TypeError(
      `${op}: extra.value must be a 0-d (scalar) loss, got shape [${value.shape.join(', ')}]`,
    );
  return value;
}

/** `sum_i <a_i, b_i>` over the leaves (0-d, in the first leaf's dtype). */
export function dotTree(a: unknown, b: unknown): Tensor {
  const la = treeLeaves(a);
  const lb = treeLeaves(b);
  let acc = sum(mul(la[0]!, lb[0]!));
  for (let i = 1; i < la.length; i++) acc = add(acc, sum(mul(la[i]!, lb[i]!)));
  return acc;
}

/** `sum_i ||a_i||_1` over the leaves. */
export function l1Tree(a: unknown): Tensor {
  const la = treeLeaves(a);
  let acc = sum(abs(la[0]!));
  for (let i = 1; i < la.length; i++) acc = add(acc, sum(abs(la[i]!)));
  return acc;
}

/** `||a - b||^2` over the leaves. */
export function sqDistTree(a: unknown, b: unknown): Tensor {
  const la = treeLeaves(a);
  const lb = treeLeaves(b);
  const sq = (i: number) => {
    const d = sub(la[i]!, lb[i]!);
    return sum(mul(d, d));
  };
  let acc = sq(0);
  for (let i = 1; i < la.length; i++) acc = add(acc, sq(i));
  return acc;
}

/** True (0-d bool) where `x` is finite: NaN and +-Infinity give `x - x = NaN`. */
export const isFinite0d = (x: Tensor): Tensor => equal(sub(x, x), 0);

/** A 0-d tensor holding `v` in `x`'s dtype, on `x`'s backend. */
export const like = (x: Tensor, v: number): Tensor => scalar(v, { dtype: x.dtype, backend: x.backend });
