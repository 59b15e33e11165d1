/**
 * A training task's section: curves of untuned GeN from each initial rate against the tuned
 * schedules, GeN's rate trace (the self-warm-up), the peers, every method's final score with its
 * spread over seeds and wall time, the grid chosen on validation, and the verdicts in words.
 */
import type { MethodSummary } from '../analysis/summary.js';
import { genOf, tunedOf, type TaskAnalysis } from '../analysis/task.js';
import { score } from '../analysis/verdict.js';
import { dotPlot, lineChart, PALETTE, type Series } from '../charts/svg.js';
import {
  BASE_NAME,
  GEN_VARIANTS,
  fmtRate,
  methodLabel,
  scheduledRate,
  type Base,
  type GenVariantId,
} from '../methods.js';
import { fixed, fmtComparison, fmtPct, fmtStat, secs } from './format.js';
import { chart, p, table, type Block, type Section } from './model.js';
import { taskSentences } from './sentences.js';

const COSINE = '#222';
/** The final dot plot's colour of each rule's GeN runs. */
const RULE_COLOR: Readonly<Record<GenVariantId, string>> = { paper: PALETTE[0], auto: PALETTE[4] };
const CONSTANT = '#888';

/** The label of a summary in this task's tables (the variant is named when there are several). */
export function label(s: MethodSummary, a: TaskAnalysis): string {
  const variants = new Set(a.gen.map((g) => (g.method as { variant: string }).variant));
  const tuned = a.tuned.find((t) => t.summary === s);
  if (tuned)
    return `${BASE_NAME[tuned.base]} ${tuned.kind}, tuned (${fmtRate((s.method as { lr: number }).lr)})`;
  return methodLabel(s.method, { variant: variants.size > 1 });
}

const isAcc = (a: TaskAnalysis) => a.meta.metric === 'accuracy';
const metricName = (a: TaskAnalysis) => (isAcc(a) ? 'test accuracy' : 'test perplexity');
/** The x axis: epochs for MNIST, steps for the language model (less than an epoch). */
const xOf = (a: TaskAnalysis, s: MethodSummary) =>
  a.meta.plan.steps !== undefined ? s.curves.steps : s.curves.epochs;
const xName = (a: TaskAnalysis) => (a.meta.plan.steps !== undefined ? 'step' : 'epoch');
const scale = (a: TaskAnalysis) => (isAcc(a) ? 100 : 1);

function curve(
  a: TaskAnalysis,
  s: MethodSummary,
  what: 'testMetric' | 'trainLoss' | 'valLoss',
  o: Partial<Series> & { label: string },
): Series {
  const k = what === 'testMetric' ? scale(a) : 1;
  const b = s.curves[what];
  return {
    x: xOf(a, s),
    y: b.mean.map((v) => v * k),
    lo: b.lo.map((v) => v * k),
    hi: b.hi.map((v) => v * k),
    ...o,
  };
}

/** The rules that ran on this task, in `GEN_VARIANTS` order. */
const variantsOf = (a: TaskAnalysis, base: Base): GenVariantId[] =>
  (Object.keys(GEN_VARIANTS) as GenVariantId[]).filter((v) => genOf(a, v, base).length > 0);

/** One rule's GeN from each initial rate (a colour each), then the tuned schedules. */
function comparisonSeries(
  a: TaskAnalysis,
  base: Base,
  variant: GenVariantId,
  what: 'testMetric' | 'trainLoss' | 'valLoss',
): Series[] {
  const out: Series[] = genOf(a, variant, base).map((g, i) =>
    curve(a, g, what, { label: label(g, a), color: PALETTE[i % PALETTE.length]! }),
  );
  const cos = tunedOf(a, base, 'cosine');
  const con = tunedOf(a, base, 'constant');
  if (cos) out.push(curve(a, cos, what, { label: label(cos, a), color: COSINE }));
  if (con) out.push(curve(a, con, what, { label: label(con, a), color: CONSTANT, dashed: true }));
  return out;
}

function rateSeries(a: TaskAnalysis, base: Base, variant: GenVariantId): Series[] {
  const out: Series[] = [];
  genOf(a, variant, base).forEach((g, i) => {
    if (g.lr)
      out.push({
        label: label(g, a),
        x: g.lr.x,
        y: g.lr.mean,
        lo: g.lr.lo,
        hi: g.lr.hi,
        color: PALETTE[i % PALETTE.length]!,
      });
  });
  for (const [kind, color] of [
    ['cosine', COSINE],
    ['constant', CONSTANT],
  ] as const) {
    const t = tunedOf(a, base, kind);
    if (!t) continue;
    const steps = t.runs[0]!.steps;
    const x = Array.from({ length: 101 }, (_, i) => Math.max(1, Math.round((i * steps) / 100)));
    out.push({
      label: label(t, a),
      x,
      y: x.map((s) => scheduledRate(t.method, s - 1, { steps })),
      color,
      dashed: kind === 'constant',
    });
  }
  return out;
}

/** The y range of every drawable value of these series, so that the rules' charts share a scale. */
function sharedRange(series: readonly Series[], log: boolean): [number, number] | undefined {
  const ys = series
    .flatMap((s) => [...s.y, ...(s.lo ?? []), ...(s.hi ?? [])])
    .filter((v) => Number.isFinite(v) && (!log || v > 0));
  return ys.length ? [Math.min(...ys), Math.max(...ys)] : undefined;
}

/** A chart per rule of one quantity, on one y scale. */
function perRule(
  a: TaskAnalysis,
  base: Base,
  what: string,
  series: (v: GenVariantId) => Series[],
  o: {
    /** Title and caption, given `GeN-SGD (authors' rule)`, say. */
    title: (gen: string) => string;
    caption: (gen: string) => string;
    xLabel: string;
    yLabel: string;
    yLog: boolean;
  },
): Block[] {
  const vs = variantsOf(a, base);
  const all = vs.map(series);
  const yRange = sharedRange(all.flat(), o.yLog);
  const gen = (v: GenVariantId) => `GeN-${BASE_NAME[base]} (${GEN_VARIANTS[v].label})`;
  return vs.map((v, i) =>
    chart(
      `${a.meta.id}-${base}-${what}-${v}`,
      o.caption(gen(v)),
      lineChart({
        title: o.title(gen(v)),
        xLabel: o.xLabel,
        yLabel: o.yLabel,
        yLog: o.yLog,
        series: all[i]!,
        ...(yRange ? { yRange } : {}),
      }),
    ),
  );
}

function peerSeries(a: TaskAnalysis): Series[] {
  const out: Series[] = a.peers.map((s, i) =>
    curve(a, s, 'testMetric', { label: label(s, a), color: PALETTE[i % PALETTE.length]! }),
  );
  for (const base of a.meta.plan.bases) {
    const shade = base === 'sgd' ? '#000' : '#666';
    // each rule from its middle initial rate: the authors' dashed, the recommended dotted
    variantsOf(a, base).forEach((v) => {
      const gens = genOf(a, v, base);
      const mid = gens[Math.floor((gens.length - 1) / 2)];
      if (mid)
        out.push(
          curve(a, mid, 'testMetric', {
            label: label(mid, a),
            color: shade,
            dashed: v === 'auto' ? 'dotted' : true,
          }),
        );
    });
    const cos = tunedOf(a, base, 'cosine');
    if (cos) out.push(curve(a, cos, 'testMetric', { label: label(cos, a), color: shade }));
  }
  return out;
}

function finalTable(a: TaskAnalysis): Block {
  const acc = isAcc(a);
  const all = [...a.gen, ...a.tuned.map((t) => t.summary), ...a.peers];
  const rows = all.map((s) => {
    const notes = [
      s.diverged ? `${s.diverged} diverged` : '',
      s.ranAway ? `${s.ranAway} ran away` : '',
      Number.isFinite(s.acceptance) ? `fits accepted ${(100 * s.acceptance).toFixed(0)}%` : '',
    ].filter((x) => x !== '');
    return [
      label(s, a),
      String(s.runs.length),
      acc ? fmtPct(s.final.testMetric) : fmtStat(s.final.testMetric),
      acc ? fixed(100 * s.final.testMetric.sd, 2) : fixed(s.final.testMetric.sd, 2),
      fmtStat(s.final.testLoss, 4),
      acc ? fmtPct(s.final.valMetric) : fmtStat(s.final.valMetric),
      fmtStat(s.final.trainLoss, 4),
      secs(s.final.seconds),
      secs(s.final.cpuSeconds),
      notes.join(', '),
    ];
  });
  const m = acc ? 'accuracy' : 'perplexity';
  return table(
    `${a.meta.id}-final`,
    `${a.meta.title}: final results, mean (min-max) over ${a.seeds.length} seed(s)`,
    [
      'method',
      'seeds',
      `test ${m}`,
      'sd',
      'test loss',
      `validation ${m}`,
      'train loss (last interval)',
      'wall s/run',
      'CPU s/run',
      'notes',
    ],
    rows,
  );
}

function gridTable(a: TaskAnalysis): Block {
  const acc = isAcc(a);
  const rows = a.grid.map((s) => {
    const spec = s.method as { base: Base; kind: string; lr: number };
    const tuned = a.tuned.find((t) => t.base === spec.base && t.kind === spec.kind);
    const chosen = (tuned?.summary.method as { lr: number } | undefined)?.lr === spec.lr;
    const last = s.runs[0]!.points.at(-1)!;
    const note = s.runs[0]!.stopped
      ? 'diverged'
      : chosen
        ? `chosen${tuned!.atEdge ? ` (the grid's ${tuned!.atEdge} rate)` : ''}`
        : '';
    return [
      `${BASE_NAME[spec.base]} ${spec.kind}`,
      fmtRate(spec.lr),
      acc ? `${fixed(100 * last.valMetric, 2)}%` : fixed(last.valMetric, 2),
      fixed(last.valLoss, 4),
      note,
    ];
  });
  return table(
    `${a.meta.id}-grid`,
    `${a.meta.title}: the grid on the validation split (seed ${a.seeds[0]}); the chosen rate then ran on every seed`,
    ['schedule', 'rate', `validation ${acc ? 'accuracy' : 'perplexity'}`, 'validation loss', ''],
    rows,
  );
}

function verdictTable(a: TaskAnalysis): Block {
  const peers = a.peers.map((s) => label(s, a));
  const rows = a.verdicts.map((v) => {
    const sc = score(v.gen, a.scoring);
    return [
      label(v.gen, a),
      fmtStat(sc),
      fmtComparison(v.cosine, a.scoring),
      ...v.peers.map((c) => fmtComparison(c, a.scoring)),
      v.why ?? '',
    ];
  });
  const unit = a.scoring.metric === 'accuracy' ? 'test accuracy, points' : 'minus test loss, nats/char';
  return table(
    `${a.meta.id}-verdict`,
    `${a.meta.title}: untuned GeN against the tuned cosine schedule of its base and each peer (${unit}; a match is within ${a.scoring.tolerance})`,
    ['GeN run', 'score', 'vs tuned cosine', ...peers.map((x) => `vs ${x}`), 'where it falls short, why'],
    rows,
  );
}

export function taskSection(a: TaskAnalysis): Section {
  const id = a.meta.id;
  const blocks: Block[] = [p(a.meta.about + '.'), ...taskSentences(a).map(p)];
  const m = metricName(a);
  for (const base of a.meta.plan.bases) {
    const B = BASE_NAME[base];
    const x = xName(a);
    blocks.push(
      ...perRule(a, base, 'metric', (v) => comparisonSeries(a, base, v, 'testMetric'), {
        title: (g) => `${a.meta.title}: ${g} vs tuned ${B}`,
        caption: (g) =>
          `${m} of untuned ${g} from each initial rate against ${B} with the tuned cosine and constant rates; bands: min-max over seeds`,
        xLabel: x,
        yLabel: isAcc(a) ? 'test accuracy (%)' : 'test perplexity',
        yLog: !isAcc(a),
      }),
      ...perRule(a, base, 'loss', (v) => comparisonSeries(a, base, v, 'trainLoss'), {
        title: (g) => `${a.meta.title}: training loss, ${g}`,
        caption: (g) =>
          `training loss (mean minibatch loss of each evaluation interval) of ${g} and the tuned schedules, same runs`,
        xLabel: x,
        yLabel: 'training loss',
        yLog: true,
      }),
      ...(isAcc(a)
        ? []
        : perRule(a, base, 'validation', (v) => comparisonSeries(a, base, v, 'valLoss'), {
            title: (g) => `${a.meta.title}: validation loss, ${g}`,
            caption: (g) =>
              `validation loss (nats per character; exp of it is the validation perplexity) of ${g} and the tuned schedules, same runs`,
            xLabel: x,
            yLabel: 'validation loss',
            yLog: false,
          })),
      ...perRule(a, base, 'lr', (v) => rateSeries(a, base, v), {
        title: (g) => `${a.meta.title}: learning rate, ${g}`,
        caption: (g) =>
          `${g}'s learning rate (mean over seeds, band min-max) from each initial rate: the self-warm-up; the tuned schedules' rates for reference`,
        xLabel: 'step',
        yLabel: 'learning rate',
        yLog: true,
      }),
    );
  }
  if (a.peers.length)
    blocks.push(
      chart(
        `${id}-peers`,
        `${m} of the peers at their defaults, GeN from its middle initial rate (the authors' rule dashed, the recommended 'auto' dotted) and the tuned cosine schedules (solid; black for SGD, grey for AdamW)`,
        lineChart({
          title: `${a.meta.title}: the peers`,
          xLabel: xName(a),
          yLabel: isAcc(a) ? 'test accuracy (%)' : 'test perplexity',
          yLog: !isAcc(a),
          series: peerSeries(a),
        }),
      ),
    );
  const all = [...a.gen, ...a.tuned.map((t) => t.summary), ...a.peers];
  const best = a.tuned.filter((t) => t.kind === 'cosine').map((t) => t.summary);
  const ref = best.length
    ? best.reduce((x, y) => (score(y, a.scoring).mean > score(x, a.scoring).mean ? y : x))
    : undefined;
  const rows = all.map((s) => {
    const t = s.final.testMetric;
    const k = scale(a);
    const color =
      s.method.kind === 'gen' ? RULE_COLOR[s.method.variant] : s.method.kind === 'peer' ? PALETTE[1] : COSINE;
    return { label: label(s, a), mean: t.mean * k, lo: t.min * k, hi: t.max * k, color };
  });
  const refValue = ref ? ref.final.testMetric.mean * scale(a) : NaN;
  // the scale shows the neighbourhood of the tuned schedule; runs far from it are written at the edge
  const finite = (xs: number[]) => xs.filter(Number.isFinite);
  const xRange: [number, number] | undefined = !Number.isFinite(refValue)
    ? undefined
    : isAcc(a)
      ? [
          Math.max(0, Math.floor(refValue - 15)),
          Math.min(100, Math.ceil(Math.max(...finite(rows.map((r) => r.hi))) + 0.5)),
        ]
      : [
          Math.min(...finite(rows.map((r) => r.lo))) * 0.97,
          Math.min(refValue * 1.5, Math.max(...finite(rows.map((r) => r.hi))) * 1.03),
        ];
  blocks.push(
    chart(
      `${id}-final`,
      `final ${m}: dot at the mean, whisker from the worst to the best seed (blue: GeN, the authors' rule; green: GeN, the recommended 'auto'; orange: the peers; black: the tuned schedules); dashed line: the best tuned cosine schedule; a run off the scale is an arrow at its edge with its mean`,
      dotPlot({
        title: `${a.meta.title}: final ${m}`,
        xLabel: isAcc(a) ? 'test accuracy (%)' : 'test perplexity',
        rows,
        ...(ref ? { reference: { value: refValue, label: label(ref, a) } } : {}),
        ...(xRange ? { xRange } : {}),
      }),
    ),
    finalTable(a),
    verdictTable(a),
    gridTable(a),
  );
  return { id, title: a.meta.title, blocks };
}
