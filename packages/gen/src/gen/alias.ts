/**
 * GeN attached to base optimizers: the base transformation computes the direction once per step
 * (its state advances once), then `scaleByGeN` picks the step length. Options are GeN's
 * (`GeNOptions`, with `lr` the initial learning rate) plus the base optimizer's.
 */
import { chain } from '../base.js';
import { addDecayedWeights, scaleByAdam, trace, type ScaleByAdamOptions } from '../transforms.js';
import type { GeNOptions } from './options.js';
import { scaleByGeN } from './scale-by-gen.js';

/** GeN-SGD: the gradient is the direction. `chain(scaleByGeN(options))`. */
export function genSgd(options: GeNOptions = {}) {
  return chain(scaleByGeN(options));
}

/** Options of `genMomentum`. */
export interface GenMomentumOptions extends GeNOptions {
  /** Momentum decay (default 0.9). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/** GeN with heavy-ball momentum: `chain(trace(momentum, nesterov), scaleByGeN(...))`. */
export function genMomentum(options: GenMomentumOptions = {}) {
  const { momentum = 0.9, nesterov = false, ...gen } = options;
  return chain(trace(momentum, nesterov), scaleByGeN(gen));
}

/** Options of `genAdam`. */
export interface GenAdamOptions extends GeNOptions, ScaleByAdamOptions {}

/** GeN-Adam: Adam's direction `m_hat / (sqrt(v_hat) + eps)`, GeN's step length. */
export function genAdam(options: GenAdamOptions = {}) {
  const { b1, b2, eps, epsRoot, nesterov, ...gen } = options;
  return chain(scaleByAdam({ b1, b2, eps, epsRoot, nesterov }), scaleByGeN(gen));
}

/** Options of `genAdamW`. */
export interface GenAdamWOptions extends GenAdamOptions {
  /** Decoupled weight decay folded into the direction (default 1e-4). */
  weightDecay?: number;
}

/**
 * GeN-AdamW: direction `adam + weightDecay * params`, so GeN's fit sees (and scales) the decay
 * as part of the step.
 */
export function genAdamW(options: GenAdamWOptions = {}) {
  const { b1, b2, eps, epsRoot, nesterov, weightDecay = 1e-4, ...gen } = options;
  return chain(
    scaleByAdam({ b1, b2, eps, epsRoot, nesterov }),
    addDecayedWeights(weightDecay),
    scaleByGeN(gen),
  );
}
