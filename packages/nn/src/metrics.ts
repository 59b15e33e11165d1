/**
 * Metrics over a batch of logits, as 0-d tensors of the logits' dtype (they stay on the device:
 * read them when you log). Labels are checked as the losses check them.
 */
import { argmax, cast, equal, exp, expandDims, greater, less, mean, sum, type Tensor } from '@gen-ts/core';
import { checkedIds, checkLogits, checkSameShape, classLabels, pickAlongLast } from './labels.js';
import { softmaxCrossEntropy } from './losses.js';
import { fmt, positiveInt } from './validate.js';

/** Class ids from checked labels: the ids themselves, or the most probable class of probabilities. */
function ids(where: string, logits: Tensor, labels: Tensor): Tensor {
  const l = classLabels(where, logits, labels);
  return l.kind === 'ids' ? l.ids : argmax(l.probs, -1);
}

/**
 * The fraction of rows whose largest logit is at the label's class. Labels are int32 class ids
 * (`[B]` for logits `[B, C]`) or probabilities (`[B, C]`, compared by their argmax). For a single
 * logit per example (`[B, 1]`, binary classification) labels have the logits' shape and the
 * prediction is `logit > 0` against `label > 0.5`.
 *
 * @example
 * ```ts
 * import { tensor } from '@gen-ts/core';
 * import { accuracy } from '@gen-ts/nn';
 *
 * const logits = tensor([[2, 0], [0, 1], [3, 1]]);
 * console.log(accuracy(logits, tensor([0, 1, 1], { dtype: 'int32' })).itemSync()); // 2/3
 * ```
 */
export function accuracy(logits: Tensor, labels: Tensor): Tensor {
  const where = 'accuracy';
  checkLogits(where, logits, 'logits', 1);
  if (logits.shape[logits.rank - 1] === 1) {
    let y = checkSameShape(where, logits, labels, ['logits', 'labels']);
    if (y.dtype === 'int32')
      y = checkedIds(where, y, 2, `binary logits ${fmt(logits.shape)}, labels int32${fmt(y.shape)}`);
    const truth = y.dtype === 'bool' ? y : greater(cast(y, logits.dtype), 0.5);
    return mean(cast(equal(greater(logits, 0), truth), logits.dtype));
  }
  return mean(cast(equal(argmax(logits, -1), ids(where, logits, labels)), logits.dtype));
}

/**
 * The fraction of rows whose label's logit is among the `k` largest: fewer than `k` classes have a
 * strictly larger logit (ties count in the label's favour, as in TensorFlow's `in_top_k`).
 *
 * @example
 * ```ts
 * import { tensor } from '@gen-ts/core';
 * import { topKAccuracy } from '@gen-ts/nn';
 *
 * const logits = tensor([[3, 2, 1], [1, 2, 3]]);
 * console.log(topKAccuracy(logits, tensor([1, 0], { dtype: 'int32' }), 2).itemSync()); // 0.5
 * ```
 */
export function topKAccuracy(logits: Tensor, labels: Tensor, k: number): Tensor {
  const where = 'topKAccuracy';
  checkLogits(where, logits, 'logits', 1);
  const c = logits.shape[logits.rank - 1]!;
  positiveInt()(k, `${where}: k`);
  if (k > c)
    throw new RangeError(`${where}: k = ${k} exceeds the ${c} classes of logits ${fmt(logits.shape)}`);
  const y = ids(where, logits, labels);
  const picked = pickAlongLast(logits, y);
  const above = sum(cast(greater(logits, expandDims(picked, -1)), 'int32'), -1);
  return mean(cast(less(above, k), logits.dtype));
}

/**
 * A metric whose value over a dataset is not the mean of its batch values but a function of the
 * mean of another per-batch quantity: `evaluate` (and `fit`'s evaluations) average `meanOf` over
 * the dataset's rows, then apply `finalize`. Called directly, it gives the batch's own value.
 */
export interface MeanBasedMetric {
  (output: Tensor, target: Tensor): Tensor;
  /** The per-batch quantity whose row-weighted mean the dataset value is computed from. */
  readonly meanOf: (output: Tensor, target: Tensor) => Tensor;
  /** The dataset value from that mean. */
  readonly finalize: (mean: number) => number;
}

/**
 * `exp` of the mean cross-entropy: the effective number of classes the model hesitates between
 * (the usual language-model metric, with logits `[B, T, V]` and int32 labels `[B, T]`). Over a
 * dataset (`evaluate`, `fit`) it is `exp` of the dataset's mean cross-entropy, not the mean of the
 * batches' perplexities.
 *
 * @example
 * ```ts
 * import { zeros, tensor } from '@gen-ts/core';
 * import { perplexity } from '@gen-ts/nn';
 *
 * // uniform logits over 4 classes: perplexity 4
 * console.log(perplexity(zeros([2, 4]), tensor([1, 3], { dtype: 'int32' })).itemSync());
 * ```
 */
export const perplexity: MeanBasedMetric = Object.assign(
  (logits: Tensor, labels: Tensor): Tensor => exp(perplexityLog(logits, labels)),
  { meanOf: (logits: Tensor, labels: Tensor) => perplexityLog(logits, labels), finalize: Math.exp },
);

/** The mean cross-entropy, with errors named for `perplexity`. */
function perplexityLog(logits: Tensor, labels: Tensor): Tensor {
  try {
    return softmaxCrossEntropy(logits, labels);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('softmaxCrossEntropy'))
      throw new (e.constructor as ErrorConstructor)(e.message.replace(/^softmaxCrossEntropy/, 'perplexity'), {
        cause: e,
      });
    throw e;
  }
}
