/**
 * GeN on top of a peer. GeN (`scaleByGeN`) takes an uphill direction `d` and steps `-eta d`; the
 * peers emit steps (`params + update`). `asDirection(peer)` turns a peer's step into the
 * direction `d = -update`, so `chain(asDirection(prodigy()), scaleByGeN({ lr: 1 }))` takes GeN's
 * step along Prodigy's: with `lr: 1` GeN starts from the peer's own step and corrects its length
 * from the curvature along it.
 */
import { chain } from '../base.js';
import { scale } from '../transforms.js';
import type { GradientTransformation } from '../types.js';

/**
 * `chain(peer, scale(-1))`: the peer's step as the uphill direction GeN scales. The peer's state
 * advances once per step, as always; GeN's estimate `eta* = G^T d / d^T H d` then sets the
 * length (scale invariance: the peer's own step size only sets GeN's unit, which GeN's rate
 * divides out). It makes sense where the peer's update is an increment that later steps build
 * on: `prodigy`, `dAdaptAdam`, `dog` (whose direction is the gradient: GeN-SGD with DoG's scale
 * as the unit), `scheduleFreeSgd` and `scheduleFreeAdamW` (they recover `x` from the params, so a
 * rescaled step moves the average with it). It does not for `dAdaptSgd` (its update moves toward
 * the dual-averaging point `x0 - s`, so the next update undoes a rescaled one) nor for the
 * step-size rules `polyakSgd`, `scaleByBacktrackingLinesearch` and `reduceOnPlateau`, whose only
 * contribution GeN would divide out: use GeN in their place.
 * @example
 * ```ts
 * import { chain, asDirection, prodigy, scaleByGeN } from '@gen-ts/gen';
 * const opt = chain(asDirection(prodigy()), scaleByGeN({ lr: 1, phi: 1 }));
 * console.log(typeof opt.update);
 * ```
 */
export function asDirection<S, X>(peer: GradientTransformation<S, X>) {
  return chain(peer, scale(-1));
}
