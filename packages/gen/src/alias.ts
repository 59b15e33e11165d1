/**
 * Optimizers as chains of building blocks (optax `alias.py`). Each takes one options object, so
 * any of them can be wrapped by `injectHyperparams`: `injectHyperparams(adam)({ lr: 1e-3 })`.
 */
import { chain } from './base.js';
import {
  addDecayedWeights,
  scaleByAdam,
  scaleByLearningRate,
  scaleByLion,
  scaleByRms,
  scaleByRss,
  trace,
  type ScaleByAdamOptions,
} from './transforms.js';
import type { GradientTransformation, Schedule } from './types.js';

/** The learning rate every alias takes: a number or a schedule of the step count. */
export interface LrOption {
  /** Learning rate (or schedule). */
  lr: number | Schedule;
}

/** Options of `sgd`. */
export interface SgdOptions extends LrOption {
  /** Momentum decay; none when absent or 0 (default). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/** Stochastic gradient descent, optionally with (Nesterov) momentum: `-lr * g`. */
export function sgd(options: SgdOptions): GradientTransformation<readonly unknown[]> {
  const { lr, momentum: m = 0, nesterov = false } = options;
  return m === 0 && !nesterov
    ? chain(scaleByLearningRate(lr))
    : chain(trace(m, nesterov), scaleByLearningRate(lr));
}

/** Options of `momentum`. */
export interface MomentumOptions extends LrOption {
  /** Momentum decay (default 0.9). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/** Heavy-ball momentum (`trace`) then `-lr`. */
export function momentum(options: MomentumOptions) {
  return chain(trace(options.momentum ?? 0.9, options.nesterov ?? false), scaleByLearningRate(options.lr));
}

/** Options of `adam`. */
export interface AdamOptions extends LrOption, ScaleByAdamOptions {}

/** Adam: `scaleByAdam` then `-lr`. */
export function adam(options: AdamOptions) {
  const { lr, ...rest } = options;
  return chain(scaleByAdam(rest), scaleByLearningRate(lr));
}

/** Options of `adamw`. */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay (default 1e-4). */
  weightDecay?: number;
}

/** AdamW: Adam's direction plus `weightDecay * params` (decoupled), then `-lr`. */
export function adamw(options: AdamWOptions) {
  const { lr, weightDecay = 1e-4, ...rest } = options;
  return chain(scaleByAdam(rest), addDecayedWeights(weightDecay), scaleByLearningRate(lr));
}

/** Options of `rmsprop`. */
export interface RmspropOptions extends LrOption {
  /** Decay of the squared-gradient average (default 0.9). */
  decay?: number;
  /** Regulariser inside the root (default 1e-8). */
  eps?: number;
  /** Initial value of the average (default 0). */
  initialScale?: number;
  /** Momentum after the scaling; none when absent or 0 (default). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/** RMSProp: `g / sqrt(nu + eps)`, optional momentum, then `-lr`. */
export function rmsprop(options: RmspropOptions): GradientTransformation<readonly unknown[]> {
  const { lr, decay = 0.9, eps = 1e-8, initialScale = 0, momentum: m = 0, nesterov = false } = options;
  const rms = scaleByRms({ decay, eps, initialScale });
  return m === 0 && !nesterov
    ? chain(rms, scaleByLearningRate(lr))
    : chain(rms, trace(m, nesterov), scaleByLearningRate(lr));
}

/** Options of `adagrad`. */
export interface AdagradOptions extends LrOption {
  /** Initial value of the sum of squares (default 0.1). */
  initialAccumulatorValue?: number;
  /** Regulariser (default 1e-7). */
  eps?: number;
}

/** Adagrad: `g / sqrt(sum g^2 + eps)` then `-lr`. */
export function adagrad(options: AdagradOptions) {
  return chain(
    scaleByRss(options.initialAccumulatorValue ?? 0.1, options.eps ?? 1e-7),
    scaleByLearningRate(options.lr),
  );
}

/** Options of `lion`. */
export interface LionOptions extends LrOption {
  /** Interpolation between momentum and gradient for the sign (default 0.9). */
  b1?: number;
  /** Momentum decay (default 0.99). */
  b2?: number;
  /** Decoupled weight decay (default 1e-3). */
  weightDecay?: number;
}

/** Lion: `sign(b1 * mu + (1 - b1) * g)` plus weight decay, then `-lr`. */
export function lion(options: LionOptions) {
  const { lr, b1 = 0.9, b2 = 0.99, weightDecay = 1e-3 } = options;
  return chain(scaleByLion(b1, b2), addDecayedWeights(weightDecay), scaleByLearningRate(lr));
}
