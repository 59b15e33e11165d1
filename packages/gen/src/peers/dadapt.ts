/**
 * D-Adaptation (Defazio & Mishchenko, "Learning-Rate-Free Learning by D-Adaptation", ICML 2023):
 * Adam and SGD whose step size `d` is a lower bound on the distance to the solution, grown from
 * `d0` as the iterates move. Rules, defaults and order of operations follow the authors'
 * `dadaptation` 3.2 (`DAdaptAdam`, `DAdaptSGD`; one parameter group); every scalar lives on the
 * params' device.
 */
import {
  add,
  div,
  equal,
  greater,
  maximum,
  minimum,
  mul,
  sqrt,
  sub,
  treeMap,
  where,
  zerosLike,
  type Tensor,
} from '@gen-ts/core';
import type { GradientTransformation } from '../types.js';
import { castTo, checkNumber, scalarFor } from '../util.js';
import {
  adamLike,
  biasCorrection,
  checkOptionKeys,
  coupledDecay,
  dAdaptCommon,
  dotTree,
  l1Tree,
  like,
  needParams,
} from './util.js';

/** Options of `dAdaptAdam` (the authors' names in camelCase; defaults of dadaptation 3.2). */
export interface DAdaptAdamOptions {
  /** Multiplier of the estimated step size (default 1). */
  lr?: number;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999); the statistics decay by `sqrt(beta2)`. */
  beta2?: number;
  /** Added to the root of the second moment (default 1e-8). */
  eps?: number;
  /** Weight decay (default 0). */
  weightDecay?: number;
  /** Decoupled (AdamW-style) weight decay when true, else added to the gradient (default false). */
  decouple?: boolean;
  /** Adam's bias correction `sqrt(1 - beta2^t) / (1 - beta1^t)` on the step (default false). */
  useBiasCorrection?: boolean;
  /** Initial step-size estimate (default 1e-6). */
  d0?: number;
  /** Largest factor `d` may grow by per step (default Infinity). */
  growthRate?: number;
}

/** The state of `dAdaptAdam`. */
export interface DAdaptAdamState<U = unknown> {
  /** Steps taken. */
  readonly count: number;
  /** The step-size estimate `d`. */
  readonly d: Tensor;
  /** The last estimate `d_hat`. */
  readonly dHat: Tensor;
  /** The decayed numerator `sum_k sqrt(beta2)^(t-k) (1 - sqrt(beta2)) dlr_k <g_k, s_k / (sqrt(v_k) + eps)>`. */
  readonly numeratorWeighted: Tensor;
  /** `||s||_1`. */
  readonly skL1: Tensor;
  /** Decayed sum of `dlr * g`. */
  readonly s: U;
  /** First moment (of `dlr * g`: the step itself). */
  readonly expAvg: U;
  /** Second moment (of `g`). */
  readonly expAvgSq: U;
}

const ADAM_KEYS = [
  'lr',
  'beta1',
  'beta2',
  'eps',
  'weightDecay',
  'decouple',
  'useBiasCorrection',
  'd0',
  'growthRate',
];

/**
 * D-Adapted Adam. With `dlr = d * lr` (times Adam's bias correction when `useBiasCorrection`),
 * `q = sqrt(beta2)` and `u = sqrt(v) + eps` taken before the moments move:
 *
 *     numerator = q * numerator + (1 - q) * dlr * <g, s / u>
 *     m = beta1 m + dlr (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2;   s = q s + dlr (1 - q) g
 *     d_hat = numerator / ((1 - q) ||s||_1);   d = max(d, min(d_hat, d * growthRate))
 *     x = x - m / (sqrt(v) + eps)            (- dlr * weightDecay * x when decouple)
 *
 * A step whose `||s||_1` is 0 moves nothing and keeps `d`, as the reference does (the step count
 * still advances; only `useBiasCorrection` reads it). Needs `params` when `weightDecay > 0`.
 * Reference: Defazio & Mishchenko 2023 (arXiv 2301.07733); dadaptation 3.2.
 *
 * @example
 * ```ts
 * import { tensor, valueAndGrad, sum, mul } from '@gen-ts/core';
 * import { applyUpdates, dAdaptAdam } from '@gen-ts/gen';
 * const f = (x: any) => mul(sum(mul(x, x)), 0.5);
 * const opt = dAdaptAdam();
 * let x = tensor([3, -1], { dtype: 'float64' });
 * let s = opt.init(x);
 * for (let t = 0; t < 30; t++) {
 *   const [u, next] = opt.update(valueAndGrad(f)(x)[1], s, x);
 *   [x, s] = [applyUpdates(x, u), next];
 * }
 * console.log(s.d.itemSync()); // grown from 1e-6
 * ```
 */
export function dAdaptAdam(options: DAdaptAdamOptions = {}): GradientTransformation<DAdaptAdamState> {
  const op = 'dAdaptAdam';
  checkOptionKeys(op, options, ADAM_KEYS);
  const c = adamLike(op, options, false);
  const { lr, beta1, beta2, eps, weightDecay, decouple, d0, growthRate } = c;
  const q = Math.sqrt(beta2);
  return {
    init: (params) => {
      const zero = scalarFor(op, params, 0);
      const d = scalarFor(op, params, d0);
      const zeros = () => treeMap((p) => zerosLike(p), params);
      return {
        count: 0,
        d,
        dHat: d,
        numeratorWeighted: zero,
        skL1: zero,
        s: zeros(),
        expAvg: zeros(),
        expAvgSq: zeros(),
      };
    },
    update: (updates, state, params) => {
      const k = state.count;
      const bc = biasCorrection(c, k);
      const { d } = state;
      const dlr = mul(d, lr * bc);
      const x = weightDecay !== 0 ? needParams(op, params, 'weight decay is proportional to them') : params;
      const g = decouple ? updates : coupledDecay(updates, x, weightDecay);
      const sOverU = treeMap((si, v) => div(si, add(sqrt(v!), eps)), state.s, state.expAvgSq);
      const acc = mul(dlr, dotTree(g, sOverU));
      const numeratorWeighted = add(mul(state.numeratorWeighted, q), mul(acc, 1 - q));
      const scaled = (c: Tensor, gi: Tensor) => mul(gi, castTo(c, gi));
      const expAvg = treeMap<typeof updates>(
        (gi, m) => add(mul(m!, beta1), scaled(mul(dlr, 1 - beta1), gi)),
        g,
        state.expAvg,
      );
      const expAvgSq = treeMap<typeof updates>(
        (gi, v) => add(mul(v!, beta2), mul(mul(gi, gi), 1 - beta2)),
        g,
        state.expAvgSq,
      );
      const s = treeMap<typeof updates>(
        (gi, si) => add(mul(si!, q), scaled(mul(dlr, 1 - q), gi)),
        g,
        state.s,
      );
      const skL1 = l1Tree(s);
      const skip = equal(skL1, 0);
      const dHat = div(numeratorWeighted, mul(where(skip, 1, skL1), 1 - q));
      const capped = growthRate === Infinity ? dHat : minimum(dHat, mul(d, growthRate));
      const keep = (old: Tensor, next: Tensor) => where(skip, old, next);
      const dNew = keep(d, maximum(d, capped));
      const on = where(skip, 0, like(d, 1));
      const out = treeMap<typeof updates>(
        (m, v, p) => {
          let u = mul(div(m, add(sqrt(v!), eps)), castTo(mul(on, -1), m));
          if (weightDecay !== 0 && decouple) u = add(u, mul(p!, castTo(mul(mul(dlr, on), -weightDecay), m)));
          return u;
        },
        expAvg,
        expAvgSq,
        weightDecay !== 0 && decouple ? x : expAvg,
      );
      return [
        out,
        {
          count: k + 1,
          d: dNew,
          dHat: keep(state.dHat, dHat),
          numeratorWeighted: keep(state.numeratorWeighted, numeratorWeighted),
          skL1,
          s,
          expAvg,
          expAvgSq,
        },
      ];
    },
  };
}

/** Options of `dAdaptSgd` (the authors' names in camelCase; defaults of dadaptation 3.2). */
export interface DAdaptSgdOptions {
  /** Multiplier of the estimated step size (default 1). */
  lr?: number;
  /** Momentum in [0, 1), as primal averaging: `x = momentum x + (1 - momentum) z` (default 0). */
  momentum?: number;
  /** Weight decay added to the gradient (default 0). */
  weightDecay?: number;
  /** Initial step-size estimate (default 1e-6). */
  d0?: number;
  /** Largest factor `d` may grow by per step (default Infinity). */
  growthRate?: number;
}

/** The state of `dAdaptSgd`. */
export interface DAdaptSgdState<U = unknown> {
  /** Steps taken. */
  readonly count: number;
  /** The step-size estimate `d`. */
  readonly d: Tensor;
  /** The last estimate `d_hat`. */
  readonly dHat: Tensor;
  /** `sum_k dlr_k <g_k, s_k>`. */
  readonly numeratorWeighted: Tensor;
  /** `||g_0||`, which normalises the step (0 until a non-zero gradient arrives). */
  readonly g0Norm: Tensor;
  /** `||s||^2`. */
  readonly skSq: Tensor;
  /** Sum of `dlr * g`. */
  readonly s: U;
  /** The params at `init`: the dual-averaging point is `z = x0 - s`. */
  readonly x0: U;
}

const SGD_KEYS = ['lr', 'momentum', 'weightDecay', 'd0', 'growthRate'];

/**
 * D-Adapted SGD, as dual averaging. With `g` including `weightDecay * x` and
 * `dlr = d * lr / ||g_0||`:
 *
 *     numerator = numerator + dlr <g, s>;   s = s + dlr g
 *     d_hat = 2 numerator / ||s||;   d = max(d, min(d_hat, d * growthRate))
 *     z = x0 - s;   x = momentum x + (1 - momentum) z
 *
 * `||g_0||` is the norm of the first non-zero gradient without weight decay (the reference adds
 * the decay out of place at step 0, so it does not count). A step whose `s` is 0 moves nothing and
 * keeps `d`. Needs `params`. Reference: Defazio & Mishchenko 2023 (arXiv 2301.07733); dadaptation 3.2.
 *
 * @example
 * ```ts
 * import { tensor, valueAndGrad, sum, mul } from '@gen-ts/core';
 * import { applyUpdates, dAdaptSgd } from '@gen-ts/gen';
 * const f = (x: any) => mul(sum(mul(x, x)), 0.5);
 * const opt = dAdaptSgd();
 * let x = tensor([3, -1], { dtype: 'float64' });
 * let s = opt.init(x);
 * for (let t = 0; t < 30; t++) {
 *   const [u, next] = opt.update(valueAndGrad(f)(x)[1], s, x);
 *   [x, s] = [applyUpdates(x, u), next];
 * }
 * console.log(s.d.itemSync(), x.toArray());
 * ```
 */
export function dAdaptSgd(options: DAdaptSgdOptions = {}): GradientTransformation<DAdaptSgdState> {
  const op = 'dAdaptSgd';
  checkOptionKeys(op, options, SGD_KEYS);
  const { lr, weightDecay, d0, growthRate } = dAdaptCommon(op, options);
  const momentum = checkNumber(op, 'momentum', options.momentum ?? 0, { min: 0, max: 1, maxExclusive: true });
  const ck = 1 - momentum;
  return {
    init: (params) => {
      const zero = scalarFor(op, params, 0);
      const d = scalarFor(op, params, d0);
      return {
        count: 0,
        d,
        dHat: d,
        numeratorWeighted: zero,
        g0Norm: zero,
        skSq: zero,
        s: treeMap((p) => zerosLike(p), params),
        x0: params,
      };
    },
    update: (updates, state, params) => {
      const x = needParams(op, params, 'the step goes to the dual-averaging point x0 - s');
      const { d } = state;
      // The reference takes ||g_0|| at its first step (k = 0) and only counts steps that moved;
      // until a non-zero gradient arrives, every step is that first one.
      const known = greater(state.g0Norm, 0);
      const g0Norm = where(known, state.g0Norm, sqrt(dotTree(updates, updates)));
      const have = greater(g0Norm, 0);
      const dlr = where(have, div(mul(d, lr), where(have, g0Norm, 1)), 0);
      const g = coupledDecay(updates, x, weightDecay);
      const numeratorWeighted = add(state.numeratorWeighted, mul(dlr, dotTree(g, state.s)));
      const s = treeMap<typeof updates>((gi, si) => add(si!, mul(gi, castTo(dlr, gi))), g, state.s);
      const skSq = dotTree(s, s);
      const skip = equal(skSq, 0);
      const dHat = div(mul(numeratorWeighted, 2), sqrt(where(skip, 1, skSq)));
      const capped = growthRate === Infinity ? dHat : minimum(dHat, mul(d, growthRate));
      const keep = (old: Tensor, next: Tensor) => where(skip, old, next);
      const on = where(skip, 0, like(d, ck));
      // x_new = (1 - ck) x + ck z with z = x0 - s: the update is ck (z - x).
      const out = treeMap<typeof updates>(
        (p, p0, si) => mul(sub(sub(castTo(p0!, p), si!), p), castTo(on, p)),
        x,
        state.x0,
        s,
      );
      return [
        out,
        {
          count: state.count + 1,
          d: keep(d, maximum(d, capped)),
          dHat: keep(state.dHat, dHat),
          numeratorWeighted: keep(state.numeratorWeighted, numeratorWeighted),
          g0Norm,
          skSq,
          s,
          x0: state.x0,
        },
      ];
    },
  };
}
