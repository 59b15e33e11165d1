/**
 * SGD with Polyak's step size (Polyak 1987; the stochastic form of Loizou, Vaswani, Laradji &
 * Lacoste-Julien, AISTATS 2021): the step that would reach the optimal value `fStar` if the loss
 * were linear, capped at `maxLr`. Options as in optax's `polyak_sgd`.
 */
import { div, lessEqual, maximum, minimum, mul, sub, treeMap, where, type Tensor } from '@gen-ts/core';
import type { GradientTransformation, LossExtras, Schedule } from '../types.js';
import { castTo, checkNumber, checkNumberOrSchedule, scalarFor, valueAt } from '../util.js';
import { checkOptionKeys, dotTree, needValue } from './util.js';

/** Options of `polyakSgd` (optax's `polyak_sgd`, camelCase). */
export interface PolyakSgdOptions {
  /** The largest step size (default 1). */
  maxLr?: number;
  /** A lower bound on the loss, `f*` (default 0: models that interpolate the data). */
  fStar?: number;
  /** Added to `||g||^2` in the denominator (default 0). */
  eps?: number;
  /** Global factor `s` on the step size, a number or a schedule (default 1). */
  scaling?: number | Schedule;
  /** `'sps'` (default) or `'sps+'`, which takes the positive part of `f - f*`. */
  variant?: 'sps' | 'sps+';
}

/** The state of `polyakSgd`. */
export interface PolyakSgdState {
  /** Steps taken (the argument of `scaling`). */
  readonly count: number;
  /** The step size of the last step (0-d tensor; 0 before the first). */
  readonly lr: Tensor;
}

const KEYS = ['maxLr', 'fStar', 'eps', 'scaling', 'variant'];

/**
 * Polyak SGD: `x = x - eta * g` with
 *
 *     eta = s * min((f - fStar) / (||g||^2 + eps), maxLr)      (0 when ||g||^2 + eps <= 2^-52)
 *
 * where `f` is `extra.value`, the loss at the current params on the gradient's batch (required:
 * `trainStep(loss, opt, { probe: 'own' })` passes it). With `variant: 'sps+'`,
 * `f - fStar` is clipped at 0. optax computes `||g||^2` after scaling by `s`; here `s` multiplies
 * the step, as in the formula of its documentation (the two agree for `s = 1`).
 * Reference: Loizou et al. 2021 (arXiv 2002.10542); optax `polyak_sgd`.
 *
 * @example
 * ```ts
 * import { tensor, valueAndGrad, sum, mul } from '@gen-ts/core';
 * import { applyUpdates, polyakSgd } from '@gen-ts/gen';
 * const f = (x: any) => sum(mul(x, x));
 * const opt = polyakSgd();
 * let x = tensor([1, 2, 3], { dtype: 'float64' });
 * let s = opt.init(x);
 * for (let t = 0; t < 5; t++) {
 *   const [value, g] = valueAndGrad(f)(x);
 *   const [u, next] = opt.update(g, s, x, { value });
 *   [x, s] = [applyUpdates(x, u), next];
 * }
 * console.log(f(x).itemSync()); // 14 / 4^5: each step quarters the loss
 * ```
 */
export function polyakSgd(
  options: PolyakSgdOptions = {},
): GradientTransformation<PolyakSgdState, LossExtras> {
  const op = 'polyakSgd';
  checkOptionKeys(op, options, KEYS);
  const maxLr = checkNumber(op, 'maxLr', options.maxLr ?? 1, { min: 0, minExclusive: true, finite: false });
  const fStar = checkNumber(op, 'fStar', options.fStar ?? 0);
  const eps = checkNumber(op, 'eps', options.eps ?? 0, { min: 0 });
  const scaling = checkNumberOrSchedule(op, 'scaling', options.scaling ?? 1, { min: 0 });
  const variant = options.variant ?? 'sps';
  if (variant !== 'sps' && variant !== 'sps+')
    throw new TypeError(`${op}: option variant must be 'sps' or 'sps+', got ${String(variant)}`);
  return {
    init: (params) => ({ count: 0, lr: scalarFor(op, params, 0) }),
    update: (updates, state, _params, extra) => {
      const value = needValue(op, extra?.value, "Polyak's step size is (f - fStar) / ||g||^2");
      const gSq = dotTree(updates, updates);
      const f = castTo(value, gSq);
      const gap = variant === 'sps+' ? maximum(sub(f, fStar), 0) : sub(f, fStar);
      const denom = eps === 0 ? gSq : gSq.add(eps);
      const tiny = lessEqual(denom, 2 ** -52);
      const ratio = minimum(div(gap, where(tiny, 1, denom)), maxLr);
      const eta = mul(where(tiny, 0, ratio), valueAt(scaling, state.count));
      const out = treeMap<typeof updates>((g) => mul(g, castTo(mul(eta, -1), g)), updates);
      return [out, { count: state.count + 1, lr: eta }];
    },
  };
}
