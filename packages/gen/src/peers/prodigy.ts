/**
 * Prodigy (Mishchenko & Defazio, "Prodigy: An Expeditiously Adaptive Parameter-Free Learner",
 * 2023): Adam whose step size `d` is estimated online from how far the params moved along the
 * gradients. Rules, defaults and order of operations follow the authors' `prodigyopt` 1.1.2
 * (one parameter group, no slicing); every scalar lives on the params' device.
 */
import {
  add,
  div,
  equal,
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
import { castTo, checkBoolean, checkNumber, scalarFor } from '../util.js';
import {
  adamLike,
  biasCorrection,
  checkOptionKeys,
  coupledDecay,
  dotTree,
  l1Tree,
  needParams,
} from './util.js';

/** Options of `prodigy` (the authors' names in camelCase; defaults of prodigyopt 1.1.2). */
export interface ProdigyOptions {
  /** Multiplier of the estimated step size (default 1; leave it unless training is unstable). */
  lr?: number;
  /** Decay of the first moment (default 0.9; 0 uses the gradient itself). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Decay of the step-size statistics (default `sqrt(beta2)`). */
  beta3?: number;
  /** Added to the root of the second moment, times `d` (default 1e-8). */
  eps?: number;
  /** Weight decay (default 0). */
  weightDecay?: number;
  /** Decoupled (AdamW-style) weight decay when true (default), else added to the gradient. */
  decouple?: boolean;
  /** Adam's bias correction `sqrt(1 - beta2^t) / (1 - beta1^t)` on the step (default false). */
  useBiasCorrection?: boolean;
  /** Leave `lr` out of the denominator's accumulator, which helps during warm-up (default false). */
  safeguardWarmup?: boolean;
  /** Initial step-size estimate (default 1e-6). */
  d0?: number;
  /** Multiplier of the estimate `d_hat` (default 1; the preferred knob, e.g. 0.5 or 2). */
  dCoef?: number;
  /** Largest factor `d` may grow by per step (default Infinity: unrestricted). */
  growthRate?: number;
}

/** The state of `prodigy` (scalars are 0-d tensors in the params' float dtype). */
export interface ProdigyState<U = unknown> {
  /** Steps taken. */
  readonly count: number;
  /** The step-size estimate `d` (the step is `d * lr` times Adam's). */
  readonly d: Tensor;
  /** The largest estimate `d_hat` so far (at least `d0`). */
  readonly dMax: Tensor;
  /** The last estimate `d_hat = dCoef * dNumerator / dDenom`. */
  readonly dHat: Tensor;
  /** The decayed sum `sum_k beta3^(t-k) (d_k / d0) d_k lr <g_k, x_0 - x_k>`. */
  readonly dNumerator: Tensor;
  /** `||s||_1`, the denominator of `d_hat`. */
  readonly dDenom: Tensor;
  /** The params at `init`, the anchor of the distance estimate. */
  readonly p0: U;
  /** Decayed sum of the weighted gradients. */
  readonly s: U;
  /** First moment (of `d * g`). */
  readonly expAvg: U;
  /** Second moment (of `(d * g)^2`). */
  readonly expAvgSq: U;
}

const KEYS = [
  'lr',
  'beta1',
  'beta2',
  'beta3',
  'eps',
  'weightDecay',
  'decouple',
  'useBiasCorrection',
  'safeguardWarmup',
  'd0',
  'dCoef',
  'growthRate',
];

/**
 * Prodigy: a step `-d * lr * m / (sqrt(v) + d * eps)` where `m`, `v` are Adam's moments of `d * g`
 * and the step size `d` grows from `d0` to an estimate of the distance to the solution. Each step,
 * with `dlr = d * lr` (times Adam's bias correction when `useBiasCorrection`):
 *
 *     r      = beta3 * r + (d / d0) * dlr * <g, x_0 - x>
 *     m      = beta1 * m + d (1 - beta1) g
 *     v      = beta2 * v + d^2 (1 - beta2) g^2
 *     s      = beta3 * s + (d / d0) * dlr * g          (d in place of dlr with safeguardWarmup)
 *     d_hat  = dCoef * r / ||s||_1
 *     d      = max(d, d_hat) while d is still d0;   d_max = max(d_max, d_hat);   d = min(d_max, d * growthRate)
 *     x      = x - dlr * m / (sqrt(v) + d eps)     (- dlr * weightDecay * x when decouple)
 *
 * The moments and `r` use the old `d`, the denominator the new one. A step whose `||s||_1` is 0
 * (zero gradients so far) moves nothing and keeps `d`, as the reference does (here the step count
 * still advances; only `useBiasCorrection` reads it). Needs `params`.
 * Reference: Mishchenko & Defazio 2023 (arXiv 2306.06101); prodigyopt 1.1.2.
 *
 * @example
 * ```ts
 * import { scalar, valueAndGrad, mul } from '@gen-ts/core';
 * import { applyUpdates, prodigy } from '@gen-ts/gen';
 * const f = (x: any) => mul(mul(x, x), 0.5);
 * const opt = prodigy();
 * let x = scalar(3, { dtype: 'float64' });
 * let s = opt.init(x);
 * for (let t = 0; t < 50; t++) {
 *   const [, g] = valueAndGrad(f)(x);
 *   const [u, next] = opt.update(g, s, x);
 *   [x, s] = [applyUpdates(x, u), next];
 * }
 * console.log(s.d.itemSync(), x.itemSync()); // d grew from 1e-6 to ~1, the scale of the distance to 0 (3)
 * ```
 */
export function prodigy(options: ProdigyOptions = {}): GradientTransformation<ProdigyState> {
  const op = 'prodigy';
  checkOptionKeys(op, options, KEYS);
  const c = adamLike(op, options, true);
  const { lr, beta1, beta2, eps, weightDecay, decouple, d0, growthRate } = c;
  const beta3 = checkNumber(op, 'beta3', options.beta3 ?? Math.sqrt(beta2), {
    min: 0,
    max: 1,
    maxExclusive: true,
  });
  const safeguardWarmup = checkBoolean(op, 'safeguardWarmup', options.safeguardWarmup ?? false);
  const dCoef = checkNumber(op, 'dCoef', options.dCoef ?? 1, { min: 0, minExclusive: true });
  return {
    init: (params) => {
      const zero = scalarFor(op, params, 0);
      const d = scalarFor(op, params, d0);
      const zeros = () => treeMap((p) => zerosLike(p), params);
      return {
        count: 0,
        d,
        dMax: d,
        dHat: d,
        dNumerator: zero,
        dDenom: zero,
        p0: params,
        s: zeros(),
        expAvg: zeros(),
        expAvgSq: zeros(),
      };
    },
    update: (updates, state, params) => {
      const x = needParams(op, params, 'the step size is estimated from the distance travelled');
      const k = state.count;
      const bc = biasCorrection(c, k);
      const { d } = state;
      const dlr = mul(d, lr * bc);
      const g = decouple ? updates : coupledDecay(updates, x, weightDecay);
      const dOverD0 = div(d, d0);
      const moved = treeMap((p0, p) => sub(castTo(p0, p!), p!), state.p0, x);
      const dNumerator = add(mul(state.dNumerator, beta3), mul(mul(dOverD0, dlr), dotTree(g, moved)));
      const expAvg = treeMap<typeof updates>(
        (gi, m) => add(mul(m!, beta1), mul(gi, castTo(mul(d, 1 - beta1), gi))),
        g,
        state.expAvg,
      );
      const expAvgSq = treeMap<typeof updates>(
        (gi, v) => add(mul(v!, beta2), mul(mul(gi, gi), castTo(mul(mul(d, d), 1 - beta2), gi))),
        g,
        state.expAvgSq,
      );
      const sCoef = mul(dOverD0, safeguardWarmup ? d : dlr);
      const s = treeMap<typeof updates>(
        (gi, si) => add(mul(si!, beta3), mul(gi, castTo(sCoef, gi))),
        g,
        state.s,
      );
      const dDenom = l1Tree(s);
      // ||s||_1 = 0: no gradient yet; the reference returns before touching d (or the params).
      const skip = equal(dDenom, 0);
      const dHat = mul(div(dNumerator, where(skip, 1, dDenom)), dCoef);
      let dNew = where(equal(d, d0), maximum(d, dHat), d);
      const dMax = maximum(state.dMax, dHat);
      dNew = growthRate === Infinity ? dMax : minimum(dMax, mul(dNew, growthRate));
      const keep = (old: Tensor, next: Tensor) => where(skip, old, next);
      const dAfter = keep(d, dNew);
      const stepLr = where(skip, 0, dlr);
      const epsD = mul(dAfter, eps);
      const out = treeMap<typeof updates>(
        (gi, m, v, p) => {
          const denom = add(sqrt(v!), castTo(epsD, gi));
          const num = beta1 > 0 ? m! : mul(gi, castTo(dAfter, gi));
          let u = mul(div(num, denom), castTo(mul(stepLr, -1), gi));
          if (weightDecay !== 0 && decouple) u = add(u, mul(p!, castTo(mul(stepLr, -weightDecay), gi)));
          return u;
        },
        g,
        expAvg,
        expAvgSq,
        x,
      );
      return [
        out,
        {
          count: k + 1,
          d: dAfter,
          dMax: keep(state.dMax, dMax),
          dHat: keep(state.dHat, dHat),
          dNumerator: keep(state.dNumerator, dNumerator),
          dDenom,
          p0: state.p0,
          s,
          expAvg,
          expAvgSq,
        },
      ];
    },
  };
}
