/**
 * GeN's options, validated once into a typed, fully defaulted object. A bad option throws here,
 * at construction, with a message naming it; never mid-training. Defaults: docs/gen.md, section 4.
 */
import type { Schedule } from '../types.js';
import { checkNumber } from '../util.js';
import {
  anyRule,
  booleanRule,
  checkOptions,
  numberOrScheduleRule,
  numberRule,
  oneOfRule,
  optionalNumberRule,
} from '../validate.js';
import { GEN_AUTO } from './presets.js';

/**
 * How GeN estimates the curvature `a = d^T H d` and slope `b = G^T d` along the direction: probe
 * losses (`'fit'`), autodiff (`'exact'`), or the next step's own batch (`'lagged'`).
 */
export type GeNMode = 'fit' | 'exact' | 'lagged';

/** A named set of GeN's defaults: the authors' rule (`'paper'`) or the measured recommendation (`'auto'`). */
export type GeNPreset = 'paper' | 'auto';

/** Where fit mode takes the slope `b = G^T d` from: fitted from the probes, or the gradient's. */
export type GeNSlope = 'fit' | 'gradient';

/** What happens to the learning rate when a fit is rejected. */
export interface GeNSafeguard {
  /**
   * Multiplies the learning rate when any probe loss (or, in exact mode, the loss, slope or
   * curvature) is not finite: the step was too long. Default 0.5 (the paper's halving); in (0, 1].
   * (A non-finite direction keeps the rate: its step is skipped, see `scaleByGeN`.)
   */
  nonFiniteFactor?: number;
  /** Lower bound on the learning rate after every probe (default 0: none). */
  minLr?: number;
  /** Upper bound on the learning rate after every probe (default Infinity: none). */
  maxLr?: number;
}

/** Options of `scaleByGeN` (every field optional; see `GEN_DEFAULTS`). */
export interface GeNOptions {
  /**
   * Initial learning rate `eta_0` (default 1e-3). GeN warms up from it: at most
   * `gamma + (1 - gamma) * clipRatio` per probe (x1.1 with the defaults, x4 with `gamma 0, clipRatio 4`).
   */
  lr?: number;
  /** Lazy frequency `Phi`: fit every `phi` steps, keep the learning rate in between (default 4, as the authors' code). */
  phi?: number;
  /** Smoothing `gamma` in [0, 1): `eta = gamma * eta + (1 - gamma) * s * clip(eta*)` (default 0.9). 0 = no smoothing. */
  gamma?: number;
  /**
   * Probe multipliers `r_i` (probes at `w - r_i * eta * d`): distinct, exactly one 0, at least 3
   * (at least 2 with `slope: 'gradient'`, e.g. `[0, 1]`) (default [-1, 0, 1]).
   */
  factors?: readonly number[];
  /**
   * With 4 or more factors, reject fits whose R^2 is below this (default 0.99). (With
   * `slope: 'gradient'` 3 factors leave residuals too; their R^2 is reported, not gated.)
   */
  r2Min?: number;
  /** Clip the raw `eta*` into `[eta / clipRatio, eta * clipRatio]` (default 2; >= 1; Infinity: no clip). */
  clipRatio?: number;
  /** Horizon scale `s_t` multiplying accepted estimates: a number or a schedule of the step count (default 1). */
  scale?: number | Schedule;
  /**
   * `'fit'`: probe losses and fit a parabola (default). `'exact'`: slope and curvature from `jvp`
   * (an oracle; costs a Hessian-vector product). `'lagged'`: the parabola along the last probe
   * step's update, from the next step's own loss and gradient (`extra.own`) and one forward pass of
   * that batch at the point before it; exact on quadratics, one forward per probe step, data the
   * direction never saw whatever `probe` says (`preset: 'auto'` uses it). Not for losses that are
   * random beyond the batch (dropout without a fixed key): the two passes must see one model.
   */
  mode?: GeNMode;
  /**
   * Where `'fit'` mode takes the slope `b = G^T d` from (default `'fit'`: fitted with `a` from the
   * probes, the paper). `'gradient'`: exact, `<extra.grad, d>`, and only `a` is fitted, so one
   * non-zero factor suffices: `factors: [0, 1]` costs one forward pass per probe step instead of
   * two. It needs `extra.grad` and `extra.value`, the gradient and loss on `valueFn`'s own data
   * (`trainStep` passes both when it probes the gradient's batch): with a fresh probe batch the
   * slopes of the two batches would differ by sampling noise, divided by the probe step in `a`.
   * With `[0, 1]` the error of `a` is O(eta) (one-sided); with symmetric factors O(eta^2). A long
   * probe step in a region where the loss is far from quadratic overestimates `a`, so the step
   * comes out shorter, not longer. Only in `'fit'` mode.
   */
  slope?: GeNSlope;
  /**
   * What a fit with `a <= 0` (and `b > 0`, all finite, R^2 gate passed) does: the loss bends down
   * along `-d`, so the parabola has no minimum. `'keep'` (default, the authors' rule): the rate is
   * unchanged, as for any rejected fit. `'grow'`: take `eta*` as infinite, so the clipped rule gives
   * its upper bound, `eta = gamma * eta + (1 - gamma) * s_t * clipRatio * eta` (the edge of the
   * trust region; needs a finite `clipRatio`). Plain GD at a saddle-like point of a curved valley
   * otherwise keeps the step it had while the curvature stays negative. Pair it with `verify`.
   */
  negativeCurvature?: 'keep' | 'grow';
  /**
   * Fast decrease (default false: the authors' rule). When an accepted estimate is below the
   * current rate (`eta* < eta`), take `eta = s_t * eta*` at once, with no smoothing and no lower
   * clip; increases keep the smoothed, clipped rule. In `'fit'` mode a rejected fit whose probes
   * all raised the loss (both sides: the probe step itself is too long) multiplies the rate by
   * `safeguard.nonFiniteFactor`, as a non-finite probe does. Costs nothing: the `+1` probe is
   * `L(w - eta d)`, the loss at the current step.
   */
  fastDecrease?: boolean;
  /**
   * Verify the step (default false). On probe steps, one more loss evaluation at the new rate:
   * the step is kept if `L(w - eta d) <= L(w) - armijo * eta * b` (`b` only when the fit was
   * accepted, else plain decrease). Otherwise, in order: take the descent-side probe step
   * (`r_i > 0`) with the lowest loss if it lowered the loss; else, if the steps tried were too
   * long (every probe raised the loss; in exact mode: `b > 0`), skip this step (update 0) and set
   * the rate to `nonFiniteFactor * min(eta, smallest descent-side probe step)`; else (the
   * direction goes uphill at this scale) skip this step and keep the rate. On a deterministic
   * loss with `phi = 1` no step raises the loss (unless `minLr`/`maxLr` move a fallback). Costs
   * one forward pass per probe step.
   */
  verify?: boolean;
  /** Sufficient-decrease constant `c` of `verify`, in [0, 1) (default 1e-4; 0 = plain decrease). */
  armijo?: number;
  /** Response to rejected fits (see `GeNSafeguard`). */
  safeguard?: GeNSafeguard;
  /**
   * The defaults the other options start from (default `'paper'`, the authors' rule, every
   * default above). `'auto'`: the configuration measured to match a tuned cosine schedule (see
   * `GEN_AUTO`); it needs `horizon`. Options given explicitly override the preset's. Over 3
   * seeds, 4 initial rates and 5 and 15 epochs it came within 0.5 points of test accuracy of the
   * validation-chosen best cosine schedule in 45 of 48 cells with SGD, Adam and AdamW on an MNIST
   * MLP and CNN (the misses: 0.52-0.57 below on the MLP at 15 epochs twice, and one CNN run of 24
   * with SGD that diverged), and in 7 of 16 with momentum; over five seeds in 39 of 48 and 8 of
   * 16, with 1 of 80 runs of GeN-SGD and 6 of 40 CNN runs of GeN-momentum diverged
   * (BENCHMARKS.md, "GeN without tuning"). Not for deterministic, ill-conditioned problems (probe
   * every step there), runs of unknown length, or GeN-momentum on convolutional nets.
   */
  preset?: GeNPreset;
  /**
   * The planned number of training steps `T` (default none). Sets the horizon scale to the
   * cosine `s_t = (1 + cos(pi * min(t, T) / T)) / 2`, which reaches 0 at step `T` and stays there,
   * so the rate decays to 0 rather than rising again past the plan. Excludes `scale`. With a
   * horizon a rejected fit also follows `s_t`. Measured: without it the recommended configuration
   * ended 0.75-1.8 points below a tuned cosine schedule on MNIST. Past `T` the rate shrinks by
   * `gamma` per probe step; a run that goes on learns little more.
   */
  horizon?: number;
  /**
   * Multiplies `eta*` before it is clipped (default 1: the authors' rule; `preset: 'auto'`: 2 for
   * `genSgd`, 1 for bases with momentum). The greedy `eta*` minimises the next step's loss; over a
   * whole run a longer step pays off (the short-horizon bias of greedy step sizes). 2 is the other
   * root of the one-step parabola: the longest step the local model says does not raise the loss.
   * With `warmupSteps`, it applies once the warm-up has landed (a rate found near the
   * initialisation, doubled, overshoots as training sharpens the loss). In (0, 2]. Measured on
   * MNIST: GeN-SGD lost 1.25 points at 15 epochs with 1; on momentum, Adam or AdamW a factor 2 made
   * the training loss rise by 22-101% between epochs, so keep 1 there.
   */
  biasFactor?: number;
  /**
   * Fast warm-up (default 0: none). For the first `warmupSteps` steps GeN probes every step (not
   * every `phi`), and until the first estimate that lands inside the clip range
   * `[eta / clipRatio, eta * clipRatio]` it takes it clipped but unsmoothed and unscaled (no
   * `gamma`, no `s_t`, no `biasFactor`): the rate moves by up to `clipRatio` per step instead of
   * `gamma + (1 - gamma) * clipRatio` per probe. What the window's fits do once it has landed is
   * `afterLanding`'s. Costs one probe step per warm-up step. Measured:
   * without it, under a horizon, GeN lost 33-84 points from the smallest initial rate on MNIST (the
   * x1.1-per-probe climb does not finish before `s_t` falls). Unneeded when `lr` is already close.
   */
  warmupSteps?: number;
  /**
   * What the fast warm-up's remaining fits do once it has landed (default `'smooth'`: the normal
   * rule, every step; `preset: 'auto'`: `'hold'` for `genSgd`). `'hold'`: they leave the rate (a
   * non-finite loss still shrinks it), so only the regular fits, every `phi` steps, move it.
   * `'lower'`: they may only lower it, at once to the clipped target (at most `clipRatio` lower
   * per step), and a rise waits for the regular fits. Measured on MNIST (BENCHMARKS.md, "GeN
   * without tuning"): with `biasFactor` 2 the window's fits compound the factor within a dozen
   * steps of the start, and GeN-SGD on a CNN diverged in 5 of 24 runs (1 of 24 with `'hold'`, 4
   * of 40 over five seeds).
   * A momentum trace builds up ~10x over its first steps, so `eta*` along it falls across the
   * window: `'lower'` follows it down, and took GeN-momentum on the CNN from 7 diverged runs of 24
   * to none, but cost it 1.4 points at 5 epochs on the MLP (0.3 at 15) and diverged on Rosenbrock,
   * so no preset uses it.
   */
  afterLanding?: GeNAfterLanding;
  /**
   * When the fast warm-up lands (default `'first'`: on the first estimate inside the clip range;
   * `preset: 'auto'`: `'confirmed'` for `genMomentum`). `'confirmed'`: on the second such estimate
   * in a row, the warm-up's rule (unsmoothed, unscaled) applying to both. A momentum trace builds
   * up over the first steps, so one early estimate along it runs long. Measured on MNIST over five
   * seeds (BENCHMARKS.md, "GeN without tuning"): GeN-momentum came within 0.5 points of the tuned
   * cosine in 8 of 16 cells with it, 5 without (all 8 on the MLP), and diverged in 6 of 40 CNN
   * runs, 7 without; for SGD and Adam the validation scores were lower with it, so their presets
   * keep `'first'`. Costs no forward pass: the window's fits run anyway.
   */
  landing?: GeNLanding;
  /**
   * Blow-up guard (default Infinity: off; `preset: 'auto'`: 1.25). Every step (not only probe
   * steps) compares its loss, the gradient's batch at the current params (`extra.own` or
   * `extra.value`, which `trainStep` passes every step), with the first step's (if that was not
   * finite, the next probe step's): a loss above `blowUpRatio` times that one and above the last
   * step's (still climbing) takes the step at the rate times `safeguard.nonFiniteFactor`, and the
   * rate stays cut; the fits move it on from there. A loss that stays above the limit while it
   * falls cuts nothing, so the guard cannot grind the rate to 0. The fits see one step in `phi`,
   * after it was taken: a rate found while the loss is still flat (a network at its initialisation)
   * can throw the model off within a step once the loss sharpens, and a ReLU network thrown far
   * enough does not come back (its units die). Greater than 1. With it on, a step without its loss
   * in the extras is an error. Costs four scalar operations per step (three more on probe steps),
   * no forward pass and no read-back: about 0.02 ms, 1% of a GeN-SGD step on a 784-128-10 MLP
   * (BENCHMARKS.md). Measured on MNIST (BENCHMARKS.md, "GeN without tuning", 5 seeds): GeN-SGD on
   * the CNN diverged in 1 run of 40 with it, 4 without; GeN-momentum on the CNN in 7 of 40, 12
   * without; it never fired in the 160 Adam and AdamW runs. Not for losses that rise above 1.25x
   * their first value as a matter of course: set a larger ratio, or Infinity.
   */
  blowUpRatio?: number;
}

/** What the warm-up's fits do once it has landed (see `GeNOptions.afterLanding`). */
export type GeNAfterLanding = 'smooth' | 'hold' | 'lower';

/** When the fast warm-up lands (see `GeNOptions.landing`). */
export type GeNLanding = 'first' | 'confirmed';

/** Validated GeN options: every field present. */
export interface GeNConfig {
  /** Initial learning rate. */
  readonly lr: number;
  /** Lazy frequency. */
  readonly phi: number;
  /** Smoothing. */
  readonly gamma: number;
  /** Probe multipliers, as given. */
  readonly factors: readonly number[];
  /** R^2 threshold (applied with 4+ factors). */
  readonly r2Min: number;
  /** Per-update clip ratio. */
  readonly clipRatio: number;
  /** Horizon scale. */
  readonly scale: number | Schedule;
  /** Estimation mode. */
  readonly mode: GeNMode;
  /** Where fit mode's slope comes from. */
  readonly slope: GeNSlope;
  /** What a fit with `a <= 0` does to the rate. */
  readonly negativeCurvature: 'keep' | 'grow';
  /** Fast decrease of the rate. */
  readonly fastDecrease: boolean;
  /** Verify the new step with one more evaluation. */
  readonly verify: boolean;
  /** Sufficient-decrease constant of `verify`. */
  readonly armijo: number;
  /** Safeguard policy. */
  readonly safeguard: Required<GeNSafeguard>;
  /** The preset the defaults came from. */
  readonly preset: GeNPreset;
  /** Planned number of steps (`undefined`: none). */
  readonly horizon: number | undefined;
  /** Factor on `eta*` before clipping. */
  readonly biasFactor: number;
  /** Steps of the fast warm-up. */
  readonly warmupSteps: number;
  /** What the warm-up's fits do once it has landed. */
  readonly afterLanding: GeNAfterLanding;
  /** When the warm-up lands. */
  readonly landing: GeNLanding;
  /** The blow-up guard's ratio to the first loss (Infinity: off). */
  readonly blowUpRatio: number;
}

/** The defaults of every GeN option. */
export const GEN_DEFAULTS: GeNConfig = Object.freeze({
  lr: 1e-3,
  phi: 4,
  gamma: 0.9,
  factors: Object.freeze([-1, 0, 1]),
  r2Min: 0.99,
  clipRatio: 2,
  scale: 1,
  mode: 'fit',
  slope: 'fit',
  negativeCurvature: 'keep',
  fastDecrease: false,
  verify: false,
  armijo: 1e-4,
  safeguard: Object.freeze({ nonFiniteFactor: 0.5, minLr: 0, maxLr: Infinity }),
  preset: 'paper',
  horizon: undefined,
  biasFactor: 1,
  warmupSteps: 0,
  afterLanding: 'smooth',
  landing: 'first',
  blowUpRatio: Infinity,
});

const d = GEN_DEFAULTS;
const RULES = {
  lr: numberRule(d.lr, { min: 0, minExclusive: true }),
  phi: numberRule(d.phi, { min: 1, integer: true }),
  gamma: numberRule(d.gamma, { min: 0, max: 1, maxExclusive: true }),
  factors: anyRule<unknown>(d.factors), // checked once slope is known
  r2Min: numberRule(d.r2Min, { min: 0, max: 1 }),
  clipRatio: numberRule(d.clipRatio, { min: 1, finite: false }),
  scale: numberOrScheduleRule(1, { min: 0, minExclusive: true }),
  mode: oneOfRule<GeNMode>(d.mode, ['fit', 'exact', 'lagged']),
  slope: oneOfRule<GeNSlope>(d.slope, ['fit', 'gradient']),
  negativeCurvature: oneOfRule(d.negativeCurvature, ['keep', 'grow']),
  fastDecrease: booleanRule(d.fastDecrease),
  verify: booleanRule(d.verify),
  armijo: numberRule(d.armijo, { min: 0, max: 1, maxExclusive: true }),
  safeguard: anyRule<unknown>(undefined), // a nested options object
  preset: oneOfRule<GeNPreset>(d.preset, ['paper', 'auto']),
  horizon: optionalNumberRule({ min: 1, integer: true }),
  biasFactor: numberRule(d.biasFactor, { min: 0, minExclusive: true, max: 2 }),
  warmupSteps: numberRule(d.warmupSteps, { min: 0, integer: true }),
  afterLanding: oneOfRule<GeNAfterLanding>(d.afterLanding, ['smooth', 'hold', 'lower']),
  landing: oneOfRule<GeNLanding>(d.landing, ['first', 'confirmed']),
  blowUpRatio: numberRule(d.blowUpRatio, { min: 1, minExclusive: true, finite: false }),
};
const SAFEGUARD_RULES = {
  nonFiniteFactor: numberRule(d.safeguard.nonFiniteFactor, { min: 0, minExclusive: true, max: 1 }),
  minLr: numberRule(d.safeguard.minLr, { min: 0 }),
  maxLr: anyRule<unknown>(d.safeguard.maxLr), // checked against minLr
};

/** @internal The names of GeN's options. */
export const GEN_KEYS: readonly string[] = Object.keys(RULES);

/**
 * Validates GeN options and fills in the defaults (with `preset: 'auto'`, `auto`'s first);
 * throws a `RangeError`/`TypeError` naming the bad option.
 */
export function genConfig(
  options: GeNOptions = {},
  op = 'scaleByGeN',
  auto: Readonly<GeNOptions> = GEN_AUTO,
): GeNConfig {
  const preset = checkOptions(op, options, RULES).preset;
  const given = options as Record<string, unknown>;
  const merged = preset === 'auto' ? { ...auto, ...given } : given;
  const { rest: _, safeguard, ...o } = checkOptions(op, merged, RULES);
  if (preset === 'auto' && o.horizon === undefined)
    throw new RangeError(
      `${op}: preset 'auto' needs option horizon, the planned number of training steps ` +
        "(epochs * steps per epoch), e.g. { preset: 'auto', horizon: 5000 }",
    );
  if (o.horizon !== undefined && given.scale !== undefined)
    throw new RangeError(
      `${op}: options horizon and scale both set the horizon scale s_t; give one (horizon ${o.horizon} is the cosine to step ${o.horizon})`,
    );
  if (o.mode === 'lagged' && o.verify)
    throw new RangeError(
      `${op}: option verify checks a step before it is taken, and mode 'lagged' fits a step after it was taken; drop one`,
    );
  const factors = checkFactors(op, o.factors, o.slope === 'gradient' ? 2 : 3);
  if (o.mode !== 'fit' && o.slope !== 'fit')
    throw new RangeError(
      `${op}: option slope '${o.slope}' applies to mode 'fit' only (mode '${o.mode}' estimates b itself)`,
    );
  if (o.negativeCurvature === 'grow' && o.clipRatio === Infinity)
    throw new RangeError(
      `${op}: option negativeCurvature 'grow' needs a finite clipRatio (the most it grows by)`,
    );
  const {
    nonFiniteFactor,
    minLr,
    maxLr: max,
  } = checkOptions(op, safeguard, SAFEGUARD_RULES, {
    path: 'safeguard',
  });
  const maxLr = checkNumber(op, 'safeguard.maxLr', max, { min: minLr, minExclusive: true, finite: false });
  const horizon = o.horizon;
  const scale = horizon === undefined ? o.scale : cosineHorizon(horizon);
  return Object.freeze({
    ...o,
    scale,
    factors,
    safeguard: Object.freeze({ nonFiniteFactor, minLr, maxLr }),
  });
}

/** `s_t = (1 + cos(pi * min(t, T) / T)) / 2`: 1 at the start, 0 from step `T` on. */
export function cosineHorizon(T: number): (t: number) => number {
  return (t) => 0.5 * (1 + Math.cos((Math.PI * Math.min(t, T)) / T));
}

function checkFactors(op: string, factors: unknown, min: number): readonly number[] {
  if (!Array.isArray(factors)) throw new TypeError(`${op}: option factors must be an array of numbers`);
  const f = factors as unknown[];
  if (f.length < min)
    throw new RangeError(
      `${op}: option factors needs at least ${min} entries (one of them 0)` +
        `${min === 3 ? " (2 with slope 'gradient')" : ''}, got [${f.join(', ')}]`,
    );
  f.forEach((x, i) => checkNumber(op, `factors[${i}]`, x));
  const zeros = f.filter((x) => x === 0).length;
  if (zeros !== 1)
    throw new RangeError(
      `${op}: option factors must contain exactly one 0 (the current point), got [${f.join(', ')}]`,
    );
  if (new Set(f).size !== f.length)
    throw new RangeError(`${op}: option factors must be distinct, got [${f.join(', ')}]`);
  return Object.freeze((f as number[]).slice());
}
