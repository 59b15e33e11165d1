/**
 * The sections of the three studies that are not a task comparison: the Phi sweep (accuracy and
 * measured speed against `3 / (3 + k / Phi)`), the probe policies (fresh batch against the
 * gradient's own, and whether a run ran away), and the quadratic checks.
 */
import { health, summarizeAll, type MethodSummary } from '../analysis/summary.js';
import { lineChart, PALETTE, type Series } from '../charts/svg.js';
import { BASE_NAME, BASES, GEN_VARIANTS, phiOf, type Base, type Probe } from '../methods.js';
import type { QuadraticResult } from '../quadratic.js';
import type { RunResult } from '../run.js';
import { predictedSpeed, speedLabel, type SpeedResult } from '../speed.js';
import { fixed, fmtPct, fmtStat } from './format.js';
import { chart, p, table, type Block, type Section } from './model.js';

const genOf = (s: MethodSummary) => s.method as Extract<MethodSummary['method'], { kind: 'gen' }>;

/** Phi's effect: the MLP runs of GeN from `lr0` at each phi, and the timed steps. */
export function phiSection(
  runs: readonly RunResult[],
  phis: readonly number[],
  lr0: number,
  speed: SpeedResult | undefined,
): Section {
  const sel = runs.filter(
    (r) =>
      r.spec.task === 'mlp' &&
      (r.spec.horizon ?? 1) === 1 &&
      r.spec.method.kind === 'gen' &&
      r.spec.method.lr0 === lr0 &&
      r.spec.method.probe === 'fresh' &&
      r.spec.method.variant === 'paper' &&
      phis.includes(phiOf(r.spec.method)),
  );
  const sums = summarizeAll(sel).sort(
    (a, b) =>
      BASES.indexOf(genOf(a).base) - BASES.indexOf(genOf(b).base) || phiOf(genOf(a)) - phiOf(genOf(b)),
  );
  const bases = [...new Set(sums.map((s) => genOf(s).base))];
  const blocks: Block[] = [
    p(
      `GeN probes every Phi steps. Each probe step costs k extra forward passes (k = 3 on a fresh batch, whose loss at the current point is needed too; 2 on the gradient's own batch); with a backward pass costing two forwards, a step costs three, so GeN's speed relative to its base optimizer is 3 / (3 + k / Phi) (the paper's cost model). Accuracy: the MNIST MLP from eta0 = ${lr0}, the authors' rule, fresh-batch probes.`,
    ),
  ];
  blocks.push(
    table(
      'phi-accuracy',
      'Phi sweep: final test accuracy, mean (min-max) over seeds',
      [
        'base',
        'Phi',
        'test accuracy',
        'train loss (last interval)',
        'fits accepted',
        'final rate (median over seeds)',
      ],
      sums.map((s) => {
        const lr = s.lr?.mean ?? [];
        return [
          BASE_NAME[genOf(s).base],
          String(phiOf(genOf(s))),
          fmtPct(s.final.testMetric),
          fmtStat(s.final.trainLoss, 4),
          `${fixed(100 * s.acceptance, 0)}%`,
          fixed(lr.at(-1) ?? NaN, 5),
        ];
      }),
    ),
    chart(
      'phi-accuracy',
      'final test accuracy against Phi (dots: mean; band: min-max over seeds)',
      lineChart({
        title: 'Phi sweep: accuracy',
        xLabel: 'Phi',
        yLabel: 'test accuracy (%)',
        xLog: true,
        series: bases.map((b, i) => {
          const ss = sums.filter((s) => genOf(s).base === b);
          return {
            label: `GeN-${BASE_NAME[b]}`,
            x: ss.map((s) => phiOf(genOf(s))),
            y: ss.map((s) => 100 * s.final.testMetric.mean),
            lo: ss.map((s) => 100 * s.final.testMetric.min),
            hi: ss.map((s) => 100 * s.final.testMetric.max),
            color: PALETTE[i]!,
            markers: true,
          };
        }),
      }),
    ),
  );
  for (const base of bases) {
    const ss = sums.filter((s) => genOf(s).base === base && s.lr);
    if (ss.length)
      blocks.push(
        chart(
          `phi-${base}-lr`,
          `GeN-${BASE_NAME[base]}'s rate at each Phi (mean over seeds): with the authors' rule the warm-up is per probe, so a larger Phi warms up more slowly in steps`,
          lineChart({
            title: `Phi sweep: learning rate, GeN-${BASE_NAME[base]}`,
            xLabel: 'step',
            yLabel: 'learning rate',
            yLog: true,
            series: ss.map((s, i) => ({
              label: `Phi ${phiOf(genOf(s))}`,
              x: s.lr!.x,
              y: s.lr!.mean,
              lo: s.lr!.lo,
              hi: s.lr!.hi,
              color: PALETTE[i]!,
            })),
          }),
        ),
      );
  }
  if (speed) blocks.push(...speedBlocks(speed));
  return { id: 'phi', title: 'Phi: accuracy and speed', blocks };
}

function speedBlocks(speed: SpeedResult): Block[] {
  const base = (b: Base) => speed.rows.find((r) => r.base === b && r.phi === 0)!;
  const rows = speed.rows.map((r) => {
    const b = base(r.base);
    return [
      speedLabel(r),
      fixed(r.ms, 2),
      fixed(r.cpuMs, 2),
      r.phi ? fixed(b.ms / r.ms, 3) : '1',
      r.phi ? fixed(b.cpuMs / r.cpuMs, 3) : '1',
      r.phi ? fixed(predictedSpeed(r.evals, r.phi), 3) : '',
      r.phi ? String(r.evals) : '',
    ];
  });
  const phis = [...new Set(speed.rows.filter((r) => r.phi > 0 && r.variant !== 'auto').map((r) => r.phi))];
  const xs = Array.from({ length: 36 }, (_, i) => 1 + (7 * i) / 35);
  const series: Series[] = [
    { label: 'formula, k = 3 (fresh batch)', x: xs, y: xs.map((f) => predictedSpeed(3, f)), color: '#222' },
    {
      label: 'formula, k = 2 (own batch)',
      x: xs,
      y: xs.map((f) => predictedSpeed(2, f)),
      color: '#888',
      dashed: true,
    },
    {
      label: 'formula, k = 1 (lagged fit)',
      x: xs,
      y: xs.map((f) => predictedSpeed(1, f)),
      color: '#888',
      dashed: 'dotted',
    },
  ];
  let c = 0;
  for (const b of ['sgd', 'adamw'] as const)
    for (const probe of ['fresh', 'own'] as Probe[]) {
      const rs = speed.rows.filter(
        (r) => r.base === b && r.phi > 0 && r.probe === probe && r.variant !== 'auto',
      );
      if (rs.length === 0) continue;
      series.push({
        label: `GeN-${BASE_NAME[b]}, ${probe === 'fresh' ? 'fresh' : 'own'} batch (CPU time)`,
        x: rs.map((r) => r.phi),
        y: rs.map((r) => base(b).cpuMs / r.cpuMs),
        color: PALETTE[c++]!,
        markers: 'only',
      });
    }
  for (const r of speed.rows.filter((x) => x.variant === 'auto'))
    series.push({
      label: `GeN-${BASE_NAME[r.base]}, ${GEN_VARIANTS.auto.label} (CPU time)`,
      x: [r.phi],
      y: [base(r.base).cpuMs / r.cpuMs],
      color: PALETTE[c++]!,
      markers: 'only',
    });
  return [
    p(
      `Step times: ${speed.rounds} interleaved rounds of ${speed.chunk} steps per method (median per step), in one process; load average ${speed.load[0].toFixed(2)} -> ${speed.load[1].toFixed(2)}. Speed is the base optimizer's step time over GeN's; CPU time (what the process computed) is steadier than wall time on a shared machine. Phi = ${phis.join(', ')}, and the recommended configuration ('auto': its lagged fit costs k = 1 forward pass per probe step, every 8 steps once its 20-step warm-up, which probes every step, is over; the first timed rounds fall in that warm-up).`,
    ),
    table(
      'phi-speed',
      'Step time of GeN against its base optimizer (MNIST MLP)',
      [
        'method',
        'ms/step (wall)',
        'ms/step (CPU)',
        'speed (wall)',
        'speed (CPU)',
        'predicted 3/(3+k/Phi)',
        'k',
      ],
      rows,
    ),
    chart(
      'phi-speed',
      'measured speed relative to the base optimizer (dots, CPU time) against the cost model 3 / (3 + k / Phi) (lines)',
      lineChart({
        title: 'Phi sweep: speed',
        xLabel: 'Phi',
        yLabel: 'speed relative to the base optimizer',
        series,
      }),
    ),
  ];
}

/** Both probe policies on the MLP at the study's horizon. */
export function probeSection(runs: readonly RunResult[], lr0: number, horizon: number): Section {
  const sel = runs.filter(
    (r) =>
      r.spec.task === 'mlp' &&
      (r.spec.horizon ?? 1) === horizon &&
      r.spec.method.kind === 'gen' &&
      r.spec.method.lr0 === lr0 &&
      r.spec.method.phi === undefined &&
      r.spec.method.variant === 'paper',
  );
  const sums = summarizeAll(sel).sort(
    (a, b) =>
      BASES.indexOf(genOf(a).base) - BASES.indexOf(genOf(b).base) ||
      genOf(a).probe.localeCompare(genOf(b).probe),
  );
  const name = (s: MethodSummary) =>
    `GeN-${BASE_NAME[genOf(s).base]}, ${genOf(s).probe === 'fresh' ? 'fresh batch' : 'own batch'}`;
  const ran = sums.filter((s) => s.ranAway > 0);
  const blocks: Block[] = [
    p(
      `Where GeN evaluates its probe losses: on the next batch of the loader (fresh data, the default) or on the gradient's own batch (the paper's choice, one forward pass cheaper). On its own batch every step looks good for that batch, so the rate can climb while the training loss rises: a run "ran away" here when its mean training loss over the last evaluation interval is 25% above its lowest while at least half of its fits after that point were accepted. MNIST MLP, eta0 = ${lr0}, ${horizon}x the MLP task's epochs, the authors' rule.`,
    ),
    p(
      "The recommended configuration ('auto') has no probe policy to choose: its lagged fit measures the last step's direction on the next step's own batch, which that step never saw, so it is a fresh-batch fit under either setting and both give the same run (the library's tests check it). Its task runs use the gradient's own batch, which spares the loader a look-ahead batch.",
    ),
    p(
      ran.length === 0
        ? 'No run ran away under either policy at this horizon.'
        : `Runs that ran away: ${ran.map((s) => `${name(s)} (${s.ranAway} of ${s.runs.length} seeds)`).join('; ')}.`,
    ),
    table(
      'probe-policies',
      'Probe policies: final numbers, mean (min-max) over seeds',
      [
        'method',
        'test accuracy',
        'train loss (last interval)',
        'last / lowest interval train loss, per seed',
        'ran away',
        'loss rose 25%',
        'fits accepted',
      ],
      sums.map((s) => [
        name(s),
        fmtPct(s.final.testMetric),
        fmtStat(s.final.trainLoss, 4),
        s.runs.map((r) => fixed(health(r).rise, 2)).join(', '),
        `${s.ranAway} of ${s.runs.length}`,
        `${s.rose} of ${s.runs.length}`,
        `${fixed(100 * s.acceptance, 0)}%`,
      ]),
    ),
  ];
  for (const base of [...new Set(sums.map((s) => genOf(s).base))]) {
    const ss = sums.filter((s) => genOf(s).base === base);
    blocks.push(
      chart(
        `probe-${base}-loss`,
        `training loss of GeN-${BASE_NAME[base]} under both probe policies (band: min-max over seeds)`,
        lineChart({
          title: `Probe policies: GeN-${BASE_NAME[base]} training loss`,
          xLabel: 'epoch',
          yLabel: 'training loss',
          yLog: true,
          series: ss.map((s, i) => ({
            label: name(s),
            x: s.curves.epochs,
            y: s.curves.trainLoss.mean,
            lo: s.curves.trainLoss.lo,
            hi: s.curves.trainLoss.hi,
            color: PALETTE[i]!,
          })),
        }),
      ),
      chart(
        `probe-${base}-lr`,
        `GeN-${BASE_NAME[base]}'s rate under both probe policies`,
        lineChart({
          title: `Probe policies: GeN-${BASE_NAME[base]} learning rate`,
          xLabel: 'step',
          yLabel: 'learning rate',
          yLog: true,
          series: ss
            .filter((s) => s.lr)
            .map((s, i) => ({
              label: name(s),
              x: s.lr!.x,
              y: s.lr!.mean,
              lo: s.lr!.lo,
              hi: s.lr!.hi,
              color: PALETTE[i]!,
            })),
        }),
      ),
    );
  }
  return { id: 'probe', title: 'Probe policies and runaways', blocks };
}

export function quadraticSection(q: QuadraticResult): Section {
  const pass = q.checks.every((c) => c.maxError <= c.bound);
  const par = q.parabola;
  const [ca, cb] = q.convergence;
  return {
    id: 'quadratic',
    title: 'The quadratic checks',
    blocks: [
      p(
        `Float64 on the reference cpu backend, through the library's scaleByGeN: fit mode (three probe losses at -eta, 0, +eta along the step, a parabola by least squares) against exact mode (slope and curvature by jvp) and the closed forms. ${pass ? 'Every check is within its bound.' : 'A check is outside its bound: see the table.'}`,
      ),
      table(
        'quadratic-checks',
        'Quadratic checks: largest relative error over the trials',
        ['check', 'trials', 'largest error', 'bound', ''],
        q.checks.map((c) => [
          c.name,
          String(c.trials),
          c.maxError.toExponential(2),
          c.bound.toExponential(1),
          c.maxError <= c.bound ? 'ok' : 'FAILS',
        ]),
      ),
      p(
        `On a loss that is not quadratic (a 784-32-10 tanh MLP on 256 digits, along its gradient), the fitted coefficients approach the exact ones as O(eta^2): the log-log slope of the error against the probe step is ${fixed(ca!.slope, 2)} for the curvature and ${fixed(cb!.slope, 2)} for the slope (read where the error is between 1e-6 and 10%; below, float64 rounding of the loss differences takes over).`,
      ),
      chart(
        'quadratic-convergence',
        'relative error of fit-mode a and b against exact mode, as the probe step halves; dashed: slope 2',
        lineChart({
          title: 'Fit vs exact: O(eta^2)',
          xLabel: 'probe step eta',
          yLabel: 'relative error',
          xLog: true,
          yLog: true,
          series: [
            ...q.convergence.map((s, i) => ({
              label: `${s.name} (slope ${fixed(s.slope, 2)})`,
              x: s.eta,
              y: s.error,
              color: PALETTE[i]!,
              markers: true as const,
            })),
            {
              label: 'slope 2',
              x: ca!.eta,
              y: ca!.eta.map((e) => ca!.error[4]! * (e / ca!.eta[4]!) ** 2),
              color: '#888',
              dashed: true,
            },
          ],
        }),
      ),
      chart(
        'quadratic-parabola',
        `the loss along the step (MLP, gradient direction) and the parabola fitted from the three probes at -${par.probeStep.toPrecision(3)}, 0, +${par.probeStep.toPrecision(3)}; its minimum is eta* = ${par.etaStar.toPrecision(3)}; dashed: the parabola from the exact slope and curvature`,
        lineChart({
          title: 'The parabola GeN fits',
          xLabel: 'step length x along -d',
          yLabel: 'loss L(w - x d)',
          series: [
            { label: 'true loss', x: par.x, y: par.loss, color: '#222' },
            { label: 'fitted parabola', x: par.x, y: par.fitted, color: PALETTE[0] },
            { label: 'exact-coefficient parabola', x: par.x, y: par.exact, color: PALETTE[1], dashed: true },
            { label: 'probes', x: par.probes.x, y: par.probes.loss, color: PALETTE[2], markers: 'only' },
          ],
        }),
      ),
    ],
  };
}
