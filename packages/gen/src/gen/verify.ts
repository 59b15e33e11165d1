/**
 * GeN's third stage, verify (the `verify` option): given the loss at the proposed step, an Armijo
 * check decides whether the step is taken, and if not, what falls back: the best descent-side
 * probe, or a skipped step with a shrunk or kept rate. Elementwise in the rate like `propose`.
 */
import {
  greater,
  isFinite,
  less,
  lessEqual,
  logicalAnd,
  logicalOr,
  minimum,
  mul,
  sub,
  where,
  type Tensor,
} from '@gen-ts/core';
import type { Estimate } from './estimate.js';
import type { GeNConfig } from './options.js';
import { clampRate, type Proposal } from './propose.js';

/** The verify stage's decision. */
export interface Verification {
  /** The Armijo condition held at the proposed rate (bool). */
  readonly verified: Tensor;
  /** Whether this step is taken, at `lr` (bool); where false the step is skipped. */
  readonly moves: Tensor;
  /** The rate of this step (where it moves) and of the steps after. */
  readonly lr: Tensor;
}

/**
 * Checks `Lnew = L(w - eta d) <= L(w) - armijo * eta * b` at the proposal's rate `eta` (`b` only
 * where the rate followed the estimate: accepted, or grown on negative curvature; else plain
 * decrease). Where it fails: take the descent-side probe step with the lowest loss if it lowered
 * the loss; else, if the steps tried were too long (every probe raised the loss; in exact mode
 * `b > 0`), skip the step and shrink the rate to `nonFiniteFactor * min(eta, descent probe steps)`;
 * else (the direction goes uphill at this scale: shrinking would not help, the base optimizer's
 * next direction may) skip the step and keep the rate.
 */
export function verify(
  rule: Pick<GeNConfig, 'armijo' | 'negativeCurvature' | 'safeguard'>,
  est: Estimate,
  proposal: Proposal,
  Lnew: Tensor,
): Verification {
  const { lr } = proposal;
  const followed = rule.negativeCurvature === 'grow' ? proposal.usable : proposal.accepted;
  const slope = where(followed, est.b, 0);
  const verified = lessEqual(Lnew, sub(est.L0, mul(mul(lr, slope), rule.armijo)));
  const tooLong = est.overshoot ?? logicalAnd(greater(est.b, 0), isFinite(est.b));
  const smallest = est.descent.reduce((m, p) => minimum(m, p.x), lr);
  let best = where(tooLong, mul(smallest, rule.safeguard.nonFiniteFactor), lr);
  let bestY = mul(est.L0, 0);
  for (const { x, y } of est.descent) {
    const better = less(y, bestY);
    best = where(better, x, best);
    bestY = where(better, y, bestY);
  }
  return {
    verified,
    moves: logicalOr(verified, less(bestY, 0)),
    lr: clampRate(rule, where(verified, lr, best)),
  };
}
