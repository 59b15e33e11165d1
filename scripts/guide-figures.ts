/**
 * Draws the figures of the guide "How GeN picks the learning rate" (docs/guide/) from the library
 * itself: a float64 MLP on the two-spirals set, full batch, so every number is reproducible.
 *
 * - `fitted-parabola.svg`: one probe step of `scaleByGeN`. The true loss along the step,
 *   `L(w - x d)` for the gradient direction `d`, next to the parabola GeN fitted from its three
 *   probe losses (read from the state's `fit`: `a`, `b`, `etaStar`), the probes themselves, the
 *   parabola's minimum `eta*` and the rate GeN moved to (smoothed and clipped).
 * - `rate-trace.svg`: GeN-SGD's rate over a run from `eta_0 = 1e-3` by the authors' rule (at most
 *   x1.1 per probe) and with `clipRatio: 4`, against every probe step's raw estimate `eta*`.
 *
 * Run: npx tsx scripts/guide-figures.ts [outDir]   (default docs/guide; a test checks that the
 * committed files are what this script draws)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyUpdates, genSgd, findGeNState, scaleByGeN, type GeNOptions } from '@gen-ts/gen';
import { grad, key, split, sub, mul, treeMap, type Tensor } from '@gen-ts/core';
import { mlp, softmaxCrossEntropy, twoSpirals } from '@gen-ts/nn';
import { svgFigure, type Series } from '../examples/lib/svg.js';

type Params = ReturnType<typeof setup>['params'];

/** The problem: an MLP 2-16-16-2 on 256 spiral points, float64, its full-batch loss. */
export function setup() {
  const [kData, kInit] = split(key(0), 2);
  const { x, y } = twoSpirals(kData!, { n: 256, dtype: 'float64' });
  const model = mlp([16, 16, 2], { activation: 'tanh', dtype: 'float64' });
  const { params } = model.init(kInit!, [256, 2]);
  const loss = (p: typeof params) => softmaxCrossEntropy(model.apply(p, x) as Tensor, y);
  return { params, loss };
}

const along = (p: Params, d: Params, x: number): Params =>
  treeMap((w, g) => sub(w, mul(g!, x)), p, d) as Params;

/** One probe step of GeN-SGD at rate `eta`: the fit, the new rate, and the curves to draw. */
export function probeStep(eta: number) {
  const { params, loss } = setup();
  const d = grad(loss)(params) as Params;
  const gen = scaleByGeN({ lr: eta, phi: 1 });
  const [, state] = gen.update(d, gen.init(params), params, { valueFn: loss });
  const a = state.fit.a.itemSync();
  const b = state.fit.b.itemSync();
  const etaStar = state.fit.etaStar.itemSync();
  const L0 = loss(params).itemSync();
  const xs = Array.from(
    { length: 81 },
    (_, i) => -1.2 * eta + (i / 80) * (Math.max(2.2 * etaStar, 2.4 * eta) + 1.2 * eta),
  );
  return {
    eta,
    a,
    b,
    etaStar,
    newLr: state.lr.itemSync(),
    L0,
    truth: xs.map((x) => [x, loss(along(params, d, x)).itemSync()] as [number, number]),
    parabola: xs.map((x) => [x, L0 - b * x + (a / 2) * x * x] as [number, number]),
    probes: [-1, 0, 1].map((r) => [r * eta, loss(along(params, d, r * eta)).itemSync()] as [number, number]),
  };
}

/** GeN-SGD's rate after every step and the raw estimate of every probe step, over `steps` steps. */
export function rateTrace(options: GeNOptions, steps: number) {
  const { params, loss } = setup();
  const opt = genSgd({ lr: 1e-3, ...options });
  let p = params;
  let state = opt.init(p);
  const lr: [number, number][] = [];
  const etaStar: [number, number][] = [];
  for (let t = 0; t < steps; t++) {
    const [u, next] = opt.update(grad(loss)(p) as Params, state, p, { valueFn: loss });
    p = applyUpdates(p, u);
    state = next;
    const gen = findGeNState(state)!;
    lr.push([t + 1, gen.lr.itemSync()]);
    if (gen.fit.step === t) etaStar.push([t + 1, gen.fit.etaStar.itemSync()]);
  }
  return { lr, etaStar };
}

/** The SVG of `fitted-parabola.svg`. */
export function parabolaFigure(): string {
  const s = probeStep(0.5);
  const series: Series[] = [
    { label: 'true loss L(w - x d)', points: s.truth, color: '#222' },
    {
      label: `fitted parabola (a = ${s.a.toFixed(3)}, b = ${s.b.toFixed(3)})`,
      points: s.parabola,
      color: '#d62728',
      dashed: true,
    },
    { label: 'probe losses at x = -eta, 0, eta', points: s.probes, color: '#1f77b4', dots: true },
  ];
  return svgFigure(
    [
      {
        kind: 'line',
        title: 'One probe step (eta = 0.5)',
        xLabel: 'x, the step length along -d',
        yLabel: 'training loss',
        series,
        marks: [
          { x: s.etaStar, label: `eta* = b/a = ${s.etaStar.toFixed(2)}` },
          { x: s.newLr, label: `new rate ${s.newLr.toFixed(2)}` },
        ],
      },
    ],
    'parabola',
  );
}

/** The SVG of `rate-trace.svg`. */
export function traceFigure(steps = 200): string {
  const paper = rateTrace({}, steps);
  const clip4 = rateTrace({ clipRatio: 4 }, steps);
  return svgFigure(
    [
      {
        kind: 'line',
        title: 'GeN-SGD from eta0 = 1e-3',
        xLabel: 'step',
        yLabel: 'learning rate',
        logY: true,
        series: [
          { label: "rate, authors' rule (clip 2)", points: paper.lr, color: '#1f77b4' },
          { label: 'its estimates eta*', points: paper.etaStar, color: '#1f77b4', dots: true },
          { label: 'rate, clipRatio 4', points: clip4.lr, color: '#d62728' },
          { label: 'its estimates eta*', points: clip4.etaStar, color: '#d62728', dots: true },
        ],
      },
    ],
    'trace',
  );
}

function main(): void {
  const out = process.argv[2] ?? join('docs', 'guide');
  writeFileSync(join(out, 'fitted-parabola.svg'), parabolaFigure());
  writeFileSync(join(out, 'rate-trace.svg'), traceFigure());
  console.log(`wrote ${join(out, 'fitted-parabola.svg')} and ${join(out, 'rate-trace.svg')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
