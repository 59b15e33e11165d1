/**
 * `embedding`: a lookup table from integer ids to vectors. Its default initializer is flax's
 * `Embed` default, a normal of variance `1 / features` (PyTorch's `nn.Embedding` draws N(0, 1)).
 */
import { take, Tensor } from '@gen-ts/core';
import { draw, initializerOption, varianceScaling, type Initializer } from '../initializers.js';
import type { Layer } from '../layer.js';
import {
  applyOptions,
  checkInputShape,
  checkKey,
  describe,
  floatDType,
  fmt,
  parseOptions,
  positiveInt,
  type FloatDType,
} from '../validate.js';

/** Parameters of `embedding`: the table `[numEmbeddings, features]`. */
export type EmbeddingParams = { readonly embedding: Tensor };

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** Table initializer (default: normal with variance `1 / features`, as in flax). */
  embeddingInit?: Initializer;
  /** Parameter dtype (default float32). */
  dtype?: FloatDType;
}

/**
 * Maps int32 ids `[B, ...]` in `[0, numEmbeddings)` to vectors `[B, ..., features]`. An id out of
 * range throws (at the call when the ids' values are on the host, see the core's `take`).
 *
 * @example
 * ```ts
 * import { key, tensor } from '@gen-ts/core';
 * import { embedding } from '@gen-ts/nn';
 *
 * const embed = embedding(100, 8);
 * const { params } = embed.init(key(0), [2, 5]);
 * const ids = tensor([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]], { dtype: 'int32' });
 * console.log(embed.apply(params, ids).shape); // [2, 5, 8]
 * ```
 */
export function embedding(
  numEmbeddings: number,
  features: number,
  options: EmbeddingOptions = {},
): Layer<EmbeddingParams> {
  positiveInt()(numEmbeddings, 'embedding: numEmbeddings');
  positiveInt()(features, 'embedding: features');
  const o = parseOptions('embedding', options, {
    embeddingInit: initializerOption(varianceScaling({ mode: 'fanOut', distribution: 'normal' })),
    dtype: floatDType(),
  });
  return {
    name: 'embedding',
    stateful: false,
    init(k, inputShape) {
      checkKey('embedding', k);
      const s = checkInputShape('embedding', inputShape, 1, ' (the batch axis)');
      const table = draw('embedding: embeddingInit', o.embeddingInit, k, [numEmbeddings, features], o.dtype);
      return { params: { embedding: table }, state: undefined, outputShape: [...s, features] };
    },
    apply(params, ids, options) {
      applyOptions('embedding', options);
      const table = params?.embedding;
      if (!(table instanceof Tensor) || table.rank !== 2)
        throw new TypeError(
          `embedding: params must be { embedding } as init returned them, got ${describe(params)}`,
        );
      if (!(ids instanceof Tensor) || ids.dtype !== 'int32')
        throw new TypeError(`embedding: input must be int32 ids, got ${describe(ids)}`);
      if (ids.rank < 1) throw new RangeError(`embedding: input ${fmt(ids.shape)} needs a batch axis`);
      try {
        return take(table, ids, 0);
      } catch (e) {
        if (e instanceof RangeError)
          throw new RangeError(
            `embedding: an id is outside [0, ${table.shape[0]}) (ids ${fmt(ids.shape)}, table ${fmt(table.shape)}): ${e.message}`,
            { cause: e },
          );
        throw e;
      }
    },
  };
}
