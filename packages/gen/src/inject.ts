/**
 * `injectHyperparams`: moves an optimizer's numeric hyperparameters into its state, where they can
 * be read (to log the learning rate) and written (to change it mid-run) without rebuilding the
 * optimizer. Schedules are evaluated at each step and their value stored in the state.
 */
import { checkTransform } from './base.js';
import type { GradientTransformation, Schedule } from './types.js';
import { withScheduledValues } from './util.js';
import { checkOptionsObject, checkState } from './validate.js';

/** A factory's options with every numeric option also accepting a schedule. */
export type Injectable<H> = { [K in keyof H]: H[K] extends number | undefined ? H[K] | Schedule : H[K] };

/** The state of an `injectHyperparams` transformation. */
export interface InjectHyperparamsState<S = unknown> {
  /** Number of updates so far (the argument of the schedules). */
  readonly count: number;
  /**
   * The numeric hyperparameters in effect: write a new value here to change it (a scheduled one is
   * overwritten by its schedule at the next step). Writing a name that is not one of them throws.
   */
  readonly hyperparams: Readonly<Record<string, number>>;
  /** The inner optimizer's state. */
  readonly inner: S;
}

// Options a factory reads once, to seed a value its state then owns (GeN's initial rate): as
// hyperparameters they would do nothing after init and report a value not in effect.
const stateHeld = new WeakMap<object, Readonly<Record<string, string>>>();

/**
 * @internal Declares options of `factory` that only seed its state, each with the reason shown
 * when someone schedules or writes it through `injectHyperparams`.
 */
export function declareStateHeld(factory: object, options: Readonly<Record<string, string>>): void {
  stateHeld.set(factory, options);
}

/**
 * Wraps an optimizer factory taking one options object (`adam`, `sgd`, ...). The returned
 * function takes the same options (numbers may be schedules) and returns a transformation that
 * rebuilds the inner optimizer at each step from the hyperparameters in its state. The options
 * are checked at once, by building the optimizer from their values at step 0.
 *
 * Non-numeric options (booleans, masks) stay fixed, and so do options the optimizer only reads at
 * `init` to seed its state: GeN's `lr` (`genSgd`, `genAdam`, ...) is the initial rate, and the
 * rate in effect is `findGeNState(state).lr`, so it is not a hyperparameter here and a schedule
 * for it is an error. A schedule's values are not range-checked (a cosine decay may end at 0).
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
  const op = `injectHyperparams(${factory.name || 'factory'})`;
  const held = stateHeld.get(factory) ?? {};
  return (options) => {
    // the factory checks the names; here only the shape (a bare number is taken for the lr)
    const given = checkOptionsObject(op, options, ['lr', ...Object.keys(options ?? {})]);
    const entries = Object.entries(given);
    for (const [k, v] of entries) {
      if (k in held && typeof v === 'function')
        throw new TypeError(`${op}: option ${k} cannot be scheduled: ${held[k]}`);
    }
    const numeric = entries
      .filter(([k, v]) => !(k in held) && (typeof v === 'number' || typeof v === 'function'))
      .map(([k]) => k);
    const scheduled = new Set(numeric.filter((k) => typeof given[k] === 'function'));
    const fixed = Object.fromEntries(entries.filter(([k]) => !numeric.includes(k)));
    const valuesAt = (count: number, prev: Readonly<Record<string, number>>): Record<string, number> =>
      Object.fromEntries(
        numeric.map((k) => {
          const v = given[k];
          return [k, typeof v === 'function' ? (v as Schedule)(count) : (prev[k] ?? (v as number))];
        }),
      );
    const build = (h: Record<string, number>) => {
      const t = withScheduledValues(scheduled, () => factory({ ...fixed, ...h } as H));
      checkTransform('injectHyperparams', 'the factory result', t);
      return t;
    };
    build(valuesAt(0, {})); // bad options throw here, at construction
    return {
      init: (params) => {
        const hyperparams = valuesAt(0, {});
        return { count: 0, hyperparams, inner: build(hyperparams).init(params) };
      },
      update: (updates, state, params, extra) => {
        checkState(op, state, ['count', 'hyperparams', 'inner']);
        for (const k of Object.keys(state.hyperparams)) {
          if (numeric.includes(k)) continue;
          throw new TypeError(
            `${op}: hyperparams.${k} is not a hyperparameter of this optimizer` +
              (k in held ? ` (${held[k]})` : ` (they are: ${numeric.join(', ') || 'none'})`),
          );
        }
        const hyperparams = valuesAt(state.count, state.hyperparams);
        const [u, inner] = build(hyperparams).update(updates, state.inner, params, extra);
        return [u, { count: state.count + 1, hyperparams, inner }];
      },
    };
  };
}
