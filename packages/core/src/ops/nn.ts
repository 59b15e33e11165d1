/** Activations and normalisers composed from primitives (no rules of their own). */
import type { Tensor } from '../tensor.js';
import {
  add,
  div,
  exp,
  greater,
  log,
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

/** `1 / (1 + e^-x)`, written as `(1 + tanh(x/2)) / 2` so it never overflows. */
export function sigmoid(x: Tensor): Tensor {
  return mul(add(tanh(mul(x, 0.5)), 1), 0.5);
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
 * `log(1 + e^x)`, computed stably as `log(1 + e^x)` where `x <= 0` and `x + log(1 + e^-x)` where
 * `x > 0`. Each branch sees a safe input (0) where it is not selected, so neither overflows nor
 * leaks NaN into the other's derivative, and there is no kink: unlike `max(x, 0) + log(1 + e^-|x|)`,
 * whose second derivative at exactly 0 came out 0 instead of 1/4.
 */
export function softplus(x: Tensor): Tensor {
  const pos = greater(x, 0);
  const xp = where(pos, x, 0);
  const xn = where(pos, 0, x);
  return where(pos, add(xp, log(add(exp(neg(xp)), 1))), log(add(exp(xn), 1)));
}

/** `log(sum(exp(x)))` over `axis`, shifted by the (gradient-free) max for stability. */
export function logsumexp(x: Tensor, axis: Axis = -1, keepDims = false): Tensor {
  const m = stopGradient(max(x, axis, true));
  const s = add(log(sum(exp(sub(x, m)), axis, true)), m);
  return keepDims ? s : sum(s, axis); // summing size-1 axes drops them
}

/** `x - logsumexp(x)` along `axis`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logsumexp(x, axis, true));
}

/** `exp(x) / sum(exp(x))` along `axis`. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const e = exp(sub(x, stopGradient(max(x, axis, true))));
  return div(e, sum(e, axis, true));
}

/** Clamps into `[lo, hi]`. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new RangeError(`clip: lo ${lo} must not exceed hi ${hi}`);
  return minimum(maximum(x, lo), hi);
}
