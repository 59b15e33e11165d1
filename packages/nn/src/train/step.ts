/**
 * One training step of `fit`, for either form of the objective: a `lossFn(params, batch, ctx)`, or
 * a layer `model` with a `loss(output, y)` (and the model's state, e.g. batch-norm statistics,
 * threaded through). Like `@gen-ts/gen`'s `trainStep`, it computes the loss and gradient once,
 * builds the loss-dependent extras (`valueFn` on the probe batch; `value` and `grad` too when the
 * probe batch is the gradient's own) and applies the transformation once. Probes see the model in
 * training mode with the step's key (the same dropout mask for every probe) and never update the
 * model state, so the loss along the step is a deterministic function of the params.
 */
import {
  onesLike,
  Tensor,
  treeMap,
  valueAndGrad,
  vjp,
  zerosLike,
  type PRNGKey,
  type Tree,
  type VjpFn,
} from '@gen-ts/core';
import { applyUpdates, type GradientTransformation, type LossExtras } from '@gen-ts/gen';
import type { Layer } from '../layer.js';

/** What a `lossFn` is told besides the params and the batch. */
export interface LossContext {
  /** This step's key (`foldIn(fit key, step)`), for dropout and other randomness. */
  readonly key: PRNGKey;
  /** True during training steps and GeN's probes, false in evaluation. */
  readonly train: boolean;
}

/** The objective: a loss of params and batch, or a model with a loss of its output. */
export type Objective<P, B> =
  | { readonly kind: 'lossFn'; readonly lossFn: (params: P, batch: B, ctx: LossContext) => Tensor }
  | {
      readonly kind: 'model';
      readonly model: Layer<any, any>;
      readonly loss: (output: Tensor, target: Tensor) => Tensor;
    };

/** A batch of a model objective. */
export interface XY {
  readonly x: Tensor;
  readonly y: Tensor;
}

/**
 * The loss (and new model state) of `objective` at `params` on `batch`.
 */
export function lossAndState<P, B>(
  objective: Objective<P, B>,
  params: P,
  batch: B,
  modelState: unknown,
  ctx: LossContext,
): [Tensor, unknown] {
  if (objective.kind === 'lossFn') return [checkLoss(objective.lossFn(params, batch, ctx)), modelState];
  const { x, y } = checkXY(batch);
  const out: unknown = objective.model.apply(params, x, {
    train: ctx.train,
    key: ctx.key,
    state: modelState,
  } as never);
  const [output, next] = objective.model.stateful ? (out as [Tensor, unknown]) : [out as Tensor, modelState];
  return [checkLoss(objective.loss(output, y)), next];
}

/** A model's batch: `{ x, y }` tensors. */
export function checkXY(batch: unknown): XY {
  const b = batch as Partial<XY> | null;
  if (b === null || typeof b !== 'object' || !(b.x instanceof Tensor) || !(b.y instanceof Tensor))
    throw new TypeError(
      "fit: with 'model', every batch must be { x, y } (tensors); map the dataset to that shape",
    );
  return b as XY;
}

function checkLoss(l: unknown): Tensor {
  if (!(l instanceof Tensor) || l.rank !== 0) {
    const got = l instanceof Tensor ? `a tensor of shape [${l.shape.join(', ')}]` : typeof l;
    throw new TypeError(`fit: the loss must be a 0-d (scalar) tensor, got ${got}`);
  }
  return l;
}

/** What a step returns; `lr` is the rate GeN applied, when the optimizer holds one as a tensor. */
export interface StepOut<P, S> {
  readonly params: P;
  readonly optState: S;
  readonly modelState: unknown;
  readonly loss: Tensor;
}

/** Builds the step; `probe: 'own'` probes the gradient's own batch (see `FitOptions.probe`). */
export function makeStep<P, B, S>(
  objective: Objective<P, B>,
  optimizer: GradientTransformation<S, any>,
  probe: 'fresh' | 'own',
): (
  params: P,
  optState: S,
  modelState: unknown,
  batch: B,
  probeBatch: B | undefined,
  key: PRNGKey,
) => StepOut<P, S> {
  const stateful = objective.kind === 'model' && objective.model.stateful;
  // A model's new state comes out of the differentiated pass as a second output of `vjp` (whose
  // outputs are primals, unlike a `hasAux` value), with a zero cotangent; a stateless objective
  // needs only the loss and its gradient.
  const vg = valueAndGrad(
    (p: P, batch: B, key: PRNGKey) => lossAndState(objective, p, batch, undefined, { key, train: true })[0],
  );
  const withState = (params: P, batch: B, modelState: unknown, key: PRNGKey): [Tensor, unknown, P] => {
    const f = (p: P) => lossAndState(objective, p, batch, modelState, { key, train: true }) as Tree;
    const [[loss, next], pullback] = vjp(f, params) as [[Tensor, unknown], VjpFn];
    const [grads] = pullback([onesLike(loss), treeMap((t) => zerosLike(t), next)]) as [P];
    return [loss, next, grads];
  };
  return (params, optState, modelState, batch, probeBatch, key) => {
    let loss: Tensor;
    let grads: P;
    let nextState = modelState;
    if (stateful) [loss, nextState, grads] = withState(params, batch, modelState, key);
    else [loss, grads] = vg(params, batch, key) as [Tensor, P];
    const data = probe === 'own' || probeBatch === undefined ? batch : probeBatch;
    const lossOn = (b: B) => (p: P) => lossAndState(objective, p, b, modelState, { key, train: true })[0];
    // `own`: the gradient's batch whatever the probe data, for GeN's lagged fit of the last step.
    const extra: LossExtras<P> = {
      valueFn: lossOn(data),
      own: { value: loss, grad: grads, valueFn: lossOn(batch) },
    };
    if (data === batch) {
      extra.value = loss;
      extra.grad = grads;
    }
    const [updates, next] = optimizer.update(grads, optState, params, extra);
    return {
      params: applyUpdates(params, updates),
      optState: next,
      modelState: nextState,
      loss,
    };
  };
}
