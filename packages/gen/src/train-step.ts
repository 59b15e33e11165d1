/**
 * `trainStep`: one line per training step. It computes the loss and gradient once
 * (`valueAndGrad`), builds the loss-dependent extras (`valueFn` for the probe data, and `value` when
 * that is the gradient's own batch), applies the transformation once (its state advances once)
 * and applies the updates.
 */
import { valueAndGrad, type Tensor } from '@gen-ts/core';
import { applyUpdates } from './base.js';
import { owningStep } from './step-memory.js';
import type { GradientTransformation, LossExtras } from './types.js';

/** Options of `trainStep`. */
export interface TrainStepOptions<P, B> {
  /**
   * The loss used for probes and other loss-dependent extras (default: `lossFn`). Pass a
   * deterministic version when `lossFn` is stochastic (dropout), so every probe sees the same model.
   */
  probeLossFn?: (params: P, batch: B) => Tensor;
}

/** What a training step returns. */
export interface TrainStepResult<P, S> {
  /** The updated params. */
  readonly params: P;
  /** The new optimizer state. */
  readonly state: S;
  /** The loss on `batch` at the params before the step. */
  readonly loss: Tensor;
}

/**
 * Returns `step(params, state, batch, probeBatch?)`. The gradient is taken on `batch`; loss-dependent
 * transforms (GeN, Newton) evaluate the loss on `probeBatch` when given, else on `batch`.
 *
 * Pass a fresh `probeBatch` (e.g. the next batch of the loader) with GeN: probing the gradient's
 * own minibatch can run away, each step lowering that batch's loss while the training loss rises,
 * without any probe loss becoming non-finite (GEN-SPEC.md). With the gradient's batch, the loss
 * and gradient already computed are passed as `value` and `grad`, saving one forward pass per probe
 * step (and, with GeN's `slope: 'gradient'`, a second one).
 *
 * Memory (it matters on `@gen-ts/gpu`, whose buffers are freed when their tensors are disposed):
 * the step runs in `tidy`, so its intermediates are released when it returns, and it takes back
 * what it returned: params and state from an earlier call, passed in again, lose the tensors the
 * new ones do not hold (so pass each result on once; the state may carry tensors over, which are
 * spared). Tensors you made (the initial params and state) are never disposed; the loss is yours:
 * run the step in a `tidy` that returns only the new params and state, and a loop's live buffers
 * stay at their baseline.
 *
 * @example
 * ```ts
 * import { genAdam, trainStep } from '@gen-ts/gen';
 * import { matmul, mean, normal, key, split, square, sub, zeros, type Tensor } from '@gen-ts/core';
 * type Batch = { x: Tensor; y: Tensor };
 * const [k1, k2, k3] = split(key(0), 3);
 * const batches: Batch[] = [k1!, k2!].map((k) => {
 *   const x = normal(k, [32, 3]);
 *   return { x, y: matmul(x, normal(k3!, [3, 1])) };
 * });
 * const mse = (w: Tensor, b: Batch) => mean(square(sub(matmul(b.x, w), b.y)));
 * const opt = genAdam({ lr: 1e-3 });
 * const step = trainStep(mse, opt);
 * let params = zeros([3, 1]);
 * let state = opt.init(params);
 * for (let t = 0; t < 20; t++) {
 *   // the gradient on one batch, GeN's probes on the other
 *   ({ params, state } = step(params, state, batches[t % 2]!, batches[(t + 1) % 2]!));
 * }
 * ```
 */
export function trainStep<P, B, S>(
  lossFn: (params: P, batch: B) => Tensor,
  transform: GradientTransformation<S, any>,
  options: TrainStepOptions<P, B> = {},
): (params: P, state: S, batch: B, probeBatch?: B) => TrainStepResult<P, S> {
  if (typeof lossFn !== 'function')
    throw new TypeError('trainStep: lossFn must be a function (params, batch) -> scalar loss');
  const probeLoss = options.probeLossFn ?? lossFn;
  const vg = valueAndGrad(lossFn);
  const step = (params: P, state: S, batch: B, probeBatch?: B): TrainStepResult<P, S> => {
    const [loss, grads] = vg(params, batch) as [Tensor, P];
    const data = probeBatch ?? batch;
    const extra: LossExtras<P> = { valueFn: (p: P) => probeLoss(p, data) };
    if (probeBatch === undefined && probeLoss === lossFn) {
      extra.value = loss;
      extra.grad = grads;
    }
    const [updates, next] = transform.update(grads, state, params, extra);
    return { params: applyUpdates(params, updates), state: next, loss };
  };
  return owningStep(step);
}
