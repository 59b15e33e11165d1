/**
 * From runs to what the report shows: per method, statistics over seeds (mean, standard deviation,
 * min and max) of the final numbers, curves with their spread, GeN's rate trace, and which runs
 * ran away or diverged.
 */
import { methodId, type MethodSpec } from '../methods.js';
import type { EvalPoint, RunResult } from '../run.js';

/** A number over seeds. */
export interface Stat {
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/** A curve over seeds: the mean where every seed has a finite value, the min and max of those that do. */
export interface Band {
  readonly x: readonly number[];
  readonly mean: readonly number[];
  readonly lo: readonly number[];
  readonly hi: readonly number[];
}

export function stat(values: readonly number[]): Stat {
  const n = values.length;
  if (n === 0) return { mean: NaN, sd: NaN, min: NaN, max: NaN, n: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, min: Math.min(...values), max: Math.max(...values), n };
}

/** The band of `ys[seed][i]` over seeds at `x[i]`. */
export function band(x: readonly number[], ys: readonly (readonly number[])[]): Band {
  const mean: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  x.forEach((_, i) => {
    const v = ys.map((y) => y[i] ?? NaN);
    const ok = v.filter(Number.isFinite);
    mean.push(ok.length === v.length && ok.length > 0 ? ok.reduce((s, a) => s + a, 0) / ok.length : NaN);
    lo.push(ok.length ? Math.min(...ok) : NaN);
    hi.push(ok.length ? Math.max(...ok) : NaN);
  });
  return { x, mean, lo, hi };
}

/** How a run's training went wrong, if it did. */
export interface RunHealth {
  /** Stopped at a non-finite loss. */
  readonly diverged: boolean;
  /**
   * Ran away: the mean training loss of its last evaluation interval is at least 25% above the
   * lowest interval mean, while GeN accepted at least half of its fits after that lowest point (the
   * probes kept saying the step was good while training got worse).
   */
  readonly ranAway: boolean;
  /** The training loss rose 25% above its lowest interval mean by the end (whatever the probes said). */
  readonly rose: boolean;
  /** The last interval's mean training loss over the lowest one (1 when the last is the lowest). */
  readonly rise: number;
}

export const RUNAWAY_RISE = 1.25;

export function health(r: RunResult): RunHealth {
  const pts = r.points.filter((p) => Number.isFinite(p.trainLoss));
  const diverged = r.stopped !== undefined;
  if (pts.length < 2) return { diverged, ranAway: false, rose: false, rise: pts.length ? 1 : NaN };
  let k = 0;
  pts.forEach((p, i) => {
    if (p.trainLoss < pts[k]!.trainLoss) k = i;
  });
  const rise = pts.at(-1)!.trainLoss / pts[k]!.trainLoss;
  const rose = rise >= RUNAWAY_RISE;
  const after = pts.slice(k + 1);
  const probes = after.reduce((s, p) => s + p.probes, 0);
  const accepted = after.reduce((s, p) => s + p.accepted, 0);
  return { diverged, rose, rise, ranAway: rose && probes > 0 && accepted >= 0.5 * probes };
}

/** Everything the report says about one method (over its seeds). */
export interface MethodSummary {
  readonly id: string;
  readonly method: MethodSpec;
  readonly runs: readonly RunResult[];
  readonly final: {
    readonly valMetric: Stat;
    readonly valLoss: Stat;
    readonly testMetric: Stat;
    readonly testLoss: Stat;
    /** Mean minibatch loss of the last evaluation interval. */
    readonly trainLoss: Stat;
    readonly seconds: Stat;
    readonly cpuSeconds: Stat;
  };
  readonly curves: {
    /** Steps of the evaluation points, and the same in epochs. */
    readonly steps: readonly number[];
    readonly epochs: readonly number[];
    readonly testMetric: Band;
    readonly valLoss: Band;
    readonly trainLoss: Band;
  };
  /** GeN's rate against steps (empty for other methods). */
  readonly lr?: Band;
  /** Fraction of GeN's fits accepted over the whole run (NaN for other methods). */
  readonly acceptance: number;
  readonly diverged: number;
  readonly ranAway: number;
  readonly rose: number;
}

const last = (r: RunResult): EvalPoint => r.points.at(-1)!;

/** Summarises the runs of one method (all seeds); throws if `runs` is empty or mixes methods. */
export function summarize(runs: readonly RunResult[]): MethodSummary {
  if (runs.length === 0) throw new Error('summarize: no runs');
  const id = methodId(runs[0]!.spec.method);
  if (runs.some((r) => methodId(r.spec.method) !== id))
    throw new Error(`summarize: runs of several methods (${id})`);
  const longest = runs.reduce((a, b) => (b.points.length > a.points.length ? b : a));
  const steps = longest.points.map((p) => p.step);
  const along = (f: (p: EvalPoint) => number) =>
    band(
      steps,
      runs.map((r) => steps.map((s) => f(r.points.find((p) => p.step === s) ?? ({} as EvalPoint)) ?? NaN)),
    );
  const finals = (f: (p: EvalPoint) => number) => stat(runs.map((r) => f(last(r))));
  const lrRuns = runs.filter((r) => r.lr.length > 0);
  const lr =
    lrRuns.length > 0
      ? band(
          lrRuns[0]!.lr.map((_, i) => i * lrRuns[0]!.lrEvery + 1),
          lrRuns.map((r) => r.lr),
        )
      : undefined;
  const probes = runs.reduce((s, r) => s + r.points.reduce((t, p) => t + p.probes, 0), 0);
  const accepted = runs.reduce((s, r) => s + r.points.reduce((t, p) => t + p.accepted, 0), 0);
  const h = runs.map(health);
  return {
    id,
    method: runs[0]!.spec.method,
    runs,
    final: {
      valMetric: finals((p) => p.valMetric),
      valLoss: finals((p) => p.valLoss),
      testMetric: finals((p) => p.testMetric),
      testLoss: finals((p) => p.testLoss),
      trainLoss: finals((p) => p.trainLoss),
      seconds: stat(runs.map((r) => r.seconds)),
      cpuSeconds: stat(runs.map((r) => r.cpuSeconds)),
    },
    curves: {
      steps,
      epochs: steps.map((s) => s / longest.epochSteps),
      testMetric: along((p) => p.testMetric),
      valLoss: along((p) => p.valLoss),
      trainLoss: along((p) => p.trainLoss),
    },
    ...(lr ? { lr } : {}),
    acceptance: probes > 0 ? accepted / probes : NaN,
    diverged: h.filter((x) => x.diverged).length,
    ranAway: h.filter((x) => x.ranAway).length,
    rose: h.filter((x) => x.rose).length,
  };
}

/** Groups runs by method (keeping first-seen order) and summarises each group. */
export function summarizeAll(runs: readonly RunResult[]): MethodSummary[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) {
    const id = methodId(r.spec.method);
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  return [...groups.values()].map(summarize);
}
