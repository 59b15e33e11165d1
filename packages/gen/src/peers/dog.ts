/**
 * DoG, "Distance over Gradients" (Ivgi, Hinder & Carmon, "DoG is SGD's Best Friend: A
 * Parameter-Free Dynamic Step Size Schedule", ICML 2023): SGD with the step size
 * `max_k ||x_k - x_0|| / sqrt(sum_k ||g_k||^2)`. Rules and defaults follow the authors'
 * `dog-optimizer` 1.0.3 (`DoG`, all params as one vector); every scalar lives on the params' device.
 */
import { add, maximum, mul, sqrt, div, treeMap, type Tensor } from '@gen-ts/core';
import type { GradientTransformation } from '../types.js';
import { castTo, checkNumber, scalarFor } from '../util.js';
import { checkOptionKeys, coupledDecay, dotTree, needParams, sqDistTree } from './util.js';

/** Options of `dog` (the authors' names in camelCase; defaults of dog-optimizer 1.0.3). */
export interface DogOptions {
  /** Multiplier `c` of the step size (default 1; the authors advise against changing it). */
  lr?: number;
  /**
   * The first distance is `repsRel * (1 + ||x_0||)` (default 1e-6; the authors suggest 1e-4 for
   * models with batch normalisation). Ignored when `initEta` is given.
   */
  repsRel?: number;
  /** Added to the first squared gradient norm (default 1e-8). */
  eps?: number;
  /** The first step size, overriding `repsRel` (default: none). */
  initEta?: number;
  /** Weight decay added to the gradient, `g + weightDecay * x` (default 0). */
  weightDecay?: number;
}

/** The state of `dog` (scalars are 0-d tensors in the params' float dtype). */
export interface DogState<U = unknown> {
  /** Steps taken. */
  readonly count: number;
  /** The step size of the last step. */
  readonly eta: Tensor;
  /** `max(r_eps, max_k ||x_k - x_0||)`, the distance estimate. */
  readonly rbar: Tensor;
  /** `eps + sum_k ||g_k||^2`. */
  readonly G: Tensor;
  /** The params at `init`. */
  readonly x0: U;
}

const KEYS = ['lr', 'repsRel', 'eps', 'initEta', 'weightDecay'];

/**
 * DoG: `x = x - eta * g` with `g` including `weightDecay * x` and
 *
 *     first step:  rbar = repsRel (1 + ||x_0||),          G = ||g||^2 + eps
 *     later:       rbar = max(rbar, ||x - x_0||),          G = G + ||g||^2
 *     eta = lr * rbar / sqrt(G)                           (initEta instead, on the first step, if given)
 *
 * With `initEta`, `repsRel` is taken as 0, as in the reference. The authors pair DoG with iterate
 * averaging for the best results; this transform is the step alone. Needs `params`.
 * Reference: Ivgi, Hinder & Carmon 2023 (arXiv 2302.12022); dog-optimizer 1.0.3.
 *
 * @example
 * ```ts
 * import { tensor, valueAndGrad, sum, mul } from '@gen-ts/core';
 * import { applyUpdates, dog } from '@gen-ts/gen';
 * const f = (x: any) => mul(sum(mul(x, x)), 0.5);
 * const opt = dog();
 * let x = tensor([3, -4], { dtype: 'float64' });
 * let s = opt.init(x);
 * const [u, next] = opt.update(valueAndGrad(f)(x)[1], s, x);
 * console.log(next.rbar.itemSync()); // 1e-6 * (1 + 5)
 * ```
 */
export function dog(options: DogOptions = {}): GradientTransformation<DogState> {
  const op = 'dog';
  checkOptionKeys(op, options, KEYS);
  const lr = checkNumber(op, 'lr', options.lr ?? 1, { min: 0, minExclusive: true });
  const initEta =
    options.initEta === undefined
      ? undefined
      : checkNumber(op, 'initEta', options.initEta, { min: 0, minExclusive: true });
  const repsRel =
    initEta === undefined
      ? checkNumber(op, 'repsRel', options.repsRel ?? 1e-6, { min: 0, minExclusive: true })
      : 0;
  const eps = checkNumber(op, 'eps', options.eps ?? 1e-8, { min: 0 });
  const weightDecay = checkNumber(op, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  return {
    init: (params) => {
      const zero = scalarFor(op, params, 0);
      return { count: 0, eta: zero, rbar: zero, G: zero, x0: params };
    },
    update: (updates, state, params) => {
      const x = needParams(op, params, 'the step size is the distance travelled from x0');
      const g = coupledDecay(updates, x, weightDecay);
      const gSq = dotTree(g, g);
      const first = state.count === 0;
      const rbar = first
        ? mul(add(sqrt(dotTree(state.x0, state.x0)), 1), repsRel)
        : maximum(state.rbar, sqrt(sqDistTree(x, state.x0)));
      const G = first ? add(gSq, eps) : add(state.G, gSq);
      const eta = first && initEta !== undefined ? add(mul(rbar, 0), initEta) : div(mul(rbar, lr), sqrt(G));
      const out = treeMap<typeof updates>((gi) => mul(gi, castTo(mul(eta, -1), gi)), g);
      return [out, { count: state.count + 1, eta, rbar, G, x0: state.x0 }];
    },
  };
}
