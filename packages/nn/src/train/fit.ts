/**
 * `fit`: the training loop. It draws batches from a `Dataset` (step `t` takes the batch after step
 * `t - 1`'s, across epochs), runs one step of any `@gen-ts/gen` transformation per batch (GeN
 * probing the next batch by default), owns the memory (see `memory.ts`), reads the losses back
 * without stalling asynchronous backends, reports progress, evaluates, calls the callbacks, and
 * saves and resumes checkpoints. Everything a step depends on (params, states, the run key, the
 * data position) is in the checkpoint, and batch order and step keys are pure functions of the key
 * and the position, so a resumed run repeats the uninterrupted one exactly.
 */
import {
  cast,
  concat,
  foldIn,
  reshape,
  stack,
  tidy,
  treeLeaves,
  type PRNGKey,
  type Tensor,
} from '@gen-ts/core';
import { findGeNState } from '@gen-ts/gen';
import type { Checkpoint, DataPosition } from '../io/checkpoint.js';
import {
  stopOnNonFinite,
  type EvalLog,
  type FitCallback,
  type FitContext,
  type StepLog,
} from './callbacks.js';
import { evaluateObjective } from './evaluate.js';
import { resolveFit, type FitOptions } from './fit-options.js';
import { leafSet, Ownership } from './memory.js';
import { evalLine, Progress, type ProgressOutput } from './progress.js';
import { makeStep } from './step.js';

/** Per-step losses and rates, and the evaluations. `step[i]` is the step (1-based, absolute) of `loss[i]` and `lr[i]`. */
export interface FitHistory {
  readonly step: number[];
  readonly loss: number[];
  /** The rate of each update (NaN when the optimizer state holds none; see `StepLog.lr`). */
  readonly lr: number[];
  readonly evals: EvalLog[];
}

/** What `fit` returns: the trained params and states (now yours), where the run stands, and its history. */
export interface FitResult<P, S> {
  readonly params: P;
  readonly optState: S;
  readonly modelState: unknown;
  /** Steps completed (absolute). */
  readonly step: number;
  /** The position of the next training batch (what a checkpoint stores). */
  readonly data: DataPosition;
  readonly history: FitHistory;
  /** Why training stopped early (a callback's reason), if it did. */
  readonly stopReason?: string;
}

interface Pending {
  readonly log: Omit<StepLog, 'loss' | 'lr'>;
  /** A rate known on the host (`injectHyperparams`), or undefined when it is read from the device row. */
  readonly hostLr: number | undefined;
  readonly lrOnDevice: boolean;
}

/** `hyperparams.lr` of an `injectHyperparams` state anywhere in `state`, if any. */
function hostLearningRate(state: unknown, depth = 0): number | undefined {
  if (state === null || typeof state !== 'object' || depth > 8 || 'dtype' in state) return undefined;
  const h = (state as { hyperparams?: Record<string, unknown> }).hyperparams;
  if (h && typeof h['lr'] === 'number') return h['lr'];
  for (const v of Object.values(state)) {
    const lr = hostLearningRate(v, depth + 1);
    if (lr !== undefined) return lr;
  }
  return undefined;
}

const defaultOutput = (): ProgressOutput | undefined =>
  (globalThis as { process?: { stderr?: ProgressOutput } }).process?.stderr;

/**
 * Trains `params` with `optimizer` (default: GeN's recommended AdamW for this run's steps,
 * `genAdamW({ preset: 'auto', horizon })`) on the `train` batches for `epochs` or `steps`, and returns the
 * trained params, the states and the history. Give it a `lossFn(params, batch, ctx)`, or a `model`
 * layer with a `loss(output, y)` over `{ x, y }` batches. GeN probes the next batch by default
 * (`probe: 'own'` probes the gradient's own). The loop owns memory: on `@gen-ts/gpu` the live
 * buffers are back at their baseline after every step, with no disposal in your code.
 *
 * @example
 * ```ts
 * import { add, key, matmul, mean, square, sub, zeros, type Tensor } from '@gen-ts/core';
 * import { genSgd } from '@gen-ts/gen';
 * import { Dataset, fit, linearRegression } from '@gen-ts/nn';
 *
 * const { x, y } = linearRegression(key(0), { n: 256, features: 3, noise: 0.01 });
 * const train = Dataset.fromArrays({ x, y }).shuffle(key(1)).batch(32);
 * type P = { w: Tensor; b: Tensor };
 * const lossFn = (p: P, batch: { x: Tensor; y: Tensor }) => mean(square(sub(add(matmul(batch.x, p.w), p.b), batch.y)));
 * const params: P = { w: zeros([3, 1]), b: zeros([1]) };
 * // verbose: a progress bar on a terminal, plain lines in a log ('silent' here, to keep the docs' test quiet)
 * const { history } = await fit({ lossFn, params, optimizer: genSgd({ lr: 0.01 }), train, epochs: 20, verbose: 'silent' });
 * console.log(history.loss[0], history.loss.at(-1), history.lr.at(-1)); // the loss falls as GeN raises its rate
 * ```
 */
export async function fit<P, B, S>(options: FitOptions<P, B, S>): Promise<FitResult<P, S>> {
  const r = resolveFit(options);
  const { objective, o, total, probe, optimizer } = r;
  const train = o.train;
  const n = r.batchesPerEpoch;
  const own = new Ownership();
  let foreign: Set<Tensor>;
  let params: P;
  let optState: S;
  let modelState: unknown;
  let step = 0;
  let pos: DataPosition = { epoch: 0, index: 0 };
  let runKey: PRNGKey = r.key;

  if (o.resume !== undefined) {
    if (o.params !== undefined || o.optState !== undefined)
      throw new TypeError(
        "fit: with 'resume', params and optimizer state come from the checkpoint; leave out 'params' and 'optState'",
      );
    const fromFile = typeof o.resume === 'string';
    const ck: Checkpoint<P, S> = fromFile
      ? await (await import('../io/files.js')).loadCheckpoint<P, S>(o.resume as string)
      : (o.resume as Checkpoint<P, S>);
    if (ck.key !== undefined && o.key !== undefined && (ck.key.k0 !== o.key.k0 || ck.key.k1 !== o.key.k1))
      throw new Error(
        `fit: option 'key' (${o.key}) differs from the checkpoint's (${ck.key}); leave it out to resume`,
      );
    ({ params, optState } = ck);
    modelState = ck.modelState ?? o.modelState;
    runKey = ck.key ?? runKey;
    step = ck.step;
    pos = ck.data ?? { epoch: Math.floor(step / n), index: n === Infinity ? step : step % n };
    foreign = fromFile
      ? leafSet([o.modelState])
      : leafSet([ck.params, ck.optState, ck.modelState, o.modelState]);
    own.adopt([params, optState, modelState], foreign);
  } else {
    params = o.params as P;
    modelState = o.modelState;
    foreign = leafSet([params, modelState, o.optState]);
    optState = o.optState ?? optimizer.init(params);
    own.adopt([optState], foreign);
  }
  const backend = treeLeaves(params)[0]?.backend;
  if (backend === undefined) throw new TypeError('fit: params hold no tensors');

  const readEvery = o.readEvery ?? (backend.readSync ? 1 : 10);
  const verbose = o.verbose ?? 'auto';
  const out = o.output ?? defaultOutput();
  const mode = verbose === 'auto' ? (out?.isTTY ? 'bar' : 'lines') : verbose;
  const epochs = o.epochs ?? (n === Infinity ? Infinity : Math.ceil(total / n));
  const logEvery = o.logEvery ?? Math.max(1, Math.round((n === Infinity ? total : n) / 10));
  const progress = new Progress(out, mode, logEvery, o.now ?? (() => performance.now()), step);
  const callbacks: FitCallback[] = [
    ...(o.stopOnNonFinite === false ? [] : [stopOnNonFinite()]),
    ...(o.callbacks ?? []),
  ];
  const history: FitHistory = { step: [], loss: [], lr: [], evals: [] };
  let stopReason: string | undefined;
  const ctx: FitContext = {
    stop: (reason) => {
      stopReason ??= reason;
    },
    log: (text) => progress.line(text),
    get params() {
      return params;
    },
    get optState() {
      return optState;
    },
  };

  const stepFn = makeStep(objective, optimizer, probe);
  const advance = (p: DataPosition): DataPosition =>
    p.index + 1 >= n ? { epoch: p.epoch + 1, index: 0 } : { epoch: p.epoch, index: p.index + 1 };
  const fetch = (p: DataPosition) => ({ pos: p, batch: train.at(p.index, p.epoch) });
  let current = step < total ? fetch(pos) : undefined;
  let lookahead = current && probe === 'fresh' ? fetch(advance(pos)) : undefined;
  let acc: Tensor | undefined; // [k, 2]: loss and rate of the steps not read back yet
  let pending: Pending[] = [];
  let lastLoss = NaN;

  const flush = async (): Promise<void> => {
    if (acc === undefined) return;
    const values = await acc.data();
    own.release(acc);
    acc = undefined;
    const rows = pending;
    pending = [];
    for (const [i, p] of rows.entries()) {
      const log: StepLog = {
        ...p.log,
        loss: values[2 * i]!,
        lr: p.hostLr ?? (p.lrOnDevice ? values[2 * i + 1]! : NaN),
      };
      lastLoss = log.loss;
      history.step.push(log.step);
      history.loss.push(log.loss);
      history.lr.push(log.lr);
      progress.step({
        done: log.step,
        total,
        epoch: log.epoch,
        batch: log.batch,
        batchesPerEpoch: n,
        epochs,
        loss: log.loss,
        lr: log.lr,
      });
      for (const c of callbacks) await c.onStepEnd?.(log, ctx);
    }
  };
  const evaluateNow = async (epoch: number): Promise<void> => {
    if (o.validation === undefined) return;
    const metrics = await evaluateObjective(objective, params, modelState, o.validation, r.metrics, runKey);
    const log: EvalLog = { step, epoch, metrics };
    history.evals.push(log);
    progress.line(evalLine(step, epoch, metrics));
    for (const c of callbacks) await c.onEvalEnd?.(log, ctx);
  };
  const save = async (): Promise<void> => {
    const { saveCheckpoint } = await import('../io/files.js');
    await saveCheckpoint(o.checkpoint!.path, {
      params,
      optState,
      ...(modelState !== undefined ? { modelState } : {}),
      key: runKey,
      step,
      data: pos,
    });
  };

  while (step < total && stopReason === undefined) {
    const batch = current!;
    const k = foldIn(runKey, step);
    const next = tidy(() => {
      const s = stepFn(params, optState, modelState, batch.batch, lookahead?.batch, k);
      const lr = findGeNState(s.optState)?.lr;
      const row = reshape(stack([s.loss, lr ? cast(lr, s.loss.dtype) : s.loss]), [1, 2]);
      // the loss itself is not returned: tidy releases it, its value lives on in the row
      return {
        params: s.params,
        optState: s.optState,
        modelState: s.modelState,
        acc: acc === undefined ? row : concat([acc, row], 0),
        lrOnDevice: lr !== undefined,
      };
    });
    own.replace(
      [params, optState, modelState, acc],
      [next.params, next.optState, next.modelState, next.acc],
      foreign,
    );
    ({ params, optState, modelState } = next);
    acc = next.acc;
    pending.push({
      log: { step: step + 1, epoch: batch.pos.epoch, batch: batch.pos.index },
      hostLr: next.lrOnDevice ? undefined : hostLearningRate(optState),
      lrOnDevice: next.lrOnDevice,
    });
    for (const l of treeLeaves(batch.batch)) l.dispose();
    step++;
    pos = advance(pos);
    current = step < total ? (lookahead ?? fetch(pos)) : lookahead;
    lookahead = step < total && probe === 'fresh' ? fetch(advance(pos)) : undefined;

    const evalDue = o.validation !== undefined && (step % r.evalEvery === 0 || step === total);
    const saveDue = o.checkpoint !== undefined && (step % o.checkpoint.every === 0 || step === total);
    if (pending.length >= readEvery || evalDue || saveDue) await flush();
    if (stopReason !== undefined) break;
    if (evalDue) await evaluateNow(batch.pos.epoch);
    if (saveDue && stopReason === undefined) await save();
  }
  await flush();
  // a run stopped by a callback saves where it stopped, unless the loss went non-finite (that state is not worth resuming)
  if (o.checkpoint !== undefined && stopReason !== undefined && Number.isFinite(lastLoss)) await save();
  if (stopReason !== undefined) progress.line(`fit: stopped: ${stopReason}`);
  progress.finish();
  for (const c of callbacks) await c.onTrainEnd?.(ctx);
  for (const b of [current, lookahead]) if (b) for (const l of treeLeaves(b.batch)) l.dispose();
  own.disown([params, optState, modelState]);
  return {
    params,
    optState,
    modelState,
    step,
    data: pos,
    history,
    ...(stopReason !== undefined ? { stopReason } : {}),
  };
}
