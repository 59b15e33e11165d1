/**
 * Backtracking line search with Armijo's sufficient-decrease condition (Armijo 1966; Nocedal &
 * Wright, Algorithm 3.1; the stochastic use of Vaswani et al., "Painless Stochastic Gradient",
 * NeurIPS 2019). Parameters, defaults and the search itself as in optax's
 * `scale_by_backtracking_linesearch`: an initial guess, a `cond` and a `body`, with a typed `info`.
 */
import {
  add,
  greater,
  isFinite,
  lessEqual,
  maximum,
  minimum,
  mul,
  scalar,
  sub,
  Tensor,
  treeMap,
  where,
} from '@gen-ts/core';
import type { GradientTransformation, LossExtras } from '../types.js';
import { castTo, checkBoolean, checkNumber, scalarFor } from '../util.js';
import { checkOptionKeys, dotTree, like, needValue } from './util.js';

/** Options of `scaleByBacktrackingLinesearch` (optax's parameters, camelCase). */
export interface BacktrackingLinesearchOptions {
  /** Most trials after the first (required; optax's `max_backtracking_steps`). */
  maxBacktrackingSteps: number;
  /** The constant `c` of the sufficient decrease, relative to the slope (default 1e-4). */
  slopeRtol?: number;
  /** Factor each rejected trial multiplies the step size by (default 0.8). */
  decreaseFactor?: number;
  /** The first trial is `increaseFactor` times the last accepted step size (default 1.5; Infinity: always `maxLearningRate`). */
  increaseFactor?: number;
  /** The largest trial step size (default 1). */
  maxLearningRate?: number;
  /** Absolute tolerance `epsilon` of the condition (default 0). */
  atol?: number;
  /** Relative tolerance `delta` of the condition (default 0). */
  rtol?: number;
  /**
   * Stop at the first trial that satisfies the condition (default true), which reads one boolean
   * back per trial. False runs all `maxBacktrackingSteps + 1` trials on the device, later ones
   * masked (no readback, the same result, more loss evaluations).
   */
  earlyExit?: boolean;
}

/** What the last search did. */
export interface BacktrackingLinesearchInfo {
  /** Trials made, the first included (0-d int32). */
  readonly numLinesearchSteps: Tensor;
  /** `max(f(w + eta u) - (1 + rtol) f(w) - eta c <u, g>, 0)` at the chosen step (0: satisfied; Infinity: non-finite). */
  readonly decreaseError: Tensor;
}

/** The state of `scaleByBacktrackingLinesearch`. */
export interface BacktrackingLinesearchState {
  /** The step size found by the last search (0 when it met only non-finite losses). */
  readonly learningRate: Tensor;
  /** The loss at the step found. */
  readonly value: Tensor;
  /** What the last search did. */
  readonly info: BacktrackingLinesearchInfo;
}

const KEYS = [
  'maxBacktrackingSteps',
  'slopeRtol',
  'decreaseFactor',
  'increaseFactor',
  'maxLearningRate',
  'atol',
  'rtol',
  'earlyExit',
];

/** One trial of the search, as optax's loop carries it. */
interface Trial {
  readonly learningRate: Tensor;
  readonly newValue: Tensor;
  readonly decreaseError: Tensor;
  readonly steps: Tensor;
  /** The condition held at some trial so far (later trials change nothing). */
  readonly done: Tensor;
}

/**
 * Scales a descent step `u` (for example `sgd({ lr: 1 })`'s) by the step size `eta` that
 * satisfies Armijo's condition
 *
 *     f(w + eta u) <= (1 + rtol) f(w) + eta * slopeRtol * <u, grad f(w)> + atol
 *
 * trying `eta = min(increaseFactor * eta_prev, maxLearningRate)` first (`eta_prev` starts at 1) and
 * multiplying by `decreaseFactor` up to `maxBacktrackingSteps` times. If no trial satisfies it the
 * last one is kept; if its loss is not finite the step is 0. Needs the extras `value` (the loss
 * at `w`), `grad` (its gradient) and `valueFn` (the loss as a function of the params, on the same
 * data), as `trainStep(loss, opt, { probe: 'own' })` passes them; and `params`. `u` must be a
 * descent direction (`<u, grad> < 0`) for the condition to be satisfiable.
 * Reference: optax `scale_by_backtracking_linesearch`.
 *
 * @example
 * ```ts
 * import { tensor, valueAndGrad, sum, mul } from '@gen-ts/core';
 * import { applyUpdates, chain, scaleByBacktrackingLinesearch, sgd } from '@gen-ts/gen';
 * const f = (x: any) => sum(mul(x, x));
 * const opt = chain(sgd({ lr: 1 }), scaleByBacktrackingLinesearch({ maxBacktrackingSteps: 15 }));
 * let x = tensor([1, 2, 3], { dtype: 'float64' });
 * let s = opt.init(x);
 * for (let t = 0; t < 5; t++) {
 *   const [value, grad] = valueAndGrad(f)(x);
 *   const [u, next] = opt.update(grad, s, x, { value, grad, valueFn: f });
 *   [x, s] = [applyUpdates(x, u), next];
 * }
 * console.log(f(x).itemSync());
 * ```
 */
export function scaleByBacktrackingLinesearch(
  options: BacktrackingLinesearchOptions,
): GradientTransformation<BacktrackingLinesearchState, LossExtras> {
  const op = 'scaleByBacktrackingLinesearch';
  if (options === undefined) throw new TypeError(`${op}: options { maxBacktrackingSteps } are required`);
  checkOptionKeys(op, options, KEYS);
  const maxSteps = checkNumber(op, 'maxBacktrackingSteps', options.maxBacktrackingSteps, {
    min: 0,
    integer: true,
  });
  const slopeRtol = checkNumber(op, 'slopeRtol', options.slopeRtol ?? 1e-4, {
    min: 0,
    max: 1,
    maxExclusive: true,
  });
  const decreaseFactor = checkNumber(op, 'decreaseFactor', options.decreaseFactor ?? 0.8, {
    min: 0,
    minExclusive: true,
    max: 1,
    maxExclusive: true,
  });
  const increaseFactor = checkNumber(op, 'increaseFactor', options.increaseFactor ?? 1.5, {
    min: 1,
    finite: false,
  });
  const maxLearningRate = checkNumber(op, 'maxLearningRate', options.maxLearningRate ?? 1, {
    min: 0,
    minExclusive: true,
  });
  const atol = checkNumber(op, 'atol', options.atol ?? 0, { min: 0 });
  const rtol = checkNumber(op, 'rtol', options.rtol ?? 0, { min: 0 });
  const earlyExit = checkBoolean(op, 'earlyExit', options.earlyExit ?? true);
  return {
    init: (params) => {
      const one = scalarFor(op, params, 1);
      const inf = scalarFor(op, params, Infinity);
      return {
        learningRate: one,
        value: inf,
        info: { numLinesearchSteps: scalar0(one), decreaseError: inf },
      };
    },
    update: (updates, state, params, extra) => {
      const value = needValue(op, extra?.value, 'the sufficient-decrease condition compares against it');
      const valueFn = extra?.valueFn;
      if (typeof valueFn !== 'function')
        throw new Error(`${op}: update needs extra.valueFn, the loss as a function of the params`);
      if (extra?.grad === undefined)
        throw new Error(`${op}: update needs extra.grad, the gradient at the current params (for the slope)`);
      if (params === undefined)
        throw new Error(`${op}: update needs params (the trials are params + eta * u)`);
      const lr0 = state.learningRate;
      const f0 = castTo(value, lr0);
      const slope = castTo(dotTree(updates, extra.grad), lr0);
      const decreaseError = (eta: Tensor, fNew: Tensor): Tensor => {
        const e = sub(sub(fNew, mul(f0, 1 + rtol)), mul(mul(eta, slopeRtol), slope));
        return maximum(where(isFinite(e), e, Infinity), 0); // NaN (and +Inf) count as failure
      };
      const lossAt = (eta: Tensor): Tensor => {
        const y = valueFn(treeMap((w, u) => add(w, mul(u!, castTo(eta, u!))), params, updates));
        if (!(y instanceof Tensor) || y.rank !== 0)
          throw new TypeError(`${op}: extra.valueFn must return a 0-d (scalar) loss tensor`);
        return castTo(y, lr0);
      };
      // body: the first trial is the guess; each later one shrinks the step, until done.
      const body = (t: Trial, iter: number): Trial => {
        const eta = iter > 0 ? mul(t.learningRate, decreaseFactor) : t.learningRate;
        const fNew = lossAt(eta);
        const err = decreaseError(eta, fNew);
        const keep = (old: Tensor, next: Tensor) => where(t.done, old, next);
        return {
          learningRate: keep(t.learningRate, eta),
          newValue: keep(t.newValue, fNew),
          decreaseError: keep(t.decreaseError, err),
          steps: keep(t.steps, add(t.steps, 1)),
          done: where(t.done, t.done, lessEqual(err, atol)),
        };
      };
      let trial: Trial = {
        learningRate:
          increaseFactor === Infinity
            ? like(lr0, maxLearningRate) // not Infinity * 0 after a step of 0
            : minimum(mul(lr0, increaseFactor), maxLearningRate),
        newValue: f0,
        decreaseError: like(lr0, Infinity),
        steps: scalar0(lr0),
        done: greater(like(lr0, 0), 0),
      };
      const canRead = earlyExit && typeof lr0.backend.readSync === 'function';
      for (let iter = 0; iter <= maxSteps; iter++) {
        // cond: stop once satisfied (read back only when early exit is on).
        if (iter > 0 && canRead && trial.done.itemSync() !== 0) break;
        trial = body(trial, iter);
      }
      const learningRate = where(isFinite(trial.decreaseError), trial.learningRate, 0);
      const out = treeMap<typeof updates>((u) => mul(u, castTo(learningRate, u)), updates);
      return [
        out,
        {
          learningRate,
          value: trial.newValue,
          info: { numLinesearchSteps: trial.steps, decreaseError: trial.decreaseError },
        },
      ];
    },
  };
}

const scalar0 = (x: Tensor): Tensor => scalar(0, { dtype: 'int32', backend: x.backend });
