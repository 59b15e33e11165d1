/**
 * Optimizers as chains of building blocks (optax `alias.py`). Each takes one options object,
 * validated at construction (`checkOptions`: unknown options and bad values throw, naming them),
 * so any of them can be wrapped by `injectHyperparams`: `injectHyperparams(adam)({ lr: 1e-3 })`.
 * Where optax takes `momentum: None` for "no momentum", an absent `momentum` means none and any
 * given value (0 included) keeps a momentum trace, so the state's layout never depends on the
 * value (a scheduled momentum starting at 0 works).
 */
import { chain, identity } from './base.js';
import {
  addDecayedWeights,
  ADAM_RULES,
  RMS_RULES,
  scaleByAdam,
  scaleByLearningRate,
  scaleByLion,
  scaleByRms,
  scaleByRss,
  trace,
  type ScaleByAdamOptions,
} from './transforms.js';
import type { GradientTransformation, Schedule } from './types.js';
import { booleanRule, checkOptions, numberRule, optionalNumberRule, rateRule } from './validate.js';

const DECAY = { min: 0, max: 1, maxExclusive: true } as const;

/** A momentum trace when `momentum` is given, else `identity` (nesterov needs a momentum). */
function optionalTrace(op: string, momentum: number | undefined, nesterov: boolean) {
  if (momentum === undefined) {
    if (nesterov) throw new RangeError(`${op}: option nesterov needs a momentum (option momentum)`);
    return identity();
  }
  return trace(momentum, nesterov);
}

/** The learning rate every alias takes: a number or a schedule of the step count. */
export interface LrOption {
  /** Learning rate (or schedule). */
  lr: number | Schedule;
}

/** Options of `sgd`. */
export interface SgdOptions extends LrOption {
  /** Momentum decay in [0, 1); none when absent (default). */
  momentum?: number;
  /** Nesterov momentum (default false; needs `momentum`). */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent, optionally with (Nesterov) momentum:
 * `chain(trace(momentum) or identity, scaleByLearningRate(lr))`, so `-lr * g` without momentum.
 */
export function sgd(options: SgdOptions): GradientTransformation<readonly unknown[]> {
  const o = checkOptions('sgd', options, {
    lr: rateRule(),
    momentum: optionalNumberRule(DECAY),
    nesterov: booleanRule(false),
  });
  return chain(optionalTrace('sgd', o.momentum, o.nesterov), scaleByLearningRate(o.lr));
}

/** Options of `momentum`. */
export interface MomentumOptions extends LrOption {
  /** Momentum decay in [0, 1) (default 0.9). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

/** Heavy-ball momentum (`trace`) then `-lr`. */
export function momentum(options: MomentumOptions) {
  const o = checkOptions('momentum', options, {
    lr: rateRule(),
    momentum: numberRule(0.9, DECAY),
    nesterov: booleanRule(false),
  });
  return chain(trace(o.momentum, o.nesterov), scaleByLearningRate(o.lr));
}

/** Options of `adam`. */
export interface AdamOptions extends LrOption, ScaleByAdamOptions {}

/** Adam: `scaleByAdam` then `-lr`. */
export function adam(options: AdamOptions) {
  const { lr, b1, b2, eps, epsRoot, nesterov } = checkOptions('adam', options, {
    lr: rateRule(),
    ...ADAM_RULES,
  });
  return chain(scaleByAdam({ b1, b2, eps, epsRoot, nesterov }), scaleByLearningRate(lr));
}

/** Options of `adamw`. */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay (default 1e-4). */
  weightDecay?: number;
}

/** AdamW: Adam's direction plus `weightDecay * params` (decoupled), then `-lr`. */
export function adamw(options: AdamWOptions) {
  const { lr, b1, b2, eps, epsRoot, nesterov, weightDecay } = checkOptions('adamw', options, {
    lr: rateRule(),
    ...ADAM_RULES,
    weightDecay: numberRule(1e-4, { min: 0 }),
  });
  return chain(
    scaleByAdam({ b1, b2, eps, epsRoot, nesterov }),
    addDecayedWeights(weightDecay),
    scaleByLearningRate(lr),
  );
}

/** Options of `rmsprop`. */
export interface RmspropOptions extends LrOption {
  /** Decay of the squared-gradient average (default 0.9). */
  decay?: number;
  /** Regulariser inside the root (default 1e-8). */
  eps?: number;
  /** Initial value of the average (default 0). */
  initialScale?: number;
  /** Momentum decay in [0, 1), applied after the learning rate (as optax); none when absent (default). */
  momentum?: number;
  /** Nesterov momentum (default false; needs `momentum`). */
  nesterov?: boolean;
}

/**
 * RMSProp: `chain(scaleByRms, scaleByLearningRate(lr), trace(momentum) or identity)`, as optax:
 * the momentum accumulates steps already scaled by their learning rate, `m_t = -lr_t u_t +
 * momentum * m_{t-1}`, which differs from scaling the accumulated directions when `lr` is a schedule.
 */
export function rmsprop(options: RmspropOptions): GradientTransformation<readonly unknown[]> {
  const o = checkOptions('rmsprop', options, {
    lr: rateRule(),
    ...RMS_RULES,
    momentum: optionalNumberRule(DECAY),
    nesterov: booleanRule(false),
  });
  return chain(
    scaleByRms({ decay: o.decay, eps: o.eps, initialScale: o.initialScale }),
    scaleByLearningRate(o.lr),
    optionalTrace('rmsprop', o.momentum, o.nesterov),
  );
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
  const o = checkOptions('adagrad', options, {
    lr: rateRule(),
    initialAccumulatorValue: numberRule(0.1, { min: 0 }),
    eps: numberRule(1e-7, { min: 0 }),
  });
  return chain(scaleByRss(o.initialAccumulatorValue, o.eps), scaleByLearningRate(o.lr));
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
  const { lr, b1, b2, weightDecay } = checkOptions('lion', options, {
    lr: rateRule(),
    b1: numberRule(0.9, { min: 0, max: 1 }),
    b2: numberRule(0.99, { min: 0, max: 1 }),
    weightDecay: numberRule(1e-3, { min: 0 }),
  });
  return chain(scaleByLion(b1, b2), addDecayedWeights(weightDecay), scaleByLearningRate(lr));
}
