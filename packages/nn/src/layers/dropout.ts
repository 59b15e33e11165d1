/**
 * Dropout (Srivastava et al., 2014), inverted: in training each element is kept with probability
 * `1 - rate` and scaled by `1 / (1 - rate)`, so the expectation is unchanged and evaluation is the
 * identity. The mask comes from the key passed to `apply`: the same key gives the same mask.
 */
import { bernoulli, mul, Tensor, where, zerosLike, type PRNGKey } from '@gen-ts/core';
import type { Layer } from '../layer.js';
import {
  applyOptions,
  checkInputShape,
  checkKey,
  describe,
  fmt,
  numberIn,
  parseOptions,
} from '../validate.js';
import type { NoParams } from './activation.js';

/** `x` with each element zeroed with probability `rate` and the rest scaled by `1 / (1 - rate)`. */
export function dropoutMask(x: Tensor, rate: number, k: PRNGKey): Tensor {
  if (rate === 0) return x;
  if (rate === 1) return zerosLike(x);
  const keep = bernoulli(k, 1 - rate, x.shape, { backend: x.backend });
  return where(keep, mul(x, 1 / (1 - rate)), 0);
}

/** Throws unless `key` is there: a layer that drops out in training mode needs one. */
export function requireKey(where: string, k: PRNGKey | undefined, x: Tensor): PRNGKey {
  if (k === undefined)
    throw new TypeError(
      `${where}: training mode needs a PRNG key for its dropout mask: apply(params, x, { train: true, key }) (input ${fmt(x.shape)})`,
    );
  return k;
}

/**
 * Dropout with drop probability `rate` in `[0, 1]` (PyTorch's `p`, flax's `rate`). Active only when
 * `apply` gets `train: true`, and then it needs `key`; otherwise the identity. No parameters.
 *
 * @example
 * ```ts
 * import { key, ones } from '@gen-ts/core';
 * import { dropout } from '@gen-ts/nn';
 *
 * const drop = dropout(0.5);
 * const x = ones([2, 4]);
 * console.log(drop.apply({}, x).toArray()); // eval: x unchanged
 * console.log(drop.apply({}, x, { train: true, key: key(1) }).toArray()); // 0 or 2 each
 * ```
 */
export function dropout(rate: number, options: Record<string, never> = {}): Layer<NoParams> {
  numberIn(0, 0, 1)(rate ?? NaN, 'dropout: rate');
  parseOptions('dropout', options, {});
  return {
    name: 'dropout',
    stateful: false,
    init(k, inputShape) {
      checkKey('dropout', k);
      return { params: {}, state: undefined, outputShape: checkInputShape('dropout', inputShape, 0) };
    },
    apply(_params, x, options) {
      const o = applyOptions('dropout', options);
      if (!(x instanceof Tensor)) throw new TypeError(`dropout: input must be a Tensor, got ${describe(x)}`);
      if (!o.train || rate === 0) return x;
      return dropoutMask(x, rate, requireKey('dropout', o.key, x));
    },
  };
}
