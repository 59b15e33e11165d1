/**
 * What the demo runs: the job graph for the chosen studies, sizes and seeds. Grid runs (constant
 * and cosine schedules at each rate) are made on the first seed; the rate with the best validation
 * metric is then run on the other seeds, so the tuned schedules' spread is over the same seeds as
 * everything else. Identical runs asked for by two studies (the Phi sweep's phi 4 is the MLP's
 * GeN run) are made once.
 */
import type { JobResult, JobSpec } from './jobs.js';
import {
  GEN_VARIANTS,
  PEER_IDS,
  methodId,
  type Base,
  type GenVariantId,
  type MethodSpec,
} from './methods.js';
import type { RunResult, RunSpec } from './run.js';
import { SIZES, type Size, type StudyId, type TaskId } from './sizes.js';

/** A job in the graph: its id, a cost estimate (core-seconds), what it waits for and its spec. */
export interface PlannedJob {
  readonly id: string;
  readonly cost: number;
  readonly deps: readonly string[];
  /** A spec, or how to make it from the finished dependencies. */
  readonly spec: JobSpec | ((done: ReadonlyMap<string, JobResult>) => JobSpec);
  /** A short description for the progress line. */
  readonly label: string;
}

export interface PlanOptions {
  readonly size: Size;
  readonly studies: readonly StudyId[];
  readonly seeds: readonly number[];
  /** GeN configurations to run (default: all of `GEN_VARIANTS`). */
  readonly variants?: readonly GenVariantId[];
}

/** Estimated core-milliseconds per training step on an idle core (measured; only orders the work). */
const STEP_MS: Readonly<Record<TaskId, number>> = { mlp: 6, cnn: 30, char: 50 };

export const runId = (r: RunSpec): string =>
  `${r.task}|${methodId(r.method)}|seed ${r.seed}${r.horizon && r.horizon !== 1 ? `|x${r.horizon}` : ''}`;

/** Steps a run of `task` takes at `size` (times `horizon`). */
export function runSteps(task: TaskId, size: Size, horizon = 1): number {
  const s = SIZES[size];
  const p = s[task];
  if (p.steps !== undefined) return Math.round(p.steps * horizon);
  const train = task === 'cnn' ? s.cnn.mnist.train : s.mnist.train;
  return Math.round(Math.floor(train / p.batch) * p.epochs * horizon);
}

/** The grid run whose rate won on validation (the first seed), by the task's metric; ties to the lower loss. */
export function bestOfGrid(runs: readonly RunResult[], higherIsBetter: boolean): RunResult {
  const score = (r: RunResult) => {
    const last = r.points.at(-1)!;
    const m = last.valMetric;
    // a run that diverged (or stopped) ranks below every finished one
    if (r.stopped !== undefined || !Number.isFinite(m) || !Number.isFinite(last.valLoss)) return -Infinity;
    return higherIsBetter ? m : -m;
  };
  return [...runs].sort(
    (a, b) => score(b) - score(a) || a.points.at(-1)!.valLoss - b.points.at(-1)!.valLoss,
  )[0]!;
}

/** Builds the job graph. */
export function plan(o: PlanOptions): PlannedJob[] {
  const jobs = new Map<string, PlannedJob>();
  const seeds = o.seeds;
  const variants = o.variants ?? (Object.keys(GEN_VARIANTS) as GenVariantId[]);
  const cost = (r: RunSpec) =>
    (runSteps(r.task, r.size, r.horizon) * STEP_MS[r.task] * (r.method.kind === 'gen' ? 1.3 : 1)) / 1000;
  const addRun = (r: RunSpec, label: string): string => {
    const id = runId(r);
    if (!jobs.has(id)) jobs.set(id, { id, cost: cost(r), deps: [], spec: { kind: 'train', run: r }, label });
    return id;
  };
  const size = o.size;
  const gen = (
    base: Base,
    variant: GenVariantId,
    lr0: number,
    phi?: number,
    probe: 'fresh' | 'own' = GEN_VARIANTS[variant].probe,
  ): MethodSpec => ({
    kind: 'gen',
    base,
    variant,
    lr0,
    ...(phi !== undefined ? { phi } : {}),
    probe,
  });

  for (const task of ['mlp', 'cnn', 'char'] as const) {
    if (!o.studies.includes(task)) continue;
    const p = SIZES[size][task];
    const higher = task !== 'char';
    for (const base of p.bases) {
      for (const variant of variants)
        for (const lr0 of p.genLr0[base] ?? [])
          for (const seed of seeds)
            addRun({ task, size, seed, method: gen(base, variant, lr0) }, `${task} GeN ${base} ${lr0}`);
      for (const kind of p.schedules) {
        const grid = (p.grid[base] ?? []).map((lr) =>
          addRun(
            { task, size, seed: seeds[0]!, method: { kind, base, lr } },
            `${task} ${base} ${kind} ${lr}`,
          ),
        );
        for (const seed of seeds.slice(1)) {
          const id = `${task}|tuned ${kind}/${base}|seed ${seed}`;
          jobs.set(id, {
            id,
            cost: cost({ task, size, seed, method: { kind, base, lr: 1 } }),
            deps: grid,
            label: `${task} tuned ${base} ${kind}`,
            spec: (done) => {
              const runs = grid.map((g) => (done.get(g) as { run: RunResult }).run);
              const best = bestOfGrid(runs, higher).spec.method;
              return { kind: 'train', run: { task, size, seed, method: best } };
            },
          });
        }
      }
    }
    for (const peer of p.peers.filter((x) => PEER_IDS.includes(x)))
      for (const seed of seeds)
        addRun({ task, size, seed, method: { kind: 'peer', peer } }, `${task} ${peer}`);
  }

  if (o.studies.includes('phi')) {
    const s = SIZES[size].phi;
    for (const base of SIZES[size].mlp.bases)
      for (const phi of s.phis)
        for (const seed of seeds)
          // the rule's own phi is the task's GeN run
          addRun(
            {
              task: 'mlp',
              size,
              seed,
              method: gen(base, 'paper', s.lr0, phi === GEN_VARIANTS.paper.phi ? undefined : phi),
            },
            `phi ${phi} ${base}`,
          );
    jobs.set('speed', {
      id: 'speed',
      cost: 30 * (size === 'full' ? 1 : 0.1),
      deps: [],
      spec: { kind: 'speed', size },
      label: 'step times',
    });
  }
  if (o.studies.includes('probe')) {
    const s = SIZES[size].probe;
    for (const base of SIZES[size].mlp.bases)
      for (const probe of ['fresh', 'own'] as const)
        for (const seed of seeds)
          addRun(
            {
              task: 'mlp',
              size,
              seed,
              horizon: s.epochsScale,
              method: gen(base, 'paper', s.lr0, undefined, probe),
            },
            `probe ${probe} ${base}`,
          );
  }
  if (o.studies.includes('quadratic'))
    jobs.set('quadratic', {
      id: 'quadratic',
      cost: 3,
      deps: [],
      spec: { kind: 'quadratic', size },
      label: 'quadratic checks',
    });
  return [...jobs.values()];
}
