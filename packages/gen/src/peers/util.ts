/**
 * Helpers the peer transforms share: rejecting unknown options, insisting on `params` and on
 * required extras with messages that name the transform, and the tree reductions their step-size
 * estimates are made of (all 0-d tensors: nothing is read back).
 */
import { abs, add, mul, scalar, sub, sum, treeLeaves, treeMap, Tensor } from '@gen-ts/core';
import { checkBoolean, checkNumber } from '../util.js';
import { checkOptionsObject } from '../validate.js';

/**
 * Throws unless `options` is an object whose keys are all in `known`; returns it. The same check
 * (and messages) as every other optimizer's, `checkOptionsObject`.
 */
export function checkOptionKeys<T extends object>(op: string, options: T, known: readonly string[]): T {
  return checkOptionsObject(op, options, known) as T;
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

/** A 0-d tensor holding `v` in `x`'s dtype, on `x`'s backend. */
export const like = (x: Tensor, v: number): Tensor => scalar(v, { dtype: x.dtype, backend: x.backend });

/** The options the D-adaptation family shares, validated with the authors' defaults. */
export interface DAdaptCommon {
  readonly lr: number;
  readonly weightDecay: number;
  readonly d0: number;
  readonly growthRate: number;
}

/** Validates `lr` (default 1), `weightDecay` (0), `d0` (1e-6) and `growthRate` (Infinity, at least 1). */
export function dAdaptCommon(op: string, o: { readonly [K in keyof DAdaptCommon]?: number }): DAdaptCommon {
  return {
    lr: checkNumber(op, 'lr', o.lr ?? 1, { min: 0, minExclusive: true }),
    weightDecay: checkNumber(op, 'weightDecay', o.weightDecay ?? 0, { min: 0 }),
    d0: checkNumber(op, 'd0', o.d0 ?? 1e-6, { min: 0, minExclusive: true }),
    growthRate: checkNumber(op, 'growthRate', o.growthRate ?? Infinity, { min: 1, finite: false }),
  };
}

/** The Adam-like options of Prodigy and D-Adapt Adam, validated (`decouple`'s default differs between them). */
export interface AdamLike extends DAdaptCommon {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly decouple: boolean;
  readonly useBiasCorrection: boolean;
}

/** Validates the options of `AdamLike` (defaults: `beta1` 0.9, `beta2` 0.999, `eps` 1e-8, `useBiasCorrection` false). */
export function adamLike(
  op: string,
  o: { readonly [K in keyof AdamLike]?: AdamLike[K] },
  decoupleDefault: boolean,
): AdamLike {
  const unit = { min: 0, max: 1, maxExclusive: true };
  return {
    ...dAdaptCommon(op, o),
    beta1: checkNumber(op, 'beta1', o.beta1 ?? 0.9, unit),
    beta2: checkNumber(op, 'beta2', o.beta2 ?? 0.999, unit),
    eps: checkNumber(op, 'eps', o.eps ?? 1e-8, { min: 0, minExclusive: true }),
    decouple: checkBoolean(op, 'decouple', o.decouple ?? decoupleDefault),
    useBiasCorrection: checkBoolean(op, 'useBiasCorrection', o.useBiasCorrection ?? false),
  };
}

/** Adam's bias correction on the step, `sqrt(1 - beta2^(k+1)) / (1 - beta1^(k+1))` at step `k` (1 when off). */
export const biasCorrection = (c: AdamLike, k: number): number =>
  c.useBiasCorrection ? Math.sqrt(1 - c.beta2 ** (k + 1)) / (1 - c.beta1 ** (k + 1)) : 1;

/** `g + weightDecay * x` (L2 decay added to the gradient), or `g` when `weightDecay` is 0. */
export function coupledDecay<U>(g: U, x: U | undefined, weightDecay: number): U {
  if (weightDecay === 0) return g;
  return treeMap<U>((gi, p) => add(gi, mul(p!, weightDecay)), g, x);
}
