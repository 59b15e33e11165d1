/**
 * `trainStep`: one line per training step. It computes the loss and gradient once
 * (`valueAndGrad`), builds the loss-dependent extras (`valueFn` on the probe data, and `value` and
 * `grad` when that is the gradient's own batch), applies the transformation once (its state
 * advances once), applies the updates, and skips the step when anything in it is not finite.
 */
import {
  isFinite,
  logicalAnd,
  scalar,
  treeFlatten,
  treeUnflatten,
  valueAndGrad,
  where,
  type Tensor,
} from '@gen-ts/core';
import { applyUpdates, checkTransform } from './base.js';
import { treeFinite } from './logic.js';
import { owningStep } from './step-memory.js';
import type { GradientTransformation, LossExtras } from './types.js';
import { anyRule, booleanRule, checkOptions, oneOfRule } from './validate.js';

/** Options of `trainStep`. */
export interface TrainStepOptions<P, B> {
  /**
   * The loss used for probes and other loss-dependent extras (default: `lossFn`). Pass a
   * deterministic version when `lossFn` is stochastic (dropout), so every probe sees the same model.
   */
  probeLossFn?: (params: P, batch: B) => Tensor;
  /**
   * The data loss-dependent transforms (GeN, `newtonDirection`) evaluate the loss on (default
   * `'fresh'`). `'fresh'`: the step's `probeBatch` argument, a batch the gradient did not see (the
   * next one of the loader); a step of such a transform without one throws. `'own'`: the
   * gradient's batch, whose loss and gradient are then passed as `value` and `grad` (one forward
   * pass less per probe step; GeN's `slope: 'gradient'` needs them); a `probeBatch` argument
   * throws. Probing the own batch can run away (docs/gen.md, "Which data to probe").
   */
  probe?: 'fresh' | 'own';
  /**
   * Skip a step whose loss, gradient or updates are not finite (default true): the params and
   * every tensor of the optimizer state stay as they were, decided on device (`where`, no
   * readback); host counters in the state (step counts) still advance. `applied` in the result
   * says whether the step was taken. Costs a finiteness check of the gradient and updates and one
   * `where` per param and state tensor.
   */
  skipNonFinite?: boolean;
  /**
   * Take back what an earlier call returned (default true): when params and state this step
   * returned are passed in again, their tensors the new ones do not hold are disposed, so a loop on
   * `@gen-ts/gpu` needs no `dispose` of its own. Set false to keep earlier results usable (a
   * snapshot of the best params, a comparison across steps); then release them yourself with
   * `dispose(old, next)`.
   */
  reclaim?: boolean;
}

/** What a training step returns. */
export interface TrainStepResult<P, S> {
  /** The updated params (the old ones when the step was skipped). */
  readonly params: P;
  /** The new optimizer state. */
  readonly state: S;
  /** The loss on `batch` at the params before the step. */
  readonly loss: Tensor;
  /** Whether the step was applied (0-d bool): false when `skipNonFinite` skipped it. */
  readonly applied: Tensor;
}

/**
 * Returns `step(params, state, batch, probeBatch?)`. The gradient is taken on `batch`;
 * loss-dependent transforms (GeN, Newton) evaluate the loss on `probeBatch` with `probe: 'fresh'`
 * (the default) or on `batch` with `probe: 'own'`. The transform is checked here, at construction.
 *
 * Pass a fresh `probeBatch` (e.g. the next batch of the loader) with GeN: probing the gradient's
 * own minibatch can run away, each step lowering that batch's loss while the training loss rises,
 * without any probe loss becoming non-finite (docs/gen.md). With `probe: 'own'` the loss and
 * gradient already computed are passed as `value` and `grad`, saving one forward pass per probe
 * step (and, with GeN's `slope: 'gradient'`, a second one).
 *
 * Memory (it matters on `@gen-ts/gpu`, whose buffers are freed when their tensors are disposed):
 * the step runs in `tidy`, so its intermediates are released when it returns, and it takes back
 * what it returned: params and state from an earlier call, passed in again, lose the tensors the
 * new ones do not hold (so pass each result on once, or set `reclaim: false` to keep old results;
 * the state may carry tensors over, which are spared). Tensors you made (the initial params and state) are never disposed; the loss and
 * `applied` are yours: run the step in a `tidy` that returns only the new params and state, and a
 * loop's live buffers stay at their baseline.
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
  checkTransform('trainStep', 'the second argument (the optimizer)', transform);
  const { probe, skipNonFinite, reclaim, probeLossFn } = checkOptions('trainStep', options, {
    probe: oneOfRule<'fresh' | 'own'>('fresh', ['fresh', 'own']),
    skipNonFinite: booleanRule(true),
    reclaim: booleanRule(true),
    probeLossFn: anyRule<unknown>(lossFn),
  });
  if (typeof probeLossFn !== 'function')
    throw new TypeError('trainStep: option probeLossFn must be a function (params, batch) -> scalar loss');
  const probeLoss = probeLossFn as (params: P, batch: B) => Tensor;
  const vg = valueAndGrad(lossFn);
  const noProbeBatch = (): never => {
    throw new Error(
      "trainStep: the optimizer evaluates the loss (GeN, newtonDirection) and probe is 'fresh' (the default): " +
        'pass a batch the gradient did not see, step(params, state, batch, probeBatch), ' +
        "or choose trainStep(lossFn, optimizer, { probe: 'own' }) to probe the gradient's batch",
    );
  };
  const step = (params: P, state: S, batch: B, probeBatch?: B): TrainStepResult<P, S> => {
    if (batch === undefined)
      throw new TypeError(
        "trainStep: step(params, state, batch, probeBatch) needs a batch (the gradient's data)",
      );
    if (probe === 'own' && probeBatch !== undefined)
      throw new TypeError(
        "trainStep: probe is 'own' (the gradient's batch), so the step takes no probeBatch; use probe 'fresh' to probe it",
      );
    const [loss, grads] = vg(params, batch) as [Tensor, P];
    const extra: LossExtras<P> = {};
    // The own batch for GeN's lagged fit: one deterministic function gave the loss and gradient.
    if (probeLoss === lossFn) extra.own = { value: loss, grad: grads, valueFn: (p: P) => lossFn(p, batch) };
    if (probe === 'own') {
      extra.valueFn = (p: P) => probeLoss(p, batch);
      if (probeLoss === lossFn) {
        extra.value = loss;
        extra.grad = grads;
      }
    } else {
      extra.valueFn = probeBatch === undefined ? noProbeBatch : (p: P) => probeLoss(p, probeBatch);
    }
    const [updates, next] = transform.update(grads, state, params, extra);
    const stepped = applyUpdates(params, updates);
    if (!skipNonFinite)
      return {
        params: stepped,
        state: next,
        loss,
        applied: scalar(1, { dtype: 'bool', backend: loss.backend }),
      };
    const ok = logicalAnd(isFinite(loss), logicalAnd(treeFinite(grads), treeFinite(updates)));
    return { params: keepUnless(ok, stepped, params), state: keepUnless(ok, next, state), loss, applied: ok };
  };
  return owningStep(step, reclaim);
}

/** `next`'s tensors where `ok`, else `old`'s (same tensors, leaf by leaf); `next`'s host values. */
function keepUnless<T>(ok: Tensor, next: T, old: T): T {
  const [nl, def] = treeFlatten(next);
  const [ol] = treeFlatten(old);
  const same = nl.length === ol.length && nl.every((t, i) => sameShape(t, ol[i]!));
  if (!same)
    throw new Error(
      'trainStep: the optimizer state changed its tensors between steps, so a non-finite step cannot ' +
        'keep the old ones; pass skipNonFinite: false',
    );
  return treeUnflatten<T>(
    def,
    nl.map((t, i) => (t === ol[i] ? t : where(ok, t, ol[i]!))),
  );
}

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && a.rank === b.rank && a.shape.every((n, i) => n === b.shape[i]);
}
