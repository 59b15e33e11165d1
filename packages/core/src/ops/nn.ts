/** Activations and normalisers composed from primitives (no rules of their own). */
import type { Tensor } from '../tensor.js';
import {
  add,
  div,
  exp,
  greater,
  greaterEqual,
  isFinite,
  log,
  log1p,
  maximum,
  minimum,
  mul,
  neg,
  stopGradient,
  sub,
  tanh,
  where,
} from './elementwise.js';
import { max, sum, type Axis } from './reduce.js';

/**
 * `1 / (1 + e^-x)`, as `1 / (1 + e^-x)` where `x >= 0` and `e^x / (1 + e^x)` where `x < 0`: neither
 * form overflows on its side, and neither subtracts, so both tails keep full relative accuracy
 * (`(1 + tanh(x/2)) / 2` loses it below about -20, where `1 + tanh` cancels). Each branch sees 0
 * where it is not selected, so no infinity leaks into the other's derivative.
 */
export function sigmoid(x: Tensor): Tensor {
  const pos = greaterEqual(x, 0);
  const e = exp(neg(where(pos, x, 0))); // e^-x on the positive side
  const f = exp(where(pos, 0, x)); // e^x on the negative side
  return where(pos, div(1, add(e, 1)), div(f, add(f, 1)));
}

/** `max(x, 0)`. */
export function relu(x: Tensor): Tensor {
  return maximum(x, 0);
}

/** GELU, tanh approximation: `x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`. */
export function gelu(x: Tensor): Tensor {
  const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

/**
 * `log(1 + e^x)`, computed stably as `log1p(e^x)` where `x <= 0` and `x + log1p(e^-x)` where
 * `x > 0`: no overflow, and full relative accuracy in the negative tail, where the result is about
 * `e^x` (`log(1 + e^x)` is 0 there once `1 + e^x` rounds to 1). Each branch sees a safe input (0)
 * where it is not selected, so neither overflows nor leaks NaN into the other's derivative, and
 * there is no kink: unlike `max(x, 0) + log(1 + e^-|x|)`, whose second derivative at exactly 0 came
 * out 0 instead of 1/4.
 */
export function softplus(x: Tensor): Tensor {
  const pos = greater(x, 0);
  const xp = where(pos, x, 0);
  const xn = where(pos, 0, x);
  return where(pos, add(xp, log1p(exp(neg(xp)))), log1p(exp(xn)));
}

/**
 * The shift that keeps `exp` from overflowing along `axis`: the max, gradient-free (the result
 * does not depend on it), or 0 where the max is not finite. Shifting by an infinite max would make
 * `x - m` NaN (`-Inf - -Inf`, `Inf - Inf`) where the unshifted math has an answer: a row of -Inf
 * has logsumexp -Inf, a row holding +Inf has +Inf.
 */
function shift(x: Tensor, axis: Axis): Tensor {
  const m = stopGradient(max(x, axis, true));
  return where(isFinite(m), m, 0);
}

/** `log(sum(exp(x)))` over `axis`, shifted by the max for stability (see `shift`). */
export function logsumexp(x: Tensor, axis: Axis = -1, keepDims = false): Tensor {
  const m = shift(x, axis);
  const s = add(log(sum(exp(sub(x, m)), axis, true)), m);
  return keepDims ? s : sum(s, axis); // summing size-1 axes drops them
}

/** `x - logsumexp(x)` along `axis`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logsumexp(x, axis, true));
}

/**
 * `exp(x) / sum(exp(x))` along `axis`, shifted by the max (see `shift`): with infinities it gives
 * what the unshifted quotient gives (0 for the finite entries of a row holding +Inf, NaN for the
 * +Inf entries and for a row of -Inf).
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const e = exp(sub(x, shift(x, axis)));
  return div(e, sum(e, axis, true));
}

/** Clamps into `[lo, hi]`. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new RangeError(`clip: lo ${lo} must not exceed hi ${hi}`);
  return minimum(maximum(x, lo), hi);
}
