/** The options of `fit`, and their validation into one typed object (a bad option fails before any step). */
import { key as makeKey, PRNGKey, type Tensor } from '@gen-ts/core';
import { genAdamW, type GradientTransformation } from '@gen-ts/gen';
import { Dataset } from '../data/dataset.js';
import type { Checkpoint } from '../io/checkpoint.js';
import type { Layer } from '../layer.js';
import type { FitCallback } from './callbacks.js';
import type { BatchMetric, OutputMetric } from './evaluate.js';
import type { ProgressOutput, Verbosity } from './progress.js';
import type { LossContext, Objective, XY } from './step.js';

/** What an `optimizer` function is told about the run. */
export interface FitPlan {
  /** Total steps of the run (absolute: a resumed run counts the steps before it). */
  readonly steps: number;
  /** Batches per epoch (`Infinity` for an infinite dataset). */
  readonly stepsPerEpoch: number;
}

/** Options shared by both forms of `fit`. */
export interface FitCommonOptions<P, S> {
  /** Initial params (not needed with `resume`). `fit` never disposes the tensors you pass. */
  params?: P;
  /**
   * Any `@gen-ts/gen` transformation (`adam(...)`, `genSgd(...)`, `chain(...)`), or a function of
   * the run's plan that returns one, e.g. `({ steps }) => genSgd({ preset: 'auto', horizon: steps })`.
   * Default: GeN's recommended configuration on AdamW for this run,
   * `genAdamW({ preset: 'auto', horizon: steps })` (from `eta_0 = 1e-3`; see `GEN_AUTO`).
   */
  optimizer?: GradientTransformation<S, any> | ((plan: FitPlan) => GradientTransformation<S, any>);
  /** Initial optimizer state (default `optimizer.init(params)`). */
  optState?: S;
  /** Epochs over `train` (exactly one of `epochs` and `steps`). */
  epochs?: number;
  /** Steps in all, across epochs (exactly one of `epochs` and `steps`). */
  steps?: number;
  /**
   * Where GeN (and any loss-dependent transformation) evaluates its probe losses: `'fresh'`
   * (default) on the next batch of the loader, data the gradient did not see; `'own'` on the
   * gradient's own batch, which saves a forward pass (GeN reuses the loss and gradient already
   * computed) but can run away: each step lowers that batch's loss while the training loss rises.
   */
  probe?: 'fresh' | 'own';
  /** Run key: step `t` gets `foldIn(key, t)` for dropout (default `key(0)`). Shuffle the data with its own key. */
  key?: PRNGKey;
  /** Evaluate on `validation` every this many steps (default: at the end of every epoch, and at the end). */
  evalEvery?: number;
  /** Called after each step and evaluation; see `earlyStopping`, `lrLogger`. */
  callbacks?: readonly FitCallback[];
  /** Stop at the first non-finite loss, naming the step and batch (default true). */
  stopOnNonFinite?: boolean;
  /** `'auto'` (default): a progress bar on a TTY, plain lines otherwise; or `'bar'`, `'lines'`, `'silent'`. */
  verbose?: Verbosity;
  /** Where progress goes (default `process.stderr` in Node, else nothing). */
  output?: ProgressOutput;
  /** Plain-line mode: a line every this many steps (default: 10 per epoch) and at each epoch's end. */
  logEvery?: number;
  /**
   * Read the losses (and rates) back every this many steps. Default 1 on backends with synchronous
   * reads (the cpu backend), 10 on asynchronous ones, so a step does not wait for the device: the
   * losses of the steps in between are gathered on the device and read at once. Callbacks, the
   * non-finite check and the display then see each step up to `readEvery - 1` steps late.
   */
  readEvery?: number;
  /** Save a checkpoint to `path` every `every` steps (and at the end), atomically. Node only. */
  checkpoint?: { path: string; every: number };
  /** Continue from a checkpoint (a path or a loaded one): params, states, key, step and data position. */
  resume?: string | Checkpoint<P, S>;
  /** @internal The clock in milliseconds, for tests. */
  now?: () => number;
}

/** `fit` with a loss function of the params and a batch. */
export interface FitLossFnOptions<P, B, S> extends FitCommonOptions<P, S> {
  /** The loss, a 0-d tensor; `ctx` holds the step's key and the training flag. */
  lossFn: (params: P, batch: B, ctx: LossContext) => Tensor;
  /** Training batches (a `Dataset`, e.g. `Dataset.fromArrays(...).shuffle(k).batch(64)`). */
  train: Dataset<B>;
  /** Validation batches, evaluated every `evalEvery` steps. */
  validation?: Dataset<B>;
  /** Metrics of the params and a batch, means over the batch. */
  metrics?: Readonly<Record<string, BatchMetric<P, B>>>;
}

/** `fit` with a layer: batches are `{ x, y }`, the loss takes the model's output and `y`. */
export interface FitModelOptions<P, S> extends FitCommonOptions<P, S> {
  model: Layer<any, any>;
  /** The loss of the output and the targets, e.g. `softmaxCrossEntropy`. */
  loss: (output: Tensor, target: Tensor) => Tensor;
  /** The model's state from `init` (batch-norm statistics), for stateful models. */
  modelState?: unknown;
  train: Dataset<XY>;
  validation?: Dataset<XY>;
  /** Metrics of the output and the targets (e.g. `accuracy`), means over the batch. */
  metrics?: Readonly<Record<string, OutputMetric>>;
}

/** The options of `fit`: one of the two forms. */
export type FitOptions<P, B, S> = FitLossFnOptions<P, B, S> | FitModelOptions<P, S>;

/** Validated options. */
export interface ResolvedFit<P, B, S> {
  readonly objective: Objective<P, B>;
  /** The optimizer: the one given, the one its function returned for this run, or the default. */
  readonly optimizer: GradientTransformation<S, any>;
  readonly o: FitCommonOptions<P, S> & { train: Dataset<B>; validation?: Dataset<B>; modelState?: unknown };
  readonly metrics: Readonly<Record<string, OutputMetric | BatchMetric<P, B>>>;
  readonly batchesPerEpoch: number;
  /** Total steps of the run (absolute). */
  readonly total: number;
  readonly key: PRNGKey;
  readonly probe: 'fresh' | 'own';
  readonly evalEvery: number;
}

const KNOWN = [
  'params',
  'optimizer',
  'optState',
  'epochs',
  'steps',
  'probe',
  'key',
  'evalEvery',
  'callbacks',
  'stopOnNonFinite',
  'verbose',
  'output',
  'logEvery',
  'readEvery',
  'checkpoint',
  'resume',
  'now',
  'lossFn',
  'train',
  'validation',
  'metrics',
  'model',
  'loss',
  'modelState',
];

const posInt = (name: string, v: unknown): number => {
  if (!Number.isSafeInteger(v) || (v as number) < 1)
    throw new RangeError(`fit: option '${name}' must be a positive integer, got ${String(v)}`);
  return v as number;
};

/** Checks every option once, naming the bad one. */
export function resolveFit<P, B, S>(options: FitOptions<P, B, S>): ResolvedFit<P, B, S> {
  if (options === null || typeof options !== 'object') throw new TypeError('fit: options must be an object');
  for (const k of Object.keys(options))
    if (!KNOWN.includes(k)) throw new TypeError(`fit: unknown option '${k}'`);
  const o = options as FitLossFnOptions<P, B, S> & Partial<FitModelOptions<P, S>>;
  const hasModel = o.model !== undefined;
  if (hasModel === (o.lossFn !== undefined))
    throw new TypeError("fit: pass either 'model' (with 'loss') or 'lossFn'");
  let objective: Objective<P, B>;
  if (hasModel) {
    if (typeof o.model!.apply !== 'function')
      throw new TypeError("fit: option 'model' must be a layer (init, apply)");
    if (typeof o.loss !== 'function')
      throw new TypeError("fit: 'model' needs 'loss', a function (output, target) -> scalar");
    objective = { kind: 'model', model: o.model!, loss: o.loss };
  } else {
    if (typeof o.lossFn !== 'function')
      throw new TypeError("fit: option 'lossFn' must be a function (params, batch, ctx) -> scalar");
    if (o.loss !== undefined)
      throw new TypeError("fit: option 'loss' goes with 'model'; with 'lossFn' the loss is lossFn itself");
    if (o.modelState !== undefined) throw new TypeError("fit: option 'modelState' goes with 'model'");
    objective = { kind: 'lossFn', lossFn: o.lossFn };
  }
  if (!(o.train instanceof Dataset))
    throw new TypeError("fit: option 'train' must be a Dataset (Dataset.fromArrays(...).batch(n))");
  if (o.validation !== undefined && !(o.validation instanceof Dataset))
    throw new TypeError("fit: option 'validation' must be a Dataset");
  const n = o.train.length;
  if (n === 0) throw new Error("fit: the 'train' dataset is empty");
  if ((o.epochs === undefined) === (o.steps === undefined))
    throw new TypeError("fit: pass exactly one of 'epochs' and 'steps'");
  if (o.epochs !== undefined && n === Infinity)
    throw new TypeError("fit: 'train' is infinite; give 'steps' instead of 'epochs'");
  const total = o.epochs !== undefined ? posInt('epochs', o.epochs) * n : posInt('steps', o.steps);
  const optimizer = resolveOptimizer<S>(o.optimizer, { steps: total, stepsPerEpoch: n });
  const probe = o.probe ?? 'fresh';
  if (probe !== 'fresh' && probe !== 'own')
    throw new TypeError(`fit: option 'probe' must be 'fresh' or 'own', got ${JSON.stringify(probe)}`);
  const key = o.key ?? makeKey(0);
  if (!(key instanceof PRNGKey)) throw new TypeError("fit: option 'key' must be a PRNGKey from key(seed)");
  const evalEvery =
    o.evalEvery !== undefined ? posInt('evalEvery', o.evalEvery) : Number.isFinite(n) ? n : total;
  if (o.logEvery !== undefined) posInt('logEvery', o.logEvery);
  if (o.readEvery !== undefined) posInt('readEvery', o.readEvery);
  if (
    o.callbacks !== undefined &&
    (!Array.isArray(o.callbacks) || o.callbacks.some((c) => c === null || typeof c !== 'object'))
  )
    throw new TypeError("fit: option 'callbacks' must be an array of callback objects");
  if (o.stopOnNonFinite !== undefined && typeof o.stopOnNonFinite !== 'boolean')
    throw new TypeError("fit: option 'stopOnNonFinite' must be a boolean");
  if (o.verbose !== undefined && !['auto', 'bar', 'lines', 'silent'].includes(o.verbose))
    throw new TypeError(
      `fit: option 'verbose' must be 'auto', 'bar', 'lines' or 'silent', got ${JSON.stringify(o.verbose)}`,
    );
  if (o.output !== undefined && typeof o.output?.write !== 'function')
    throw new TypeError("fit: option 'output' must have a write(text) method");
  if (o.checkpoint !== undefined) {
    const c = o.checkpoint;
    if (c === null || typeof c !== 'object' || typeof c.path !== 'string' || c.path === '')
      throw new TypeError("fit: option 'checkpoint' must be { path, every }");
    posInt('checkpoint.every', c.every);
  }
  if (o.resume === undefined && o.params === undefined)
    throw new TypeError("fit: option 'params' is required (unless resuming)");
  const metrics = o.metrics ?? {};
  if (metrics === null || typeof metrics !== 'object')
    throw new TypeError("fit: option 'metrics' must be an object of functions");
  for (const [k, f] of Object.entries(metrics))
    if (typeof f !== 'function') throw new TypeError(`fit: metric '${k}' must be a function`);
  if (Object.keys(metrics).length > 0 && o.validation === undefined)
    throw new TypeError("fit: 'metrics' are computed on 'validation': pass a validation Dataset");
  return {
    objective,
    o: o as ResolvedFit<P, B, S>['o'],
    optimizer,
    metrics,
    batchesPerEpoch: n,
    total,
    key,
    probe,
    evalEvery,
  };
}

/** The optimizer for a run: given, built from the plan, or GeN's recommended AdamW for the run's steps. */
function resolveOptimizer<S>(given: unknown, plan: FitPlan): GradientTransformation<S, any> {
  const isTransform = (x: unknown): x is GradientTransformation<S, any> =>
    x !== null &&
    typeof x === 'object' &&
    typeof (x as GradientTransformation).init === 'function' &&
    typeof (x as GradientTransformation).update === 'function';
  if (given === undefined)
    return genAdamW({ preset: 'auto', horizon: plan.steps }) as unknown as GradientTransformation<S, any>;
  const opt = typeof given === 'function' ? (given as (p: FitPlan) => unknown)(plan) : given;
  if (!isTransform(opt))
    throw new TypeError(
      typeof given === 'function'
        ? "fit: option 'optimizer', a function, must return a gradient transformation (init, update)"
        : "fit: option 'optimizer' must be a gradient transformation (init, update), e.g. adam({ lr: 1e-3 }), " +
            "or a function of the run's plan ({ steps, stepsPerEpoch }) returning one",
    );
  return opt;
}
