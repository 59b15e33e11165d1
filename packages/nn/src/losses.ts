/**
 * Losses, computed from logits (never from probabilities) so that they stay finite and accurate
 * for any logit: log-softmax and softplus are the stable forms. Every loss checks its labels'
 * shape against the logits (no broadcasting, see labels.ts) and reduces to the mean by default.
 */
import {
  abs,
  add,
  cast,
  logSoftmax,
  maximum,
  mean,
  minimum,
  mul,
  neg,
  softplus,
  square,
  sub,
  sum,
  type Tensor,
} from '@gen-ts/core';
import {
  checkedIds,
  checkLogits,
  checkSameDType,
  checkSameShape,
  classLabels,
  pickAlongLast,
} from './labels.js';
import { fmt, numberIn, oneOf, parseOptions, positive, type Spec } from './validate.js';

/** How a loss reduces its per-element values. */
export type Reduction = 'mean' | 'sum' | 'none';

/** The option every loss takes. */
export interface ReductionOptions {
  /** `mean` over every element (default), `sum`, or `none` (one value per example). */
  reduction?: Reduction;
}

const reductionSpec = { reduction: oneOf<Reduction>('mean', ['mean', 'sum', 'none']) };

function reduce(x: Tensor, r: Reduction): Tensor {
  return r === 'mean' ? mean(x) : r === 'sum' ? sum(x) : x;
}

function opts<T>(where: string, options: unknown, spec: Spec<T>): T & { reduction: Reduction } {
  return parseOptions(where, options, { ...reductionSpec, ...spec }) as T & { reduction: Reduction };
}

/** Options of `softmaxCrossEntropy`. */
export interface SoftmaxCrossEntropyOptions extends ReductionOptions {
  /**
   * Label smoothing `eps` in `[0, 1]` (default 0): the target becomes `(1 - eps) y + eps / C`, as in
   * optax, Keras and PyTorch.
   */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of `softmax(logits)` against `labels`: int32 class ids shaped like the logits
 * without their last (class) axis (`[B]` for `[B, C]`), or float probabilities of the logits' shape.
 * One value per row `-sum_c t_c log softmax(z)_c`, reduced by `reduction`.
 *
 * @example
 * ```ts
 * import { tensor } from '@gen-ts/core';
 * import { softmaxCrossEntropy } from '@gen-ts/nn';
 *
 * const logits = tensor([[2, 0, 0], [0, 3, 0]]);
 * const labels = tensor([0, 1], { dtype: 'int32' });
 * console.log(softmaxCrossEntropy(logits, labels).itemSync()); // about 0.17
 * ```
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  labels: Tensor,
  options: SoftmaxCrossEntropyOptions = {},
): Tensor {
  const where = 'softmaxCrossEntropy';
  const o = opts(where, options, { labelSmoothing: numberIn(0, 0, 1) });
  checkLogits(where, logits, 'logits', 1);
  const c = logits.shape[logits.rank - 1]!;
  if (c < 2)
    throw new RangeError(
      `${where}: logits ${fmt(logits.shape)} have ${c} class${c === 1 ? '' : 'es'}; for binary labels use sigmoidBinaryCrossEntropy`,
    );
  const l = classLabels(where, logits, labels);
  const logp = logSoftmax(logits, -1);
  const eps = o.labelSmoothing;
  let perRow: Tensor;
  if (l.kind === 'ids') {
    // -sum_c t_c logp_c with t = (1 - eps) onehot(y) + eps / C
    const nll = neg(pickAlongLast(logp, l.ids));
    perRow = eps === 0 ? nll : add(mul(nll, 1 - eps), mul(neg(mean(logp, -1)), eps));
  } else {
    const t = eps === 0 ? l.probs : add(mul(l.probs, 1 - eps), eps / c);
    perRow = neg(sum(mul(t, logp), -1));
  }
  return reduce(perRow, o.reduction);
}

/** Options of `sigmoidBinaryCrossEntropy`. */
export interface SigmoidBinaryCrossEntropyOptions extends ReductionOptions {
  /** Label smoothing `eps` in `[0, 1]` (default 0): targets become `(1 - eps) y + eps / 2`. */
  labelSmoothing?: number;
}

/**
 * Binary cross-entropy of `sigmoid(logits)` against `labels` of the same shape (float
 * probabilities of the logits' dtype, or int32/bool 0/1 labels): `softplus(z) - y z` per element,
 * exact for logits of any size.
 *
 * @example
 * ```ts
 * import { tensor } from '@gen-ts/core';
 * import { sigmoidBinaryCrossEntropy } from '@gen-ts/nn';
 *
 * const logits = tensor([[3], [-1]]);
 * console.log(sigmoidBinaryCrossEntropy(logits, tensor([[1], [0]])).itemSync()); // about 0.18
 * ```
 */
export function sigmoidBinaryCrossEntropy(
  logits: Tensor,
  labels: Tensor,
  options: SigmoidBinaryCrossEntropyOptions = {},
): Tensor {
  const where = 'sigmoidBinaryCrossEntropy';
  const o = opts(where, options, { labelSmoothing: numberIn(0, 0, 1) });
  checkLogits(where, logits, 'logits', 0);
  let y = checkSameShape(where, logits, labels, ['logits', 'labels']);
  if (y.dtype === 'int32') {
    y = cast(
      checkedIds(where, y, 2, `logits ${fmt(logits.shape)}, labels int32${fmt(y.shape)}`),
      logits.dtype,
    );
  } else if (y.dtype === 'bool') y = cast(y, logits.dtype);
  else checkSameDType(where, logits, y, ['logits', 'labels']);
  if (o.labelSmoothing > 0) y = add(mul(y, 1 - o.labelSmoothing), o.labelSmoothing / 2);
  return reduce(sub(softplus(logits), mul(y, logits)), o.reduction);
}

function regressionArgs(where: string, predictions: Tensor, targets: Tensor | undefined): Tensor | undefined {
  checkLogits(where, predictions, 'predictions', 0);
  if (targets === undefined) return undefined;
  const t = checkSameShape(where, predictions, targets, ['predictions', 'targets']);
  checkSameDType(where, predictions, t, ['predictions', 'targets']);
  return t;
}

/**
 * Mean squared error `(p - t)^2` between `predictions` and `targets` of the same shape and dtype.
 *
 * @example
 * ```ts
 * import { tensor } from '@gen-ts/core';
 * import { mse } from '@gen-ts/nn';
 *
 * console.log(mse(tensor([[1], [2]]), tensor([[0], [4]])).itemSync()); // 2.5
 * ```
 */
export function mse(predictions: Tensor, targets: Tensor, options: ReductionOptions = {}): Tensor {
  const o = opts('mse', options, {});
  const t = regressionArgs('mse', predictions, targets)!;
  return reduce(square(sub(predictions, t)), o.reduction);
}

/** Options of `huber`. */
export interface HuberOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/**
 * Huber loss: `e^2 / 2` for `|e| <= delta`, `delta (|e| - delta / 2)` beyond, with `e = p - t`
 * (the convention of optax, Keras and TensorFlow.js; PyTorch's `HuberLoss` is the same).
 *
 * @example
 * ```ts
 * import { tensor } from '@gen-ts/core';
 * import { huber } from '@gen-ts/nn';
 *
 * console.log(huber(tensor([0.5, 3]), tensor([0, 0])).itemSync()); // (0.125 + 2.5) / 2
 * ```
 */
export function huber(predictions: Tensor, targets: Tensor, options: HuberOptions = {}): Tensor {
  const o = opts('huber', options, { delta: positive(1) });
  const t = regressionArgs('huber', predictions, targets)!;
  const a = abs(sub(predictions, t));
  // q^2 / 2 + delta max(|e| - delta, 0), q = min(|e|, delta): both branches at once, no NaN at e = 0.
  // Writing the linear part as delta (|e| - q) would give the same values, but its cotangent
  // delta - delta cancels in floating point and leaves a relative error of u delta / |e| in the
  // gradient near e = 0 (1e-11 in float64 at |e| = 1e-6).
  const q = minimum(a, o.delta);
  return reduce(add(mul(square(q), 0.5), mul(maximum(sub(a, o.delta), 0), o.delta)), o.reduction);
}

/**
 * Half the squared error, `(p - t)^2 / 2` (optax's `l2_loss`), or `p^2 / 2` without targets; with
 * `reduction: 'sum'` over parameters it is the classic weight-decay penalty `||w||^2 / 2`.
 *
 * @example
 * ```ts
 * import { tensor } from '@gen-ts/core';
 * import { l2Loss } from '@gen-ts/nn';
 *
 * console.log(l2Loss(tensor([3, 4]), undefined, { reduction: 'sum' }).itemSync()); // 12.5
 * ```
 */
export function l2Loss(predictions: Tensor, targets?: Tensor, options: ReductionOptions = {}): Tensor {
  const o = opts('l2Loss', options, {});
  const t = regressionArgs('l2Loss', predictions, targets);
  const e = t === undefined ? predictions : sub(predictions, t);
  return reduce(mul(square(e), 0.5), o.reduction);
}
