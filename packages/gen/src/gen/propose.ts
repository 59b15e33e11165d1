/**
 * GeN's second stage, propose: from an `Estimate`, the rate to use. It gates the estimate
 * (`gate`), then either accepts it (`acceptedRate`: clip to the trust region, smooth, or with
 * `fastDecrease` drop at once) or reacts to its rejection (`rejectedRate`: keep, shrink on a
 * non-finite or overshooting probe, grow on negative curvature), and clamps the result into the
 * safeguard's bounds (`clampRate`). Every function is elementwise in the rate, so a vector of rates
 * (one per parameter group) with estimates of the same shape gets one decision per group.
 */
import {
  add,
  div,
  greater,
  greaterEqual,
  isFinite,
  less,
  lessEqual,
  logicalAnd,
  logicalNot,
  logicalOr,
  maximum,
  minimum,
  mul,
  scalar,
  where,
  type Tensor,
} from '@gen-ts/core';
import type { Estimate } from './estimate.js';
import type { GeNConfig } from './options.js';

/** The options the propose stage reads. */
export type ProposeRule = Pick<
  GeNConfig,
  | 'gamma'
  | 'clipRatio'
  | 'r2Min'
  | 'fastDecrease'
  | 'negativeCurvature'
  | 'safeguard'
  | 'biasFactor'
  | 'horizon'
  | 'afterLanding'
> & {
  /** Whether the fit has residuals to gate on (4+ factors with a fitted slope). */
  readonly gateR2: boolean;
};

/** The gate's verdict on an estimate (bool tensors). */
export interface Gate {
  /** `b > 0`, everything finite, R^2 gate passed: the estimate can be trusted, whatever the sign of `a`. */
  readonly usable: Tensor;
  /** `usable` and `a > 0`: the parabola has a minimum at `eta*`, which the rate moves towards. */
  readonly accepted: Tensor;
}

/** The propose stage's decision. */
export interface Proposal extends Gate {
  /** The new rate: `acceptedRate` where accepted, else `rejectedRate`, clamped. */
  readonly lr: Tensor;
  /** Accepted, and the target `biasFactor * eta*` inside the clip range (the fast warm-up ends). */
  readonly landed: Tensor;
}

/** Which estimates the rate may follow. */
export function gate(rule: ProposeRule, est: Estimate): Gate {
  let usable = logicalAnd(
    logicalAnd(greater(est.b, 0), est.allFinite),
    logicalAnd(isFinite(est.a), isFinite(est.b)),
  );
  if (rule.gateR2) usable = logicalAnd(usable, greaterEqual(est.r2, rule.r2Min));
  return { usable, accepted: logicalAnd(usable, greater(est.a, 0)) };
}

/** The rate the estimate asks for before clipping: `biasFactor * eta*`. */
export function targetRate(rule: Pick<GeNConfig, 'biasFactor'>, est: Estimate, factor?: Tensor): Tensor {
  if (factor !== undefined) return mul(est.etaStar, factor);
  return rule.biasFactor === 1 ? est.etaStar : mul(est.etaStar, rule.biasFactor);
}

/**
 * The rate after an accepted estimate: `gamma * eta + (1 - gamma) * s * clip(c * eta*, eta /
 * clipRatio, eta * clipRatio)` with `c = biasFactor` (`factor` when given); where `warm` (the fast
 * warm-up) `clip(c * eta*, ...)`, unsmoothed and unscaled; with `fastDecrease`, `s * c * eta*`
 * where `c * eta* < eta`.
 */
export function acceptedRate(
  rule: ProposeRule,
  est: Estimate,
  lr: Tensor,
  s: number,
  warm?: Tensor,
  factor?: Tensor,
): Tensor {
  const { gamma, clipRatio } = rule;
  const target = targetRate(rule, est, factor);
  const clipped = minimum(maximum(target, div(lr, clipRatio)), mul(lr, clipRatio));
  let rate = add(mul(lr, gamma), mul(clipped, (1 - gamma) * s));
  // The warm-up finds the rate; the horizon shapes it once found (on a short plan s_t * 2 eta
  // would stall the doubling below eta*).
  if (warm !== undefined) rate = where(warm, clipped, rate);
  // Decrease at once: a rate above eta* overshoots now, smoothing it over ~1/(1-gamma) probes
  // lets plain GD blow up first. Increases stay smoothed and clipped.
  return rule.fastDecrease ? where(less(target, lr), mul(target, s), rate) : rate;
}

/**
 * The rate after a rejected estimate: kept (with `horizon`, `gamma * eta + (1 - gamma) * s * eta`),
 * or times `safeguard.nonFiniteFactor` when a probe loss was not finite (with `fastDecrease`, also
 * when every probe raised the loss); with `negativeCurvature: 'grow'`, a usable estimate with
 * `a <= 0` grows it to the trust region's edge.
 */
export function rejectedRate(rule: ProposeRule, est: Estimate, gated: Gate, lr: Tensor, s: number): Tensor {
  const shrunk = mul(lr, rule.safeguard.nonFiniteFactor);
  // With a horizon, a rejected fit counts as an estimate equal to the rate, scaled by s_t like an
  // accepted one: the rate follows the plan down even while every fit is rejected.
  const kept =
    rule.horizon === undefined || s === 1 ? lr : add(mul(lr, rule.gamma), mul(lr, (1 - rule.gamma) * s));
  let rate = where(est.allFinite, kept, shrunk);
  // A rejected fit with every probe above L(w) (both sides): the probe step itself is too long.
  if (rule.fastDecrease && est.overshoot !== undefined) rate = where(est.overshoot, shrunk, rate);
  if (rule.negativeCurvature === 'grow') {
    // a <= 0: no minimum along d; eta* = Infinity, clipped to the edge of the trust region.
    const { gamma, clipRatio } = rule;
    const grown = add(mul(lr, gamma), mul(lr, (1 - gamma) * s * clipRatio));
    rate = where(gated.usable, grown, rate);
  }
  return rate;
}

/**
 * The rate after a fit of the fast warm-up's window that is not one of the regular fits (every
 * `phi` steps), by `afterLanding` (`'hold'` or `'lower'`; with `'smooth'` the caller keeps
 * `proposed`): `proposed` until the warm-up lands (`warm`); after it, `'hold'` keeps `lr` (unless
 * a loss was not finite: the safeguard's shrink) and `'lower'` takes the clipped target at once
 * where it is below `lr` (`clip(c * eta*)`, unsmoothed: at most `clipRatio` lower per step) and
 * keeps `lr` where it is above.
 */
export function settleRate(
  rule: ProposeRule,
  est: Estimate,
  lr: Tensor,
  s: number,
  warm: Tensor,
  factor: Tensor | undefined,
  proposed: Tensor,
): Tensor {
  if (rule.afterLanding === 'hold') return where(logicalOr(warm, logicalNot(est.allFinite)), proposed, lr);
  // The warm-up's own rule (unsmoothed, clipped), taken only downwards.
  const eager = propose(rule, est, lr, s, scalar(1, { dtype: 'bool', backend: lr.backend }), factor).lr;
  return where(warm, proposed, minimum(lr, eager));
}

/** `x` clamped into `[safeguard.minLr, safeguard.maxLr]` (no op for the default, unbounded range). */
export function clampRate(rule: Pick<GeNConfig, 'safeguard'>, x: Tensor): Tensor {
  const { minLr, maxLr } = rule.safeguard;
  let y = x;
  if (minLr > 0) y = maximum(y, minLr);
  if (maxLr < Infinity) y = minimum(y, maxLr);
  return y;
}

/**
 * The propose stage: the new rate from the current one `lr`, the estimate and the horizon scale
 * `s`; `warm` (bool) marks the fast warm-up, where accepted estimates are taken unsmoothed.
 */
export function propose(
  rule: ProposeRule,
  est: Estimate,
  lr: Tensor,
  s: number,
  warm?: Tensor,
  factor?: Tensor,
): Proposal {
  const gated = gate(rule, est);
  const next = where(
    gated.accepted,
    acceptedRate(rule, est, lr, s, warm, factor),
    rejectedRate(rule, est, gated, lr, s),
  );
  const target = targetRate(rule, est, factor);
  const inside = logicalAnd(
    greaterEqual(target, div(lr, rule.clipRatio)),
    lessEqual(target, mul(lr, rule.clipRatio)),
  );
  return { ...gated, lr: clampRate(rule, next), landed: logicalAnd(gated.accepted, inside) };
}
