/**
 * GeN attached to base optimizers: the base transformation computes the direction once per step
 * (its state advances once), then `scaleByGeN` picks the step length. Options are GeN's
 * (`GeNOptions`, with `lr` the initial learning rate) plus the base optimizer's, validated at
 * construction under the alias's name.
 */
import { chain } from '../base.js';
import { declareStateHeld } from '../inject.js';
import { addDecayedWeights, ADAM_RULES, scaleByAdam, trace, type ScaleByAdamOptions } from '../transforms.js';
import { booleanRule, checkOptions, numberRule, type Checked, type Rule } from '../validate.js';
import { GEN_KEYS, genConfig, type GeNConfig, type GeNOptions } from './options.js';
import { GEN_AUTO, GEN_AUTO_MOMENTUM, GEN_AUTO_SGD } from './presets.js';
import { scaleByGeNFrom } from './scale-by-gen.js';

/** The alias's own options checked by `rules`, GeN's by `genConfig`, both under `op`. */
function split<R extends Record<string, Rule<unknown>>>(
  op: string,
  options: unknown,
  rules: R,
  auto: Readonly<GeNOptions> = GEN_AUTO,
): [Checked<R>, GeNConfig] {
  const { rest, ...own } = checkOptions(op, options, rules, { alsoKnown: GEN_KEYS });
  return [own as unknown as Checked<R>, genConfig(rest as GeNOptions, op, auto)];
}

// GeN's `lr` is only eta_0: injectHyperparams must not offer it as the rate in effect.
const HELD = {
  lr: "GeN's lr is only the initial rate; the rate in effect lives in the state: read or write findGeNState(state).lr",
};

/**
 * GeN-SGD: the gradient is the direction. `chain(scaleByGeN(options))`. With `preset: 'auto'` it
 * takes `GEN_AUTO_SGD` (the bias factor 2: plain SGD's greedy step is short by about that).
 *
 * @example
 * ```ts
 * import { genSgd } from '@gen-ts/gen';
 * // recommended for a run of 10 epochs of 50 batches, from any initial rate
 * const opt = genSgd({ preset: 'auto', horizon: 10 * 50, lr: 1e-3 });
 * console.log(typeof opt.update);
 * ```
 */
export function genSgd(options: GeNOptions = {}) {
  const [, cfg] = split('genSgd', options, {}, GEN_AUTO_SGD);
  return chain(scaleByGeNFrom(cfg));
}
declareStateHeld(genSgd, HELD);

/** Options of `genMomentum`. */
export interface GenMomentumOptions extends GeNOptions {
  /** Momentum decay in [0, 1) (default 0.9). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/**
 * GeN with heavy-ball momentum: `chain(trace(momentum, nesterov), scaleByGeN(...))`. With
 * `preset: 'auto'` it takes `GEN_AUTO_MOMENTUM` (bias factor 1, the warm-up's landing confirmed).
 */
export function genMomentum(options: GenMomentumOptions = {}) {
  const [o, cfg] = split(
    'genMomentum',
    options,
    {
      momentum: numberRule(0.9, { min: 0, max: 1, maxExclusive: true }),
      nesterov: booleanRule(false),
    },
    GEN_AUTO_MOMENTUM,
  );
  return chain(trace(o.momentum, o.nesterov), scaleByGeNFrom(cfg));
}
declareStateHeld(genMomentum, HELD);

/** Options of `genAdam`. */
export interface GenAdamOptions extends GeNOptions, ScaleByAdamOptions {}

/**
 * GeN-Adam: Adam's direction `m_hat / (sqrt(v_hat) + eps)`, GeN's step length. With
 * `preset: 'auto'` it takes `GEN_AUTO` (bias factor 1).
 */
export function genAdam(options: GenAdamOptions = {}) {
  const [adam, cfg] = split('genAdam', options, ADAM_RULES);
  return chain(scaleByAdam(adam), scaleByGeNFrom(cfg));
}
declareStateHeld(genAdam, HELD);

/** Options of `genAdamW`. */
export interface GenAdamWOptions extends GenAdamOptions {
  /** Decoupled weight decay folded into the direction (default 1e-4). */
  weightDecay?: number;
}

/**
 * GeN-AdamW: direction `adam + weightDecay * params`, so GeN's fit sees (and scales) the decay
 * as part of the step. With `preset: 'auto'` it takes `GEN_AUTO` (bias factor 1); `fit` in
 * `@gen-ts/nn` uses `genAdamW({ preset: 'auto', horizon })` when given no optimizer.
 */
export function genAdamW(options: GenAdamWOptions = {}) {
  const [{ weightDecay, ...adam }, cfg] = split('genAdamW', options, {
    ...ADAM_RULES,
    weightDecay: numberRule(1e-4, { min: 0 }),
  });
  return chain(scaleByAdam(adam), addDecayedWeights(weightDecay), scaleByGeNFrom(cfg));
}
declareStateHeld(genAdamW, HELD);
