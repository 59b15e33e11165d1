/**
 * One training task's results, grouped the way the report reads them: untuned GeN from each
 * initial rate, the grids (first seed, chosen on validation), the tuned schedules over all seeds,
 * the peers, and the verdicts.
 */
import { BASES, GEN_VARIANTS, type Base, type GenVariantId, type MethodSpec } from '../methods.js';
import { bestOfGrid } from '../plan.js';
import type { RunResult } from '../run.js';
import type { TaskId, TaskPlan } from '../sizes.js';
import { summarize, summarizeAll, type MethodSummary } from './summary.js';
import { scoringFor, verdicts, type Scoring, type Verdict } from './verdict.js';

export interface TaskMeta {
  readonly id: TaskId;
  readonly title: string;
  readonly about: string;
  readonly metric: 'accuracy' | 'perplexity';
  readonly plan: TaskPlan;
}

export interface Tuned {
  readonly base: Base;
  readonly kind: 'constant' | 'cosine';
  readonly summary: MethodSummary;
  /** The chosen rate is the grid's smallest or largest: a better one may lie beyond it. */
  readonly atEdge?: 'smallest' | 'largest';
}

export interface TaskAnalysis {
  readonly meta: TaskMeta;
  readonly scoring: Scoring;
  readonly seeds: readonly number[];
  /** GeN at its rule's own phi and probe setting, from every initial rate and variant. */
  readonly gen: readonly MethodSummary[];
  /** Every grid run (first seed only), by base and kind. */
  readonly grid: readonly MethodSummary[];
  readonly tuned: readonly Tuned[];
  readonly peers: readonly MethodSummary[];
  readonly verdicts: readonly Verdict[];
}

/** GeN summaries of one variant and base, by initial rate. */
export const genOf = (a: TaskAnalysis, variant: GenVariantId, base: Base): MethodSummary[] =>
  a.gen.filter((s) => s.method.kind === 'gen' && s.method.variant === variant && s.method.base === base);

export const tunedOf = (
  a: TaskAnalysis,
  base: Base,
  kind: 'constant' | 'cosine',
): MethodSummary | undefined => a.tuned.find((t) => t.base === base && t.kind === kind)?.summary;

/** Groups a task's runs (horizon 1). */
export function analyzeTask(
  meta: TaskMeta,
  all: readonly RunResult[],
  seeds: readonly number[],
): TaskAnalysis {
  const runs = all.filter((r) => r.spec.task === meta.id && (r.spec.horizon ?? 1) === 1);
  const m = (r: RunResult) => r.spec.method;
  // the task's own GeN runs: the rule's own phi and probe setting, the initial rates its plan lists (the
  // Phi and probe studies add runs of the same task that are not part of this comparison)
  const variants = Object.keys(GEN_VARIANTS);
  const ownGen = (x: MethodSpec) =>
    x.kind === 'gen' &&
    x.phi === undefined &&
    x.probe === GEN_VARIANTS[x.variant].probe &&
    (meta.plan.genLr0[x.base] ?? []).includes(x.lr0);
  const gen = summarizeAll(runs.filter((r) => ownGen(m(r)))).sort((a, b) => {
    const [x, y] = [a.method, b.method] as Extract<MethodSpec, { kind: 'gen' }>[];
    return (
      BASES.indexOf(x!.base) - BASES.indexOf(y!.base) ||
      variants.indexOf(x!.variant) - variants.indexOf(y!.variant) ||
      x!.lr0 - y!.lr0
    );
  });
  const scheduled = runs.filter((r) => m(r).kind === 'constant' || m(r).kind === 'cosine');
  const kinds = ['constant', 'cosine'];
  const grid = summarizeAll(scheduled.filter((r) => r.spec.seed === seeds[0])).sort((a, b) => {
    const [x, y] = [a.method, b.method] as Extract<MethodSpec, { kind: 'constant' | 'cosine' }>[];
    return (
      BASES.indexOf(x!.base) - BASES.indexOf(y!.base) ||
      kinds.indexOf(x!.kind) - kinds.indexOf(y!.kind) ||
      x!.lr - y!.lr
    );
  });
  const tuned: Tuned[] = [];
  for (const base of meta.plan.bases)
    for (const kind of meta.plan.schedules) {
      const g = grid.filter((s) => s.method.kind === kind && (s.method as { base: Base }).base === base);
      if (g.length === 0) continue;
      const best = bestOfGrid(
        g.map((s) => s.runs[0]!),
        meta.metric === 'accuracy',
      ).spec.method as { lr: number };
      const same = scheduled.filter(
        (r) =>
          m(r).kind === kind &&
          (m(r) as { base: Base }).base === base &&
          (m(r) as { lr: number }).lr === best.lr,
      );
      const rates = meta.plan.grid[base] ?? [];
      const atEdge =
        rates.length > 1 && best.lr === Math.max(...rates)
          ? ('largest' as const)
          : rates.length > 1 && best.lr === Math.min(...rates)
            ? ('smallest' as const)
            : undefined;
      tuned.push({ base, kind, summary: summarize(same), ...(atEdge ? { atEdge } : {}) });
    }
  const peerOrder = (x: MethodSpec) => (x.kind === 'peer' ? meta.plan.peers.indexOf(x.peer) : -1);
  const peers = summarizeAll(runs.filter((r) => peerOrder(m(r)) >= 0)).sort(
    (a, b) => peerOrder(a.method) - peerOrder(b.method),
  );
  const scoring = scoringFor(meta.metric);
  const result = { meta, scoring, seeds, gen, grid, tuned, peers, verdicts: [] as Verdict[] };
  result.verdicts = verdicts(gen, (base) => tunedOf(result, base as Base, 'cosine'), peers, scoring);
  return result;
}
