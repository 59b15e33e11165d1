/**
 * The whole report from the finished jobs: an overview of the verdicts across tasks, one section
 * per task and study, and how the run was made (machine, load, times, failures).
 */
import { analyzeTask, type TaskAnalysis, type TaskMeta } from '../analysis/task.js';
import { score } from '../analysis/verdict.js';
import type { DemoOptions } from '../cli.js';
import type { JobResult } from '../jobs.js';
import { GEN_VARIANTS, methodLabel } from '../methods.js';
import type { PlannedJob } from '../plan.js';
import type { Outcome } from '../pool.js';
import type { QuadraticResult } from '../quadratic.js';
import type { RunResult } from '../run.js';
import { SIZES, type TaskId } from '../sizes.js';
import type { SpeedResult } from '../speed.js';
import { fmtComparison, fmtStat } from './format.js';
import { list, p, table, type Block, type Report, type Section } from './model.js';
import { phiSection, probeSection, quadraticSection } from './studies.js';
import { label, taskSection } from './task-section.js';

/** Each rule as the report's first paragraph introduces it. */
const RULE_INTRO: Readonly<Record<keyof typeof GEN_VARIANTS, string>> = {
  paper: "the authors' rule: their Algorithm 1 with their code's defaults",
  auto: "this library's recommended configuration, preset 'auto'",
};

/** What the run was, for the report's last section. */
export interface RunInfo {
  readonly command: string;
  readonly started: string;
  readonly wallSeconds: number;
  readonly load: readonly [number, number];
  readonly machine: string;
  readonly node: string;
}

export interface Finished {
  readonly options: DemoOptions;
  readonly jobs: readonly PlannedJob[];
  readonly outcomes: ReadonlyMap<string, Outcome>;
  readonly info: RunInfo;
  /** Task descriptions (built where the data is). */
  readonly metas: Readonly<Partial<Record<TaskId, TaskMeta>>>;
}

const results = (f: Finished): JobResult[] =>
  [...f.outcomes.values()].flatMap((o) => (o.ok ? [o.result] : []));
const runsOf = (f: Finished): RunResult[] => results(f).flatMap((r) => (r.kind === 'train' ? [r.run] : []));

function overview(analyses: readonly TaskAnalysis[]): Block[] {
  const rows = analyses.flatMap((a) =>
    a.verdicts.map((v) => {
      const g = v.gen.method as { variant: keyof typeof GEN_VARIANTS };
      return [
        a.meta.title,
        methodLabel(v.gen.method),
        GEN_VARIANTS[g.variant].label,
        fmtStat(score(v.gen, a.scoring), a.scoring.metric === 'accuracy' ? 2 : 3),
        `${label(v.cosine.against, a)}: ${fmtStat(score(v.cosine.against, a.scoring), a.scoring.metric === 'accuracy' ? 2 : 3)}`,
        fmtComparison(v.cosine, a.scoring),
        `${v.peers.filter((c) => c.outcome === 'better').length} / ${v.peers.filter((c) => c.outcome === 'matches').length} / ${v.peers.filter((c) => c.outcome === 'worse').length}`,
      ];
    }),
  );
  return [
    p(
      'Every GeN run below is untuned: it starts from the initial rate shown and finds its own. The schedules it is compared with were tuned on a validation split (a grid of rates on the first seed, the best then run on every seed); the scores are on the test split. Accuracy scores are in %, language-model scores are minus the test loss in nats per character.',
    ),
    table(
      'overview',
      'Where untuned GeN lands: every task, every initial rate',
      [
        'task',
        'GeN run',
        'rule',
        'score, mean (min-max)',
        'tuned cosine',
        'GeN minus cosine',
        'peers beaten / matched / above GeN',
      ],
      rows,
    ),
  ];
}

function details(f: Finished): Section {
  const failed = [...f.outcomes.entries()].filter(([, o]) => !o.ok) as [
    string,
    Extract<Outcome, { ok: false }>,
  ][];
  const ok = [...f.outcomes.values()].filter((o) => o.ok) as Extract<Outcome, { ok: true }>[];
  const jobSeconds = ok.reduce((s, o) => s + o.seconds, 0);
  const jobCpu = ok.reduce((s, o) => s + o.cpuSeconds, 0);
  const cpu = runsOf(f).reduce((s, r) => s + r.cpuSeconds, 0);
  const longest = Math.max(0, ...ok.map((o) => o.cpuSeconds));
  const cores = Math.max(1, f.options.workers);
  const i = f.info;
  const o = f.options;
  return {
    id: 'details',
    title: 'How this report was made',
    blocks: [
      list([
        `command: \`${i.command}\``,
        `started ${i.started}; ${(i.wallSeconds / 60).toFixed(1)} min wall clock; ${f.jobs.length} jobs on ${o.workers} worker process(es), ${(jobSeconds / 60).toFixed(1)} min of job time`,
        `CPU time: ${(jobCpu / 60).toFixed(1)} min in the jobs (training steps ${(cpu / 60).toFixed(1)} min, the rest evaluation and setup); over ${cores} idle core(s) that is about ${(Math.max(jobCpu / cores, longest) / 60).toFixed(1)} min, an estimate of this run's wall time on a machine with nothing else running`,
        `machine: ${i.machine}; Node ${i.node}; load average ${i.load[0].toFixed(2)} at the start, ${i.load[1].toFixed(2)} at the end`,
        `backend: ${o.backend} (float32) for training; the quadratic checks in float64 on cpu`,
        `size: ${o.size}; seeds ${o.seeds.join(', ')}; GeN rules: ${o.variants.map((v) => GEN_VARIANTS[v].label).join(', ')}`,
        ...Object.values(f.metas).map(
          (m) =>
            `${m!.title}: ${m!.about}; batch ${m!.plan.batch}, ${m!.plan.steps !== undefined ? `${m!.plan.steps} steps` : `${m!.plan.epochs} epochs`}`,
        ),
        'timings are training steps only (evaluation excluded); on a shared machine wall time counts the queue too, CPU time does not',
      ]),
      ...(failed.length
        ? [
            table(
              'failures',
              'Jobs that failed',
              ['job', 'error'],
              failed.map(([id, x]) => [id, x.error.split('\n')[0]!]),
            ),
          ]
        : [p('Every job finished.')]),
      p(
        `GeN rules: ${Object.values(GEN_VARIANTS)
          .map((v) => `${v.label}: ${v.about}`)
          .join('; ')}.`,
      ),
    ],
  };
}

export function buildReport(f: Finished): Report {
  const runs = runsOf(f);
  const size = SIZES[f.options.size];
  const analyses = (['mlp', 'cnn', 'char'] as const)
    .filter((t) => f.options.studies.includes(t) && f.metas[t])
    .map((t) => analyzeTask(f.metas[t]!, runs, f.options.seeds));
  const sections: Section[] = [
    { id: 'overview', title: 'Overview', blocks: overview(analyses) },
    ...analyses.map(taskSection),
  ];
  const speed = results(f).find((r) => r.kind === 'speed') as { speed: SpeedResult } | undefined;
  const quad = results(f).find((r) => r.kind === 'quadratic') as { quadratic: QuadraticResult } | undefined;
  if (f.options.studies.includes('phi'))
    sections.push(phiSection(runs, size.phi.phis, size.phi.lr0, speed?.speed));
  if (f.options.studies.includes('probe'))
    sections.push(probeSection(runs, size.probe.lr0, size.probe.epochsScale));
  if (quad) sections.push(quadraticSection(quad.quadratic));
  sections.push(details(f));
  return {
    title: 'GeN at small scale: the demo report',
    intro: [
      p(
        `GeN (generalized Newton's method, Bu & Xu, ICLR 2025) sets the learning rate of any optimizer from the curvature of the loss along its step, found with a few extra forward passes. This report trains small models with GeN under ${f.options.variants.length === 1 ? 'one rule' : `${f.options.variants.length} rules`} (${f.options.variants.map((v) => RULE_INTRO[v]).join('; ')}), each started from several initial rates and never tuned, against SGD and AdamW with constant and cosine schedules tuned on a validation split, and against the automatic-learning-rate peers at their defaults.`,
      ),
    ],
    sections,
  };
}
