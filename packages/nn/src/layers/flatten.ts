/** `flatten`: every axis after the batch axis joined into one. */
import { reshape, Tensor } from '@gen-ts/core';
import type { Layer } from '../layer.js';
import { applyOptions, checkInputShape, checkKey, describe, fmt, parseOptions } from '../validate.js';
import type { NoParams } from './activation.js';

/**
 * `[B, d1, d2, ...] -> [B, d1 * d2 * ...]` (a `[B]` input becomes `[B, 1]`), as Keras's `Flatten`
 * and PyTorch's `nn.Flatten()`; the batch axis is kept. No parameters.
 *
 * @example
 * ```ts
 * import { key, zeros } from '@gen-ts/core';
 * import { flatten } from '@gen-ts/nn';
 *
 * const f = flatten();
 * const { params, outputShape } = f.init(key(0), [2, 3, 4]);
 * console.log(outputShape, f.apply(params, zeros([2, 3, 4])).shape); // [2, 12] [2, 12]
 * ```
 */
export function flatten(options: Record<string, never> = {}): Layer<NoParams> {
  parseOptions('flatten', options, {});
  const out = (s: readonly number[]) => [s[0]!, s.slice(1).reduce((a, b) => a * b, 1)];
  return {
    name: 'flatten',
    stateful: false,
    init(k, inputShape) {
      checkKey('flatten', k);
      const s = checkInputShape('flatten', inputShape, 1, ' (the batch axis)');
      return { params: {}, state: undefined, outputShape: out(s) };
    },
    apply(_params, x, options) {
      applyOptions('flatten', options);
      if (!(x instanceof Tensor)) throw new TypeError(`flatten: input must be a Tensor, got ${describe(x)}`);
      if (x.rank < 1) throw new RangeError(`flatten: input ${fmt(x.shape)} needs a batch axis`);
      return reshape(x, out(x.shape));
    },
  };
}
