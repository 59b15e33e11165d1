/**
 * Reduce the learning rate on a plateau (as Keras's `ReduceLROnPlateau` and optax's
 * `contrib.reduce_on_plateau`): a scale on the updates that drops by `factor` once the monitored
 * loss has not improved for `patience` steps. Parameters, defaults and rule as in optax; the
 * counters and the scale live on the device, so a step reads nothing back.
 */
import {
  add,
  div,
  equal,
  greater,
  less,
  maximum,
  mul,
  sub,
  treeMap,
  where,
  scalar,
  Tensor,
} from '@gen-ts/core';
import type { GradientTransformation, LossExtras } from '../types.js';
import { castTo, checkNumber, scalarFor } from '../util.js';
import { checkOptionKeys, like, needValue } from './util.js';

/** Options of `reduceOnPlateau` (optax's parameters, camelCase). */
export interface ReduceOnPlateauOptions {
  /** The scale is multiplied by this on a plateau, in (0, 1) (default 0.1). */
  factor?: number;
  /** Updates without improvement before the scale drops (default 10). */
  patience?: number;
  /** Relative improvement needed: a new best is below `(1 - rtol) * best - atol` (default 1e-4). */
  rtol?: number;
  /** Absolute improvement needed (default 0). */
  atol?: number;
  /** Updates after a drop during which plateaus are not counted (default 0). */
  cooldown?: number;
  /** Values averaged before each check (default 1; use more with minibatch losses). */
  accumulationSize?: number;
  /** The scale never drops below this (default 0). */
  minScale?: number;
}

/** The state of `reduceOnPlateau` (0-d tensors on the params' device). */
export interface ReduceOnPlateauState {
  /** The factor on the updates (starts at 1). */
  readonly scale: Tensor;
  /** Best averaged value so far (Infinity at first). */
  readonly bestValue: Tensor;
  /** Checks since the last improvement (int32). */
  readonly plateauCount: Tensor;
  /** Checks left in the cooldown (int32). */
  readonly cooldownCount: Tensor;
  /** Values accumulated towards the next check. */
  readonly count: number;
  /** Their running mean. */
  readonly avgValue: Tensor;
}

const KEYS = ['factor', 'patience', 'rtol', 'atol', 'cooldown', 'accumulationSize', 'minScale'];

/**
 * Multiplies the updates by a scale that starts at 1. Each update adds `extra.value` (required)
 * to a running mean; every `accumulationSize` values the mean is checked:
 *
 *     improved = mean < (1 - rtol) * best - atol;   if improved: best = mean, plateau = 0, else plateau += 1
 *     in cooldown: plateau = 0, cooldown -= 1
 *     else if plateau == patience: scale = max(scale * factor, minScale), plateau = 0, cooldown = cooldown option
 *
 * Place it after the optimizer: `chain(adam({ lr: 1e-3 }), reduceOnPlateau({ patience: 5 }))`.
 * Reference: optax `contrib.reduce_on_plateau`.
 *
 * @example
 * ```ts
 * import { scalar } from '@gen-ts/core';
 * import { reduceOnPlateau } from '@gen-ts/gen';
 * const opt = reduceOnPlateau({ patience: 2 });
 * const g = scalar(1, { dtype: 'float64' });
 * let s = opt.init(g);
 * for (const v of [3, 2, 2, 2, 2]) [, s] = opt.update(g, s, g, { value: scalar(v, { dtype: 'float64' }) });
 * console.log(s.scale.itemSync()); // 0.1: two checks without improvement after 2
 * ```
 */
export function reduceOnPlateau(
  options: ReduceOnPlateauOptions = {},
): GradientTransformation<ReduceOnPlateauState, LossExtras> {
  const op = 'reduceOnPlateau';
  checkOptionKeys(op, options, KEYS);
  const factor = checkNumber(op, 'factor', options.factor ?? 0.1, {
    min: 0,
    minExclusive: true,
    max: 1,
    maxExclusive: true,
  });
  const patience = checkNumber(op, 'patience', options.patience ?? 10, { min: 0, integer: true });
  const rtol = checkNumber(op, 'rtol', options.rtol ?? 1e-4, { min: 0, max: 1 });
  const atol = checkNumber(op, 'atol', options.atol ?? 0, { min: 0 });
  if (rtol === 0 && atol === 0) throw new RangeError(`${op}: options rtol and atol cannot both be 0`);
  const cooldown = checkNumber(op, 'cooldown', options.cooldown ?? 0, { min: 0, integer: true });
  const accumulationSize = checkNumber(op, 'accumulationSize', options.accumulationSize ?? 1, {
    min: 1,
    integer: true,
  });
  const minScale = checkNumber(op, 'minScale', options.minScale ?? 0, { min: 0, max: 1 });
  return {
    init: (params) => {
      const s = (v: number) => scalarFor(op, params, v);
      const i = (v: number) => scalar(v, { dtype: 'int32', backend: s(0).backend });
      return {
        scale: s(1),
        bestValue: s(Infinity),
        plateauCount: i(0),
        cooldownCount: i(0),
        count: 0,
        avgValue: s(0),
      };
    },
    update: (updates, state, _params, extra) => {
      const value = castTo(needValue(op, extra?.value, 'the monitored quantity'), state.avgValue);
      const n = state.count + 1;
      const avgValue = div(add(mul(state.avgValue, state.count), value), n);
      const next = n === accumulationSize ? check(state, avgValue) : { ...state, count: n, avgValue };
      const out = treeMap<typeof updates>((u) => mul(u, castTo(next.scale, u)), updates);
      return [out, next];
    },
  };

  function check(state: ReduceOnPlateauState, avg: Tensor): ReduceOnPlateauState {
    const improved = less(avg, sub(mul(state.bestValue, 1 - rtol), atol));
    const plateau = where(improved, 0, add(state.plateauCount, 1));
    const cooling = greater(state.cooldownCount, 0);
    const hit = equal(plateau, patience);
    const dropped = maximum(where(hit, mul(state.scale, factor), state.scale), minScale);
    const zeroInt = mul(state.plateauCount, 0);
    return {
      scale: where(cooling, state.scale, dropped),
      bestValue: where(improved, avg, state.bestValue),
      plateauCount: where(cooling, zeroInt, where(hit, zeroInt, plateau)),
      cooldownCount: where(cooling, sub(state.cooldownCount, 1), where(hit, add(zeroInt, cooldown), zeroInt)),
      count: 0,
      avgValue: like(state.avgValue, 0),
    };
  }
}
