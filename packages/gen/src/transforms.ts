/**
 * Building blocks, each a small pure transformation with a named state. Step counts are host
 * numbers (schedules and bias corrections are computed on the host, so no readback); every tensor
 * operation stays in the dtype of the updates.
 */
import {
  add,
  div,
  greater,
  maximum,
  mul,
  sign,
  sqrt,
  sum,
  treeLeaves,
  treeMap,
  where,
  zerosLike,
  clip as clipValues,
  type Tensor,
} from '@gen-ts/core';
import type { EmptyState } from './base.js';
import type { GradientTransformation, Schedule } from './types.js';
import { castTo, checkBoolean, checkNumber, checkNumberOrSchedule, valueAt } from './util.js';
import { booleanRule, checkOptions, checkState, numberRule } from './validate.js';

/** A state that only counts steps. */
export interface CountState {
  /** Number of updates applied so far. */
  readonly count: number;
}

/** Multiplies every update by `factor`. */
export function scale(factor: number): GradientTransformation<EmptyState> {
  checkNumber('scale', 'factor', factor);
  return {
    init: () => ({}),
    update: (updates, state) => [treeMap((u) => mul(u, factor), updates), state],
  };
}

/** Multiplies every update by `schedule(count)`. */
export function scaleBySchedule(schedule: Schedule): GradientTransformation<CountState> {
  if (typeof schedule !== 'function')
    throw new TypeError('scaleBySchedule: schedule must be a function of the step count');
  return {
    init: () => ({ count: 0 }),
    update: (updates, state) => {
      checkState('scaleBySchedule', state, ['count']);
      const f = schedule(state.count);
      return [treeMap((u) => mul(u, f), updates), { count: state.count + 1 }];
    },
  };
}

/**
 * Multiplies by `-lr` (or by `lr` when `flipSign` is false): the last link of most optimizers,
 * turning a descent direction into a step. `lr` is a number or a schedule of the step count.
 */
export function scaleByLearningRate(
  lr: number | Schedule,
  flipSign = true,
): GradientTransformation<CountState> {
  checkNumberOrSchedule('scaleByLearningRate', 'lr', lr);
  checkBoolean('scaleByLearningRate', 'flipSign', flipSign);
  const m = flipSign ? -1 : 1;
  return scaleBySchedule((count) => m * valueAt(lr, count));
}

/** Options of `scaleByAdam`. */
export interface ScaleByAdamOptions {
  /** Decay of the first moment (default 0.9). */
  b1?: number;
  /** Decay of the second moment (default 0.999). */
  b2?: number;
  /** Added to the root of the second moment (default 1e-8). */
  eps?: number;
  /** Added to the second moment inside the root (default 0). */
  epsRoot?: number;
  /** Nesterov momentum on the first moment (NAdam; default false). */
  nesterov?: boolean;
}

/** @internal The rules of Adam's options, shared by `scaleByAdam` and the aliases built on it. */
export const ADAM_RULES = {
  b1: numberRule(0.9, { min: 0, max: 1, maxExclusive: true }),
  b2: numberRule(0.999, { min: 0, max: 1, maxExclusive: true }),
  eps: numberRule(1e-8, { min: 0 }),
  epsRoot: numberRule(0, { min: 0 }),
  nesterov: booleanRule(false),
};

/** The state of `scaleByAdam`. */
export interface ScaleByAdamState<U = unknown> {
  /** Number of updates so far (for bias correction). */
  readonly count: number;
  /** First moment (exponential average of the updates). */
  readonly mu: U;
  /** Second moment (exponential average of the squared updates). */
  readonly nu: U;
}

/**
 * Adam's direction `mu_hat / (sqrt(nu_hat + epsRoot) + eps)` with bias-corrected moments
 * `mu_hat = mu / (1 - b1^t)`, `nu_hat = nu / (1 - b2^t)`.
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  const { b1, b2, eps, epsRoot, nesterov } = checkOptions('scaleByAdam', options, ADAM_RULES);
  return {
    init: (params) => ({
      count: 0,
      mu: treeMap((p) => zerosLike(p), params),
      nu: treeMap((p) => zerosLike(p), params),
    }),
    update: (updates, state) => {
      checkState('scaleByAdam', state, ['count', 'mu', 'nu']);
      const t = state.count + 1;
      const mu = treeMap((g, m) => add(mul(m!, b1), mul(g, 1 - b1)), updates, state.mu);
      const nu = treeMap((g, v) => add(mul(v!, b2), mul(mul(g, g), 1 - b2)), updates, state.nu);
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      // NAdam: look one step ahead, b1 * mu_hat(t+1) + (1 - b1) * g / (1 - b1^t).
      const muHat = nesterov
        ? treeMap((m, g) => add(mul(m, b1 / (1 - b1 ** (t + 1))), mul(g!, (1 - b1) / c1)), mu, updates)
        : treeMap((m) => div(m, c1), mu);
      const out = treeMap<typeof updates>(
        (m, v) => div(m, add(sqrt(add(div(v!, c2), epsRoot)), eps)),
        muHat,
        nu,
      );
      return [out, { count: t, mu, nu }];
    },
  };
}

/** Options of `scaleByRms`. */
export interface ScaleByRmsOptions {
  /** Decay of the squared-update average (default 0.9). */
  decay?: number;
  /** Regulariser (default 1e-8). */
  eps?: number;
  /** Initial value of the average (default 0). */
  initialScale?: number;
  /** `g / sqrt(nu + eps)` when true (default, as optax), `g / (sqrt(nu) + eps)` when false. */
  epsInSqrt?: boolean;
  /** Divide the average by `1 - decay^t` (default false). */
  biasCorrection?: boolean;
}

/** @internal The rules of the RMSProp options `scaleByRms` shares with `rmsprop`. */
export const RMS_RULES = {
  decay: numberRule(0.9, { min: 0, max: 1, maxExclusive: true }),
  eps: numberRule(1e-8, { min: 0 }),
  initialScale: numberRule(0, { min: 0 }),
};

/** The state of `scaleByRms`. */
export interface ScaleByRmsState<U = unknown> {
  /** Number of updates so far. */
  readonly count: number;
  /** Exponential average of the squared updates. */
  readonly nu: U;
}

/**
 * RMSProp's scaling: `g / sqrt(nu + eps)` with `nu = decay * nu + (1 - decay) * g^2`. With
 * `epsInSqrt: false, biasCorrection: true` it equals `scaleByAdam({ b1: 0, b2: decay })`.
 */
export function scaleByRms(options: ScaleByRmsOptions = {}): GradientTransformation<ScaleByRmsState> {
  const { decay, eps, initialScale, epsInSqrt, biasCorrection } = checkOptions('scaleByRms', options, {
    ...RMS_RULES,
    epsInSqrt: booleanRule(true),
    biasCorrection: booleanRule(false),
  });
  return {
    init: (params) => ({ count: 0, nu: treeMap((p) => add(zerosLike(p), initialScale), params) }),
    update: (updates, state) => {
      checkState('scaleByRms', state, ['count', 'nu']);
      const t = state.count + 1;
      const nu = treeMap((g, v) => add(mul(v!, decay), mul(mul(g, g), 1 - decay)), updates, state.nu);
      const c = biasCorrection ? 1 - decay ** t : 1;
      const out = treeMap<typeof updates>(
        (g, v) => {
          const vh = div(v!, c);
          return div(g, epsInSqrt ? sqrt(add(vh, eps)) : add(sqrt(vh), eps));
        },
        updates,
        nu,
      );
      return [out, { count: t, nu }];
    },
  };
}

/** The state of `scaleByRss`. */
export interface ScaleByRssState<U = unknown> {
  /** Running sum of the squared updates. */
  readonly sumOfSquares: U;
}

/**
 * Adagrad's scaling: `g / sqrt(s + eps)` with `s` the running sum of squared updates (started at
 * `initialAccumulatorValue`, default 0.1); 0 where `s` is 0.
 */
export function scaleByRss(
  initialAccumulatorValue = 0.1,
  eps = 1e-7,
): GradientTransformation<ScaleByRssState> {
  checkNumber('scaleByRss', 'initialAccumulatorValue', initialAccumulatorValue, { min: 0 });
  checkNumber('scaleByRss', 'eps', eps, { min: 0 });
  return {
    init: (params) => ({ sumOfSquares: treeMap((p) => add(zerosLike(p), initialAccumulatorValue), params) }),
    update: (updates, state) => {
      checkState('scaleByRss', state, ['sumOfSquares']);
      const s = treeMap((g, a) => add(a!, mul(g, g)), updates, state.sumOfSquares);
      const out = treeMap<typeof updates>(
        (g, a) => where(greater(a!, 0), div(g, sqrt(add(a!, eps))), 0),
        updates,
        s,
      );
      return [out, { sumOfSquares: s }];
    },
  };
}

/** The state of `trace`. */
export interface TraceState<U = unknown> {
  /** The momentum buffer. */
  readonly trace: U;
}

/**
 * Momentum: `m = g + decay * m`; the update is `m`, or `g + decay * m` with Nesterov.
 */
export function trace(decay = 0.9, nesterov = false): GradientTransformation<TraceState> {
  checkNumber('trace', 'decay', decay, { min: 0 });
  checkBoolean('trace', 'nesterov', nesterov);
  return {
    init: (params) => ({ trace: treeMap((p) => zerosLike(p), params) }),
    update: (updates, state) => {
      checkState('trace', state, ['trace']);
      const m = treeMap<typeof updates>((g, t) => add(g, mul(t!, decay)), updates, state.trace);
      const out = nesterov ? treeMap<typeof updates>((g, t) => add(g, mul(t!, decay)), updates, m) : m;
      return [out, { trace: m }];
    },
  };
}

/**
 * Adds `weightDecay * params` to the updates (decoupled weight decay when placed before the
 * learning rate). Needs `params` unless `weightDecay` is 0.
 */
export function addDecayedWeights(weightDecay = 0): GradientTransformation<EmptyState> {
  checkNumber('addDecayedWeights', 'weightDecay', weightDecay, { min: 0 });
  return {
    init: () => ({}),
    update: (updates, state, params) => {
      if (weightDecay === 0) return [updates, state];
      if (params === undefined)
        throw new Error('addDecayedWeights: update needs params (weight decay is proportional to them)');
      return [treeMap((u, p) => add(u, castTo(mul(p!, weightDecay), u)), updates, params), state];
    },
  };
}

/**
 * Scales all updates down together when their global norm exceeds `maxNorm`:
 * `g * maxNorm / max(||g||, maxNorm)` (computed on device, no readback).
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  checkNumber('clipByGlobalNorm', 'maxNorm', maxNorm, { min: 0, minExclusive: true });
  return {
    init: () => ({}),
    update: (updates, state) => {
      const leaves = treeLeaves(updates);
      if (leaves.length === 0) return [updates, state];
      const first = leaves[0]!;
      let sq: Tensor = castTo(sum(mul(first, first)), first);
      for (const l of leaves.slice(1)) sq = add(sq, castTo(sum(mul(l, l)), first));
      const factor = div(maxNorm, maximum(sqrt(sq), maxNorm));
      return [treeMap((u) => mul(u, castTo(factor, u)), updates), state];
    },
  };
}

/** Clamps every update into `[-maxDelta, maxDelta]`. */
export function clip(maxDelta: number): GradientTransformation<EmptyState> {
  checkNumber('clip', 'maxDelta', maxDelta, { min: 0 });
  return {
    init: () => ({}),
    update: (updates, state) => [treeMap((u) => clipValues(u, -maxDelta, maxDelta), updates), state],
  };
}

/** The state of `scaleByLion`. */
export interface ScaleByLionState<U = unknown> {
  /** The momentum (average of the updates with decay `b2`). */
  readonly mu: U;
}

/**
 * Lion's direction `sign(b1 * mu + (1 - b1) * g)`, then `mu = b2 * mu + (1 - b2) * g`
 * (defaults `b1 = 0.9`, `b2 = 0.99`).
 */
export function scaleByLion(b1 = 0.9, b2 = 0.99): GradientTransformation<ScaleByLionState> {
  checkNumber('scaleByLion', 'b1', b1, { min: 0, max: 1 });
  checkNumber('scaleByLion', 'b2', b2, { min: 0, max: 1 });
  return {
    init: (params) => ({ mu: treeMap((p) => zerosLike(p), params) }),
    update: (updates, state) => {
      checkState('scaleByLion', state, ['mu']);
      const out = treeMap<typeof updates>(
        (g, m) => sign(add(mul(m!, b1), mul(g, 1 - b1))),
        updates,
        state.mu,
      );
      const mu = treeMap((g, m) => add(mul(m!, b2), mul(g, 1 - b2)), updates, state.mu);
      return [out, { mu }];
    },
  };
}
