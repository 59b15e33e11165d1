/**
 * Schedules: plain functions of the step count (`0, 1, 2, ...`) returning a number, evaluated on
 * the host (the count is a host number, so no readback). Arguments are validated when the
 * schedule is built. The formulas follow optax's documented ones.
 */
import { checkNumber } from './util.js';
import type { Schedule } from './types.js';

/** Always `value`. */
export function constantSchedule(value: number): Schedule {
  checkNumber('constantSchedule', 'value', value);
  return () => value;
}

/**
 * Linear from `initValue` to `endValue` over `transitionSteps` steps starting at `transitionBegin`
 * (default 0); constant before and after.
 */
export function linearSchedule(
  initValue: number,
  endValue: number,
  transitionSteps: number,
  transitionBegin = 0,
): Schedule {
  const op = 'linearSchedule';
  checkNumber(op, 'initValue', initValue);
  checkNumber(op, 'endValue', endValue);
  checkNumber(op, 'transitionSteps', transitionSteps, { min: 0, minExclusive: true, integer: true });
  checkNumber(op, 'transitionBegin', transitionBegin, { min: 0, integer: true });
  return (count) => {
    const frac = Math.min(Math.max(count - transitionBegin, 0), transitionSteps) / transitionSteps;
    return initValue + (endValue - initValue) * frac;
  };
}

/**
 * Cosine decay from `initValue` to `alpha * initValue` over `decaySteps`:
 * `init * ((1 - alpha) * c^exponent + alpha)` with `c = (1 + cos(pi * min(t, T) / T)) / 2`.
 */
export function cosineDecaySchedule(
  initValue: number,
  decaySteps: number,
  alpha = 0,
  exponent = 1,
): Schedule {
  const op = 'cosineDecaySchedule';
  checkNumber(op, 'initValue', initValue);
  checkNumber(op, 'decaySteps', decaySteps, { min: 0, minExclusive: true, integer: true });
  checkNumber(op, 'alpha', alpha);
  checkNumber(op, 'exponent', exponent, { min: 0, minExclusive: true });
  return (count) => {
    const c = 0.5 * (1 + Math.cos((Math.PI * Math.min(Math.max(count, 0), decaySteps)) / decaySteps));
    return initValue * ((1 - alpha) * c ** exponent + alpha);
  };
}

/**
 * Linear warm-up from `initValue` to `peakValue` over `warmupSteps`, then cosine decay to
 * `endValue` at step `decaySteps` (which counts the warm-up, as in optax).
 */
export function warmupCosineDecaySchedule(
  initValue: number,
  peakValue: number,
  warmupSteps: number,
  decaySteps: number,
  endValue = 0,
  exponent = 1,
): Schedule {
  const op = 'warmupCosineDecaySchedule';
  checkNumber(op, 'initValue', initValue);
  checkNumber(op, 'peakValue', peakValue);
  checkNumber(op, 'warmupSteps', warmupSteps, { min: 0, integer: true });
  checkNumber(op, 'decaySteps', decaySteps, { min: warmupSteps, minExclusive: true, integer: true });
  checkNumber(op, 'endValue', endValue);
  checkNumber(op, 'exponent', exponent, { min: 0, minExclusive: true });
  const cosine: Schedule = (count) => {
    const T = decaySteps - warmupSteps;
    const c = 0.5 * (1 + Math.cos((Math.PI * Math.min(Math.max(count, 0), T)) / T));
    return endValue + (peakValue - endValue) * c ** exponent;
  };
  if (warmupSteps === 0) return cosine;
  return joinSchedules([linearSchedule(initValue, peakValue, warmupSteps), cosine], [warmupSteps]);
}

/** Options of `exponentialDecay`. */
export interface ExponentialDecayOptions {
  /** Steps before decay starts (default 0). */
  transitionBegin?: number;
  /** Decay in whole periods of `transitionSteps` rather than continuously (default false). */
  staircase?: boolean;
  /** A floor (when decaying) or ceiling (when growing) for the value (default none). */
  endValue?: number;
}

/**
 * `initValue * decayRate^((t - transitionBegin) / transitionSteps)` (the exponent floored when
 * `staircase`), constant before `transitionBegin`, bounded by `endValue` when given.
 */
export function exponentialDecay(
  initValue: number,
  transitionSteps: number,
  decayRate: number,
  options: ExponentialDecayOptions = {},
): Schedule {
  const op = 'exponentialDecay';
  checkNumber(op, 'initValue', initValue);
  checkNumber(op, 'transitionSteps', transitionSteps, { min: 0, minExclusive: true });
  checkNumber(op, 'decayRate', decayRate, { min: 0, minExclusive: true });
  const { transitionBegin = 0, staircase = false, endValue } = options;
  checkNumber(op, 'transitionBegin', transitionBegin, { min: 0, integer: true });
  if (endValue !== undefined) checkNumber(op, 'endValue', endValue);
  return (count) => {
    let p = Math.max(count - transitionBegin, 0) / transitionSteps;
    if (staircase) p = Math.floor(p);
    const v = initValue * decayRate ** p;
    if (endValue === undefined) return v;
    return decayRate < 1 ? Math.max(v, endValue) : Math.min(v, endValue);
  };
}

/**
 * `initValue`, multiplied by `scale` from each `boundary` on: `{ 100: 0.1, 200: 0.1 }` divides by
 * 10 at step 100 and again at step 200.
 */
export function piecewiseConstantSchedule(
  initValue: number,
  boundariesAndScales: Readonly<Record<number, number>> = {},
): Schedule {
  const op = 'piecewiseConstantSchedule';
  checkNumber(op, 'initValue', initValue);
  const pairs = Object.entries(boundariesAndScales)
    .map(([b, s]) => [checkNumber(op, `boundary ${b}`, Number(b), { min: 0, integer: true }), s] as const)
    .map(([b, s]) => [b, checkNumber(op, `scale at ${b}`, s)] as const)
    .sort((x, y) => x[0] - y[0]);
  return (count) => pairs.reduce((v, [b, s]) => (count >= b ? v * s : v), initValue);
}

/**
 * Runs `schedules[i]` between `boundaries[i-1]` and `boundaries[i]`, each restarted at 0 at its
 * boundary (`schedules.length` must be `boundaries.length + 1`, boundaries increasing).
 */
export function joinSchedules(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  const op = 'joinSchedules';
  if (schedules.length !== boundaries.length + 1) {
    throw new RangeError(
      `${op}: need one more schedule than boundaries, got ${schedules.length} schedules and ${boundaries.length} boundaries`,
    );
  }
  schedules.forEach((s, i) => {
    if (typeof s !== 'function') throw new TypeError(`${op}: schedule ${i} is not a function`);
  });
  boundaries.forEach((b, i) => {
    checkNumber(op, `boundaries[${i}]`, b, {
      min: i === 0 ? 0 : boundaries[i - 1]!,
      minExclusive: i > 0,
      integer: true,
    });
  });
  return (count) => {
    let i = 0;
    while (i < boundaries.length && count >= boundaries[i]!) i++;
    return schedules[i]!(i === 0 ? count : count - boundaries[i - 1]!);
  };
}
