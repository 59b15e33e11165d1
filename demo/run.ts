/**
 * One training run: a task, a method and a seed, trained by `@gen-ts/nn`'s `fit`. The seed draws
 * the initialisation and the batch order, so every method sees the same start and the same
 * batches per seed. Evaluation (validation and test, at evenly spaced points) happens in a
 * callback and is excluded from the timings; the params evaluated are the method's own estimate
 * (schedule-free's averaged iterate, the weights otherwise).
 */
import { key, treeLeaves } from '@gen-ts/core';
import { findGeNState, scheduleFreeEvalParams } from '@gen-ts/gen';
import { evaluate, fit, type Dataset, type FitCallback, type XY } from '@gen-ts/nn';
import { disposeExcept } from './dispose.js';
import { evalParamsOf, makeOptimizer, probeOf, type MethodSpec } from './methods.js';
import type { Size, TaskId } from './sizes.js';
import { getTask } from './tasks/index.js';
import type { Task } from './tasks/task.js';

/** A run to make. */
export interface RunSpec {
  readonly task: TaskId;
  readonly size: Size;
  readonly method: MethodSpec;
  readonly seed: number;
  /** Multiplies the task's horizon (the probe-policy study trains longer). Default 1. */
  readonly horizon?: number;
}

/** The state of a run at one evaluation point. */
export interface EvalPoint {
  /** Steps taken. */
  readonly step: number;
  /** Mean minibatch loss of the steps since the previous point (NaN at step 0). */
  readonly trainLoss: number;
  readonly valLoss: number;
  readonly valMetric: number;
  readonly testLoss: number;
  readonly testMetric: number;
  /** GeN's probe steps since the previous point, and how many of their fits it accepted. */
  readonly probes: number;
  readonly accepted: number;
}

/** What a run measured. */
export interface RunResult {
  readonly spec: RunSpec;
  readonly steps: number;
  /** Steps per epoch. */
  readonly epochSteps: number;
  readonly points: readonly EvalPoint[];
  /** The rate each update applied (GeN's), every `lrEvery` steps; empty for other methods. */
  readonly lr: readonly number[];
  readonly lrEvery: number;
  /** Seconds of training (evaluation excluded): wall clock and this process's CPU time. */
  readonly seconds: number;
  readonly cpuSeconds: number;
  /** Why training stopped early (a non-finite loss), if it did. */
  readonly stopped?: string;
}

/** At most this many rate samples per run (the charts need no more). */
const LR_SAMPLES = 240;

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function evalOn(task: Task, params: unknown, data: Dataset<XY>): Promise<[number, number]> {
  const fn = task.metric.fn;
  const m = await evaluate({
    model: task.model,
    loss: task.loss,
    params,
    data,
    ...(fn ? { metrics: { metric: fn } } : {}),
  });
  const loss = m['loss']!;
  return [loss, fn ? m['metric']! : Math.exp(loss)];
}

/** Trains one run; `progress(done, total)` is called every few steps. */
export async function train(
  spec: RunSpec,
  progress: (done: number, total: number) => void = () => {},
): Promise<RunResult> {
  const task = getTask(spec.task, spec.size);
  const plan = task.plan;
  const batches = task.train.shuffle(key(2000 + spec.seed)).batch(plan.batch, { dropRemainder: true });
  const steps = Math.round((plan.steps ?? plan.epochs * batches.length) * (spec.horizon ?? 1));
  // a longer horizon gets proportionally more evaluation points
  const evalEvery = Math.max(1, Math.floor(steps / Math.round(plan.evals * (spec.horizon ?? 1))));
  const { params } = task.model.init(key(1000 + spec.seed), [...task.inputShape]);
  const optimizer = makeOptimizer(spec.method, { steps });
  const averaged = evalParamsOf(spec.method);

  const points: EvalPoint[] = [];
  let lossSum = 0;
  let lossCount = 0;
  let probes = 0;
  let accepted = 0;
  let evalWall = 0;
  let evalCpu = 0;
  const point = async (step: number, p: unknown, optState: unknown) => {
    const [w0, c0] = [performance.now(), cpuNow()];
    const at = averaged && optState !== undefined ? scheduleFreeEvalParams(optState, p) : p;
    const [valLoss, valMetric] = await evalOn(task, at, task.validation);
    const [testLoss, testMetric] = await evalOn(task, at, task.test);
    if (at !== p) for (const t of treeLeaves(at)) t.dispose();
    points.push({
      step,
      trainLoss: lossCount ? lossSum / lossCount : NaN,
      valLoss,
      valMetric,
      testLoss,
      testMetric,
      probes,
      accepted,
    });
    [lossSum, lossCount, probes, accepted] = [0, 0, 0, 0];
    evalWall += performance.now() - w0;
    evalCpu += cpuNow() - c0;
  };

  const watch: FitCallback = {
    onStepEnd: async (log, ctx) => {
      lossSum += log.loss;
      lossCount++;
      const g = findGeNState(ctx.optState);
      if (g && g.fit.step === g.count - 1) {
        probes++;
        if ((await g.fit.accepted.data())[0]) accepted++;
      }
      if (log.step % evalEvery === 0 || log.step === steps) await point(log.step, ctx.params, ctx.optState);
      if (log.step % 8 === 0) progress(log.step, steps);
    },
  };

  await point(0, params, undefined);
  // the timings subtract the evaluations made during training only
  [evalWall, evalCpu] = [0, 0];
  const [w0, c0] = [performance.now(), cpuNow()];
  const r = await fit({
    model: task.model,
    loss: task.loss,
    params,
    optimizer,
    train: batches,
    steps,
    probe: probeOf(spec.method),
    key: key(3000 + spec.seed),
    verbose: 'silent',
    readEvery: 1,
    callbacks: [watch],
  });
  const seconds = (performance.now() - w0 - evalWall) / 1000;
  const cpuSeconds = cpuNow() - c0 - evalCpu;
  // a run stopped early gets its last point where it stopped
  if (r.stopReason !== undefined && points.at(-1)!.step !== r.step) await point(r.step, r.params, r.optState);
  disposeExcept(params, r.params, r.optState);
  disposeExcept([r.params, r.optState]);
  progress(steps, steps);

  const lrEvery = Math.max(1, Math.ceil(r.history.lr.length / LR_SAMPLES));
  const lr = r.history.lr.every(Number.isNaN) ? [] : r.history.lr.filter((_, i) => i % lrEvery === 0);
  return {
    spec,
    steps,
    epochSteps: batches.length,
    points,
    lr,
    lrEvery,
    seconds,
    cpuSeconds,
    ...(r.stopReason !== undefined ? { stopped: r.stopReason } : {}),
  };
}
