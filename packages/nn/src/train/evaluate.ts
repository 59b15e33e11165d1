/**
 * `evaluate`: the loss and metrics of a model over a whole dataset, in evaluation mode (no dropout,
 * batch norm on its running statistics). Each batch's values are weighted by its size and summed on
 * the device, so the whole pass reads back once.
 */
import { cast, key as makeKey, mul, stack, Tensor, tidy, treeLeaves, type PRNGKey } from '@gen-ts/core';
import type { Dataset } from '../data/dataset.js';
import type { Layer } from '../layer.js';
import type { MeanBasedMetric } from '../metrics.js';
import { checkXY, lossAndState, type LossContext, type Objective, type XY } from './step.js';

/** A metric of a model's output and the targets (e.g. `accuracy`), a 0-d batch mean. */
export type OutputMetric = (output: Tensor, target: Tensor) => Tensor;
/** A metric of the params and a batch (with `lossFn`), a 0-d batch mean. */
export type BatchMetric<P, B> = (params: P, batch: B) => Tensor;

/** `evaluate` for a layer model: `data` yields `{ x, y }` batches. */
export interface EvaluateModelOptions<P> {
  /** The layer, applied in evaluation mode. */
  readonly model: Layer<any, any>;
  /** The loss of the output and the targets (a batch mean). */
  readonly loss: (output: Tensor, target: Tensor) => Tensor;
  /** The model's params. */
  readonly params: P;
  /** The model's state (batch-norm statistics), for stateful models. */
  readonly modelState?: unknown;
  /** The batches, `{ x, y }`. */
  readonly data: Dataset<XY>;
  /** Metrics by name, each a batch mean. */
  readonly metrics?: Readonly<Record<string, OutputMetric>>;
}

/** `evaluate` for a loss function of the params and a batch. */
export interface EvaluateLossFnOptions<P, B> {
  /** The loss (a batch mean), called with `ctx.train` false. */
  readonly lossFn: (params: P, batch: B, ctx: LossContext) => Tensor;
  /** The params. */
  readonly params: P;
  /** The batches. */
  readonly data: Dataset<B>;
  /** Metrics by name, each a batch mean. */
  readonly metrics?: Readonly<Record<string, BatchMetric<P, B>>>;
}

/** `{ loss, ...metrics }`, each the mean over the dataset's rows. */
export type Metrics = Record<string, number>;

/**
 * The mean loss and metrics over one epoch of `data`, weighted by batch size (each metric must be
 * a mean over its batch, as `accuracy` and the losses are).
 *
 * @example
 * ```ts
 * import { key, matmul, mean, square, sub, zeros, type Tensor } from '@gen-ts/core';
 * import { Dataset, evaluate, linearRegression } from '@gen-ts/nn';
 *
 * const { x, y } = linearRegression(key(0), { n: 100, features: 2 });
 * const data = Dataset.fromArrays({ x, y }).batch(32);
 * const lossFn = (w: Tensor, b: { x: Tensor; y: Tensor }) => mean(square(sub(matmul(b.x, w), b.y)));
 * console.log(await evaluate({ lossFn, params: zeros([2, 1]), data })); // { loss: ... }
 * ```
 */
export async function evaluate<P, B>(
  options: EvaluateModelOptions<P> | EvaluateLossFnOptions<P, B>,
): Promise<Metrics> {
  if (options === null || typeof options !== 'object')
    throw new TypeError('evaluate: options must be an object');
  const known = ['model', 'loss', 'lossFn', 'params', 'modelState', 'data', 'metrics'];
  for (const k of Object.keys(options))
    if (!known.includes(k)) throw new TypeError(`evaluate: unknown option '${k}'`);
  const o = options as Partial<EvaluateModelOptions<P> & EvaluateLossFnOptions<P, B>>;
  if ((o.model === undefined) === (o.lossFn === undefined))
    throw new TypeError("evaluate: pass either 'model' (with 'loss') or 'lossFn'");
  if (o.model !== undefined && typeof o.loss !== 'function')
    throw new TypeError("evaluate: 'model' needs 'loss', a function (output, target) -> scalar");
  const objective: Objective<P, B> =
    o.model !== undefined
      ? { kind: 'model', model: o.model, loss: o.loss! }
      : { kind: 'lossFn', lossFn: o.lossFn! };
  return evaluateObjective(
    objective,
    o.params as P,
    o.modelState,
    o.data as Dataset<B>,
    (o.metrics ?? {}) as never,
    makeKey(0),
  );
}

/** @internal The pass itself, shared with `fit`. */
export async function evaluateObjective<P, B>(
  objective: Objective<P, B>,
  params: P,
  modelState: unknown,
  data: Dataset<B>,
  metrics: Readonly<Record<string, OutputMetric | BatchMetric<P, B>>>,
  key: PRNGKey,
): Promise<Metrics> {
  if (data === undefined || typeof (data as Dataset<B>)?.at !== 'function')
    throw new TypeError('evaluate: data must be a Dataset');
  if (!Number.isFinite(data.length))
    throw new Error('evaluate: the dataset is infinite; take(n) batches of it');
  const names = Object.keys(metrics);
  for (const n of names)
    if (typeof metrics[n] !== 'function') throw new TypeError(`evaluate: metric '${n}' must be a function`);
  if (names.includes('loss'))
    throw new TypeError("evaluate: 'loss' is reported always; name the metric otherwise");
  const ctx: LossContext = { key, train: false };
  let total: Tensor | undefined;
  let rows = 0;
  for (let i = 0; i < data.length; i++) {
    const batch = data.at(i);
    const n = treeLeaves(batch)[0]?.shape[0] ?? 1;
    const next = tidy(() => {
      const values = batchValues(objective, params, modelState, batch, metrics, names, ctx);
      const weighted = mul(stack(values.map((v) => cast(v, values[0]!.dtype))), n);
      return total === undefined ? weighted : total.add(weighted);
    });
    total?.dispose();
    total = next;
    rows += n;
    for (const l of treeLeaves(batch)) l.dispose();
  }
  if (total === undefined) throw new Error('evaluate: the dataset is empty');
  const sums = await total.data();
  total.dispose();
  return Object.fromEntries(
    ['loss', ...names].map((name, j) => {
      const mean = sums[j]! / rows;
      const m = metrics[name] as Partial<MeanBasedMetric> | undefined;
      return [name, typeof m?.finalize === 'function' ? m.finalize(mean) : mean];
    }),
  );
}

function batchValues<P, B>(
  objective: Objective<P, B>,
  params: P,
  modelState: unknown,
  batch: B,
  metrics: Readonly<Record<string, OutputMetric | BatchMetric<P, B>>>,
  names: readonly string[],
  ctx: LossContext,
): Tensor[] {
  const check = (name: string, v: unknown): Tensor => {
    if (!(v instanceof Tensor) || v.rank !== 0)
      throw new TypeError(
        `evaluate: metric '${name}' must return a 0-d tensor, got ${v instanceof Tensor ? `shape [${v.shape.join(', ')}]` : typeof v}`,
      );
    return v;
  };
  if (objective.kind === 'lossFn') {
    const loss = lossAndState(objective, params, batch, modelState, ctx)[0];
    return [loss, ...names.map((n) => check(n, (metrics[n] as BatchMetric<P, B>)(params, batch)))];
  }
  const { x, y } = checkXY(batch);
  const out: unknown = objective.model.apply(params, x, { train: false, state: modelState } as never);
  const output = objective.model.stateful ? (out as [Tensor, unknown])[0] : (out as Tensor);
  const loss = objective.loss(output, y);
  // a mean-based metric contributes its per-batch quantity; `evaluate` finalizes the mean
  const perBatch = (n: string) => {
    const m = metrics[n] as OutputMetric & Partial<MeanBasedMetric>;
    return typeof m.meanOf === 'function' ? m.meanOf : m;
  };
  return [check('loss', loss), ...names.map((n) => check(n, perBatch(n)(output, y)))];
}
