/**
 * `injectHyperparams`: moves an optimizer's numeric hyperparameters into its state, where they can
 * be read (to log the learning rate) and written (to change it mid-run) without rebuilding the
 * optimizer. Schedules are evaluated at each step and their value stored in the state.
 */
import { checkTransform } from './base.js';
import type { GradientTransformation, Schedule } from './types.js';

/** A factory's options with every numeric option also accepting a schedule. */
export type Injectable<H> = { [K in keyof H]: H[K] extends number | undefined ? H[K] | Schedule : H[K] };

/** The state of an `injectHyperparams` transformation. */
export interface InjectHyperparamsState<S = unknown> {
  /** Number of updates so far (the argument of the schedules). */
  readonly count: number;
  /**
   * The numeric hyperparameters in effect: write a new value here to change it (a scheduled one is
   * overwritten by its schedule at the next step).
   */
  readonly hyperparams: Readonly<Record<string, number>>;
  /** The inner optimizer's state. */
  readonly inner: S;
}

/**
 * Wraps an optimizer factory taking one options object (`adam`, `sgd`, ...). The returned
 * function takes the same options (numbers may be schedules) and returns a transformation that
 * rebuilds the inner optimizer at each step from the hyperparameters in its state.
 * Non-numeric options (booleans, masks) stay fixed.
 * @example
 * ```ts
 * import { adam, injectHyperparams } from '@gen-ts/gen';
 * import { tensor } from '@gen-ts/core';
 * const opt = injectHyperparams(adam)({ lr: 1e-3 });
 * const params = tensor([1, 2]);
 * let state = opt.init(params);
 * state = { ...state, hyperparams: { ...state.hyperparams, lr: 1e-4 } }; // lower the LR
 * const [updates] = opt.update(tensor([1, 1]), state, params);
 * console.log(updates.toArray()); // about [-1e-4, -1e-4]
 * ```
 */
export function injectHyperparams<H extends object, S, X>(
  factory: (options: H) => GradientTransformation<S, X>,
): (options: Injectable<H>) => GradientTransformation<InjectHyperparamsState<S>, X> {
  if (typeof factory !== 'function')
    throw new TypeError('injectHyperparams: factory must be a function of an options object');
  return (options) => {
    const entries = Object.entries(options as Record<string, unknown>);
    const numeric = entries
      .filter(([, v]) => typeof v === 'number' || typeof v === 'function')
      .map(([k]) => k);
    const fixed = Object.fromEntries(entries.filter(([k]) => !numeric.includes(k)));
    const valuesAt = (count: number, prev: Readonly<Record<string, number>>): Record<string, number> =>
      Object.fromEntries(
        numeric.map((k) => {
          const v = (options as Record<string, unknown>)[k];
          return [k, typeof v === 'function' ? (v as Schedule)(count) : (prev[k] ?? (v as number))];
        }),
      );
    const build = (h: Record<string, number>) => {
      const t = factory({ ...fixed, ...h } as H);
      checkTransform('injectHyperparams', 'the factory result', t);
      return t;
    };
    return {
      init: (params) => {
        const hyperparams = valuesAt(0, {});
        return { count: 0, hyperparams, inner: build(hyperparams).init(params) };
      },
      update: (updates, state, params, extra) => {
        const hyperparams = valuesAt(state.count, state.hyperparams);
        const [u, inner] = build(hyperparams).update(updates, state.inner, params, extra);
        return [u, { count: state.count + 1, hyperparams, inner }];
      },
    };
  };
}
