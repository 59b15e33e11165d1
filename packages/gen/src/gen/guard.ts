/**
 * GeN's blow-up guard (`blowUpRatio`). Every step, not only probe steps, compares the step's loss
 * with the first finite one: a loss above `blowUpRatio` times that one and above the last step's
 * (the loss is still climbing) means the last steps are throwing the model further from a solution
 * than it was at the start. The step is then taken at the rate times `safeguard.nonFiniteFactor`,
 * and the rate stays cut; the fits move it on from there. A loss that stays above the limit but
 * no longer climbs cuts nothing, so a rate is never ground to 0 while the model comes back.
 */
import { greater, isFinite, maximum, mul, scalar, where, type Tensor } from '@gen-ts/core';
import type { LossExtras } from '../types.js';
import { castTo } from '../util.js';

/** The guard's part of the state. */
export interface GuardState {
  readonly lr: Tensor;
  readonly count: number;
  /** `blowUpRatio` times the first finite loss (NaN before one). */
  readonly limit?: Tensor;
  /** The last step's loss (NaN before the first step). */
  readonly last?: Tensor;
}

/** The guard's initial state: no loss seen yet (NaN, in the rate's dtype and backend). */
export function initialGuard(lr: Tensor): { limit: Tensor; last: Tensor } {
  const nan = scalar(NaN, { dtype: lr.dtype, backend: lr.backend });
  return { limit: nan, last: nan };
}

/**
 * The state with the rate cut where this step's loss is above both the limit and the last step's
 * loss, and `last` set to this one. The limit is set at step 0 from its loss and, while that left it
 * NaN (a non-finite first loss), again on each probe step (`arm`), so that the steps between probes
 * cost four scalar operations. The loss is `extra.own.value`, else `extra.value` (the gradient's
 * batch at `params`); a step without one cannot be guarded, which is an error rather than a silent
 * skip. NaN compares false (`maximum` propagates it), so a NaN loss cuts nothing and the step
 * after it has no last loss to climb above (`trainStep` skips a NaN step, keeping the state);
 * Infinity climbs above any limit.
 */
export function guardRate<S extends GuardState>(
  ratio: number,
  cutFactor: number,
  state: S,
  extra: LossExtras | undefined,
  arm: boolean,
): S {
  const loss = extra?.own?.value ?? extra?.value;
  if (loss === undefined)
    throw new Error(
      `scaleByGeN: step ${state.count}: option blowUpRatio watches every step's loss and needs it: pass ` +
        "extra.value (the loss at params on the gradient's batch) or extra.own (trainStep passes both), " +
        'or set blowUpRatio: Infinity',
    );
  const v = castTo(loss, state.lr);
  const known = state.limit!;
  const limit =
    state.count === 0 ? mul(v, ratio) : arm ? where(isFinite(known), known, mul(v, ratio)) : known;
  const climbing = greater(v, maximum(limit, state.last!));
  return { ...state, lr: where(climbing, mul(state.lr, cutFactor), state.lr), limit, last: v };
}
