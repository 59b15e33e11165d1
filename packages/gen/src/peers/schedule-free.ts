/**
 * Schedule-free SGD and AdamW (Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky, "The Road
 * Less Scheduled", NeurIPS 2024; the AlgoPerf self-tuning winner). Three sequences: `z` takes the
 * base optimizer's steps, `x` is an online average of `z` (the point to evaluate), and the
 * gradient is taken at their interpolation `y = beta1 x + (1 - beta1) z`, which is what the params
 * hold during training. Rules and defaults follow the authors' `schedulefree` 1.4 (the reference
 * classes `SGDScheduleFreeReference` and `AdamWScheduleFreeReference`).
 *
 * The state keeps `z`; `x` is recovered from the params, `x = (y - (1 - beta1) z) / beta1`, so the
 * sequences stay consistent when another transform rescales the step (GeN on top).
 * `scheduleFreeEvalParams(state, params)` returns `x`.
 */
import { add, div, mul, sqrt, sub, treeMap, zerosLike, Tensor } from '@gen-ts/core';
import type { GradientTransformation } from '../types.js';
import { castTo, checkNumber } from '../util.js';
import { findState } from '../gen/find-state.js';
import { checkOptionKeys, needParams } from './util.js';

/** Options shared by both schedule-free optimizers. */
interface ScheduleFreeCommon {
  /** Learning rate of the `z` sequence. */
  lr?: number;
  /** Weight decay, evaluated at `y` (default 0). */
  weightDecay?: number;
  /** Linear warm-up of the learning rate over this many steps (default 0: none). */
  warmupSteps?: number;
  /** Polynomial weighting `(t + 1)^r` of the average (default 0). */
  r?: number;
  /** The average's weights are `lr_max^weightLrPower` (default 2), so warm-up steps count less. */
  weightLrPower?: number;
}

/** Options of `scheduleFreeSgd` (defaults of schedulefree 1.4). */
export interface ScheduleFreeSgdOptions extends ScheduleFreeCommon {
  /** Learning rate (default 1). */
  lr?: number;
  /** Interpolation `beta` of `y = beta x + (1 - beta) z`, in (0, 1) (default 0.9). */
  momentum?: number;
}

/** Options of `scheduleFreeAdamW` (defaults of schedulefree 1.4). */
export interface ScheduleFreeAdamWOptions extends ScheduleFreeCommon {
  /** Learning rate (default 0.0025). */
  lr?: number;
  /** Interpolation `beta1` of `y = beta1 x + (1 - beta1) z`, in (0, 1) (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Added to the root of the bias-corrected second moment (default 1e-8). */
  eps?: number;
}

/** The state of `scheduleFreeSgd` and `scheduleFreeAdamW`. */
export interface ScheduleFreeState<U = unknown> {
  /** Steps taken. */
  readonly count: number;
  /** The interpolation weight `beta1` (`momentum` for SGD), needed to recover `x`. */
  readonly beta1: number;
  /** Largest (warmed-up) learning rate so far (-1 before the first step). */
  readonly lrMax: number;
  /** Sum of the averaging weights. */
  readonly weightSum: number;
  /** The `z` sequence (the base optimizer's iterates). */
  readonly z: U;
  /** Adam's second moment (scheduleFreeAdamW only; absent for SGD). */
  readonly expAvgSq?: U;
}

const SGD_KEYS = ['lr', 'momentum', 'weightDecay', 'warmupSteps', 'r', 'weightLrPower'];
const ADAMW_KEYS = ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'warmupSteps', 'r', 'weightLrPower'];

interface Common {
  lr: number;
  beta1: number;
  weightDecay: number;
  warmupSteps: number;
  r: number;
  weightLrPower: number;
}

function common(op: string, o: ScheduleFreeCommon, lr: number, beta1: number): Common {
  return {
    lr: checkNumber(op, 'lr', o.lr ?? lr, { min: 0 }),
    beta1,
    weightDecay: checkNumber(op, 'weightDecay', o.weightDecay ?? 0, { min: 0 }),
    warmupSteps: checkNumber(op, 'warmupSteps', o.warmupSteps ?? 0, { min: 0, integer: true }),
    r: checkNumber(op, 'r', o.r ?? 0, { min: 0 }),
    weightLrPower: checkNumber(op, 'weightLrPower', o.weightLrPower ?? 2, { min: 0 }),
  };
}

/**
 * The host-side schedule of step `k`: the warmed-up learning rate, and the weight `c` with which
 * `z` enters the average `x = (1 - c) x + c z`.
 */
function averaging(c: Common, state: ScheduleFreeState) {
  const k = state.count;
  const lr = c.lr * (k < c.warmupSteps ? (k + 1) / c.warmupSteps : 1);
  const lrMax = Math.max(lr, state.lrMax);
  const weight = (k + 1) ** c.r * lrMax ** c.weightLrPower;
  const weightSum = state.weightSum + weight;
  return { lr, lrMax, weightSum, ckp1: weightSum === 0 ? 0 : weight / weightSum };
}

/** From `y` (the params), the old and new `z`: `x` recovered, averaged, and the update to the new `y`. */
function interpolate<U>(y: U, zOld: U, z: U, b1: number, ckp1: number): U {
  return treeMap<U>(
    (yi, zo, zn) => {
      const x = div(sub(yi, mul(castTo(zo!, yi), 1 - b1)), b1);
      const xNew = add(mul(x, 1 - ckp1), mul(castTo(zn!, yi), ckp1));
      return sub(add(mul(xNew, b1), mul(castTo(zn!, yi), 1 - b1)), yi);
    },
    y,
    zOld,
    z,
  );
}

/**
 * Schedule-free SGD. With `lr_t` warmed up linearly over `warmupSteps` and
 * `c = w_t / sum_k w_k`, `w_t = (t + 1)^r * max_k(lr_k)^weightLrPower`:
 *
 *     z = z - lr_t (g + weightDecay * y);   x = (1 - c) x + c z;   y = momentum x + (1 - momentum) z
 *
 * The gradient must be taken at `y`, the params this transform's updates produce; evaluate at
 * `scheduleFreeEvalParams(state, params)`. Needs `params`. Reference: Defazio et al. 2024
 * (arXiv 2405.15682); schedulefree 1.4.
 *
 * @example
 * ```ts
 * import { tensor, valueAndGrad, sum, mul } from '@gen-ts/core';
 * import { applyUpdates, scheduleFreeEvalParams, scheduleFreeSgd } from '@gen-ts/gen';
 * const f = (x: any) => mul(sum(mul(x, x)), 0.5);
 * const opt = scheduleFreeSgd({ lr: 0.5 });
 * let y = tensor([3, -1], { dtype: 'float64' });
 * let s = opt.init(y);
 * for (let t = 0; t < 20; t++) {
 *   const [u, next] = opt.update(valueAndGrad(f)(y)[1], s, y);
 *   [y, s] = [applyUpdates(y, u), next];
 * }
 * console.log(f(scheduleFreeEvalParams(s, y)).itemSync());
 * ```
 */
export function scheduleFreeSgd(
  options: ScheduleFreeSgdOptions = {},
): GradientTransformation<ScheduleFreeState> {
  const op = 'scheduleFreeSgd';
  checkOptionKeys(op, options, SGD_KEYS);
  const momentum = checkNumber(op, 'momentum', options.momentum ?? 0.9, {
    min: 0,
    minExclusive: true,
    max: 1,
    maxExclusive: true,
  });
  const c = common(op, options, 1, momentum);
  return {
    init: (params) => ({ count: 0, beta1: momentum, lrMax: -1, weightSum: 0, z: params }),
    update: (updates, state, params) => {
      const y = needParams(op, params, 'the gradient point y and the average x are recovered from them');
      const { lr, lrMax, weightSum, ckp1 } = averaging(c, state);
      const z = treeMap<typeof updates>(
        (zi, gi, yi) => {
          const g = c.weightDecay !== 0 ? add(gi!, mul(yi!, c.weightDecay)) : gi!;
          return sub(zi, mul(castTo(g, zi), lr));
        },
        state.z,
        updates,
        y,
      );
      const out = interpolate(y, state.z as typeof updates, z, momentum, ckp1);
      return [out, { count: state.count + 1, beta1: momentum, lrMax, weightSum, z }];
    },
  };
}

/**
 * Schedule-free AdamW. With `lr_t`, `c` as for `scheduleFreeSgd` and `bc = 1 - beta2^(t+1)`:
 *
 *     z = z - lr_t weightDecay y;   v = beta2 v + (1 - beta2) g^2;   z = z - lr_t g / (sqrt(v / bc) + eps)
 *     x = (1 - c) x + c z;   y = beta1 x + (1 - beta1) z
 *
 * There is no first moment: the interpolation is the momentum. Evaluate at
 * `scheduleFreeEvalParams(state, params)`. Needs `params`. `beta1` must be positive (the reference
 * allows 0, where `x` cannot be recovered from `y` and `z`). Reference: Defazio et al. 2024
 * (arXiv 2405.15682); schedulefree 1.4.
 *
 * @example
 * ```ts
 * import { tensor, valueAndGrad, sum, mul } from '@gen-ts/core';
 * import { applyUpdates, scheduleFreeAdamW, scheduleFreeEvalParams } from '@gen-ts/gen';
 * const f = (x: any) => mul(sum(mul(x, x)), 0.5);
 * const opt = scheduleFreeAdamW({ lr: 0.1 });
 * let y = tensor([3, -1], { dtype: 'float64' });
 * let s = opt.init(y);
 * for (let t = 0; t < 50; t++) {
 *   const [u, next] = opt.update(valueAndGrad(f)(y)[1], s, y);
 *   [y, s] = [applyUpdates(y, u), next];
 * }
 * console.log(f(scheduleFreeEvalParams(s, y)).itemSync());
 * ```
 */
export function scheduleFreeAdamW(
  options: ScheduleFreeAdamWOptions = {},
): GradientTransformation<ScheduleFreeState> {
  const op = 'scheduleFreeAdamW';
  checkOptionKeys(op, options, ADAMW_KEYS);
  const unit = { min: 0, max: 1, maxExclusive: true };
  const beta1 = checkNumber(op, 'beta1', options.beta1 ?? 0.9, { ...unit, minExclusive: true });
  const beta2 = checkNumber(op, 'beta2', options.beta2 ?? 0.999, unit);
  const eps = checkNumber(op, 'eps', options.eps ?? 1e-8, { min: 0 });
  const c = common(op, options, 0.0025, beta1);
  return {
    init: (params) => ({
      count: 0,
      beta1,
      lrMax: -1,
      weightSum: 0,
      z: params,
      expAvgSq: treeMap((p) => zerosLike(p), params),
    }),
    update: (updates, state, params) => {
      const y = needParams(op, params, 'the gradient point y and the average x are recovered from them');
      const { lr, lrMax, weightSum, ckp1 } = averaging(c, state);
      const bc = 1 - beta2 ** (state.count + 1);
      const expAvgSq = treeMap<typeof updates>(
        (gi, v) => add(mul(v!, beta2), mul(mul(gi, gi), 1 - beta2)),
        updates,
        state.expAvgSq,
      );
      const z = treeMap<typeof updates>(
        (zi, gi, v, yi) => {
          const decayed = c.weightDecay !== 0 ? sub(zi, mul(castTo(yi!, zi), lr * c.weightDecay)) : zi;
          const step = div(gi!, add(sqrt(div(v!, bc)), eps));
          return sub(decayed, mul(castTo(step, zi), lr));
        },
        state.z,
        updates,
        expAvgSq,
        y,
      );
      const out = interpolate(y, state.z as typeof updates, z, beta1, ckp1);
      return [out, { count: state.count + 1, beta1, lrMax, weightSum, z, expAvgSq }];
    },
  };
}

function isScheduleFreeState(s: unknown): s is ScheduleFreeState {
  if (s === null || typeof s !== 'object' || s instanceof Tensor) return false;
  const o = s as Partial<ScheduleFreeState>;
  return (
    typeof o.beta1 === 'number' && typeof o.weightSum === 'number' && 'z' in o && typeof o.lrMax === 'number'
  );
}

/**
 * The params to evaluate (test or validation loss, checkpoints) of a schedule-free run: the
 * average `x = (y - (1 - beta1) z) / beta1`, from the training params `y` and the `z` in the
 * state. `state` is the schedule-free state or any optimizer state holding one (a chain, an
 * injected state); it throws when there is none.
 * @example
 * ```ts
 * import { scalar } from '@gen-ts/core';
 * import { scheduleFreeEvalParams, scheduleFreeSgd } from '@gen-ts/gen';
 * const y = scalar(1, { dtype: 'float64' });
 * console.log(scheduleFreeEvalParams(scheduleFreeSgd().init(y), y).itemSync()); // 1: x = y = z at the start
 * ```
 */
export function scheduleFreeEvalParams<P>(state: unknown, params: P): P {
  const s = findState(state, isScheduleFreeState);
  if (s === undefined)
    throw new Error('scheduleFreeEvalParams: no scheduleFreeSgd or scheduleFreeAdamW state found in state');
  const b1 = s.beta1;
  return treeMap<P>((yi, zi) => div(sub(yi, mul(castTo(zi!, yi), 1 - b1)), b1), params, s.z);
}
