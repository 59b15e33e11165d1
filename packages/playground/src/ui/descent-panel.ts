/**
 * Part (a): a 2-D test function, the optimizer's trajectory on its loss map, and at each of GeN's
 * probes the fitted parabola against the true loss along the step (both drawn from what the probe
 * step recorded: the point, the direction, `a`, `b` and the probed step sizes).
 */
import { tensor } from '@gen-ts/core';
import { Descent, RULE_LABELS, lossAlong, type GeNRule, type ProbeRecord } from '../descent.js';
import { OPTIMIZERS, rateKind, type OptimizerId } from '../optimizers.js';
import { PROBLEMS, problemById, type FloatDType, type Problem } from '../problems.js';
import { axes, context2d, dot, extent, polyline, ramp, type Frame } from './plot.js';
import { $, fill, num, type Busy } from './dom.js';

const GRID = 160;

/** The map of one problem: its losses on a grid, as an image. */
interface LossMap {
  readonly problem: Problem;
  readonly image: HTMLCanvasElement;
}

/** The panel; `reset()` starts a run on the current backend. */
export class DescentPanel {
  private run: Descent | null = null;
  private map: LossMap | null = null;
  private probeLine: { probe: ProbeRecord; xs: number[]; ys: Float64Array } | null = null;

  constructor(
    private readonly busy: Busy,
    private readonly dtype: () => FloatDType,
  ) {
    fill(
      $('#d2-problem'),
      PROBLEMS.map((p) => [p.id, p.label]),
    );
    fill(
      $('#d2-optimizer'),
      OPTIMIZERS.map((o) => [o.id, o.label]),
    );
    fill($('#d2-rule'), Object.entries(RULE_LABELS));
    for (const id of ['#d2-problem', '#d2-optimizer', '#d2-rule', '#d2-lr'])
      $(id).addEventListener('change', () => void this.busy.run(() => this.reset()));
    $('#d2-step').addEventListener('click', () => void this.busy.run(() => this.steps(1)));
    $('#d2-run').addEventListener('click', () => void this.busy.run(() => this.steps(40)));
    $('#d2-reset').addEventListener('click', () => void this.busy.run(() => this.reset()));
    $<HTMLInputElement>('#d2-probe-index').addEventListener(
      'input',
      () => void this.busy.run(() => this.showProbe()),
    );
  }

  /** A new run (and, for a new problem or backend, a new map). */
  async reset(): Promise<void> {
    const problem = problemById($<HTMLSelectElement>('#d2-problem').value);
    const lr = num('#d2-lr', 'learning rate', { min: 1e-8, max: 10 });
    this.run = new Descent({
      problem,
      optimizer: $<HTMLSelectElement>('#d2-optimizer').value as OptimizerId,
      rule: $<HTMLSelectElement>('#d2-rule').value as GeNRule,
      lr,
      dtype: this.dtype(),
    });
    this.map = await lossMap(problem, this.dtype());
    this.probeLine = null;
    await this.report();
  }

  /** Takes `n` steps, redrawing after each. */
  async steps(n: number): Promise<void> {
    if (!this.run) await this.reset();
    for (let i = 0; i < n; i++) {
      const rec = await this.run!.step();
      if (!Number.isFinite(rec.loss)) break;
      if (n > 1) await this.report(); // animate
    }
    await this.report();
  }

  private probes(): ProbeRecord[] {
    return (this.run?.records ?? []).flatMap((r) => (r.probe ? [r.probe] : []));
  }

  /** Redraws and rewrites the readout (its `data-records` holds every record at full precision). */
  private async report(): Promise<void> {
    const slider = $<HTMLInputElement>('#d2-probe-index');
    const n = this.probes().length;
    const follow = Number(slider.value) >= Number(slider.max) - 1;
    slider.max = String(Math.max(0, n - 1));
    slider.disabled = n === 0;
    if (follow) slider.value = slider.max;
    await this.showProbe();
    this.drawMap();
    const recs = this.run?.records ?? [];
    const last = recs[recs.length - 1];
    const out = $('#d2-readout');
    out.dataset['records'] = JSON.stringify(recs);
    out.textContent = last
      ? `step ${last.t + 1}: loss ${last.loss.toPrecision(6)} at (${last.w.map((v) => v.toFixed(4)).join(', ')}), lr ${last.lr.toPrecision(4)}`
      : 'no steps yet';
  }

  private async showProbe(): Promise<void> {
    const probes = this.probes();
    const i = Number($<HTMLInputElement>('#d2-probe-index').value);
    const probe = probes[Math.min(i, probes.length - 1)];
    const label = $('#d2-probe-label');
    if (!probe || !this.run) {
      const kind = this.run ? rateKind(this.run.options.optimizer) : 'gen';
      label.textContent = {
        gen: 'no probe yet',
        constant: 'constant rate: no probes',
        peer: 'this peer sets its rate without probes (the rate is in the readout)',
      }[kind];
      this.probeLine = null;
      drawProbe($<HTMLCanvasElement>('#d2-probe'), null);
      return;
    }
    const far = Math.max(
      ...probe.probes,
      probe.lrAfter,
      Number.isFinite(probe.etaStar) && probe.etaStar > 0 ? probe.etaStar : 0,
    );
    const lo = Math.min(0, ...probe.probes);
    const xs = Array.from({ length: 97 }, (_, k) => lo * 1.25 + ((far * 1.25 - lo * 1.25) * k) / 96);
    const ys = await lossAlong(this.run.options.problem, probe, xs, this.dtype());
    this.probeLine = { probe, xs, ys };
    label.textContent =
      `probe ${Math.min(i, probes.length - 1) + 1}/${probes.length}: b = ${probe.b.toPrecision(4)}, ` +
      `a = ${probe.a.toPrecision(4)}, eta* = b/a = ${probe.etaStar.toPrecision(4)}, ` +
      `lr ${probe.lrBefore.toPrecision(3)} -> ${probe.lrAfter.toPrecision(3)}${probe.accepted ? '' : ' (fit rejected)'}`;
    drawProbe($<HTMLCanvasElement>('#d2-probe'), this.probeLine);
  }

  private drawMap(): void {
    const canvas = $<HTMLCanvasElement>('#d2-map');
    const ctx = context2d(canvas);
    if (!this.map) return;
    const { problem, image } = this.map;
    const { width, height } = canvas.getBoundingClientRect();
    const f: Frame = {
      x: problem.box.x,
      y: problem.box.y,
      left: 40,
      top: 8,
      width: width - 48,
      height: height - 40,
    };
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(image, f.left, f.top, f.width, f.height);
    axes(ctx, f, 'x', 'y');
    ctx.fillStyle = '#ffffff';
    dot(ctx, f, problem.minimum[0], problem.minimum[1], 4);
    const pts = (this.run?.records ?? []).map((r) => r.w);
    ctx.strokeStyle = '#ff5a36';
    ctx.lineWidth = 2;
    polyline(ctx, f, pts);
    ctx.fillStyle = '#ff5a36';
    for (const p of pts) dot(ctx, f, p[0], p[1], 2.5);
    const shown = this.probeLine?.probe;
    if (shown) {
      ctx.fillStyle = '#ffe14d';
      dot(ctx, f, shown.w[0], shown.w[1], 4.5);
    }
  }
}

/** The problem's losses on a grid (one batched evaluation on the current backend), as an image. */
async function lossMap(problem: Problem, dtype: FloatDType): Promise<LossMap> {
  const pts: number[] = [];
  for (let j = 0; j < GRID; j++)
    for (let i = 0; i < GRID; i++) {
      const x = problem.box.x[0] + ((problem.box.x[1] - problem.box.x[0]) * (i + 0.5)) / GRID;
      const y = problem.box.y[1] - ((problem.box.y[1] - problem.box.y[0]) * (j + 0.5)) / GRID;
      pts.push(x, y);
    }
  const values = await problem.losses(tensor(pts, { dtype, shape: [GRID * GRID, 2] })).data();
  const logs = Array.from(values, (v) => Math.log10(1 + Math.max(0, v)));
  const [lo, hi] = extent(logs, 0);
  const image = document.createElement('canvas');
  image.width = image.height = GRID;
  const ctx = image.getContext('2d')!;
  const data = ctx.createImageData(GRID, GRID);
  // 16 bands of the log loss; a pixel whose band differs from its right or lower neighbour's is
  // drawn darker, which reads as a contour line
  const band = logs.map((v) => Math.min(15, Math.floor(((v - lo) / (hi - lo || 1)) * 16)));
  band.forEach((q, k) => {
    const [i, j] = [k % GRID, Math.floor(k / GRID)];
    const edge = (i + 1 < GRID && band[k + 1] !== q) || (j + 1 < GRID && band[k + GRID] !== q);
    const [r, g, b] = ramp((q + 0.5) / 16);
    const shade = edge ? 0.7 : 1;
    data.data.set([r * shade, g * shade, b * shade, 255], k * 4);
  });
  ctx.putImageData(data, 0, 0);
  return { problem, image };
}

/** The true loss along the probe's direction, the fitted parabola, the probes and the chosen step. */
function drawProbe(
  canvas: HTMLCanvasElement,
  line: { probe: ProbeRecord; xs: number[]; ys: Float64Array } | null,
): void {
  const ctx = context2d(canvas);
  if (!line) return;
  const { probe, xs, ys } = line;
  const fit = (x: number) => probe.L0 - probe.b * x + 0.5 * probe.a * x * x;
  const { width, height } = canvas.getBoundingClientRect();
  const yr = extent([...ys, probe.L0]);
  const f: Frame = {
    x: [xs[0]!, xs[xs.length - 1]!],
    y: yr,
    left: 56,
    top: 22,
    width: width - 84,
    height: height - 56,
  };
  axes(ctx, f, 'step size x along -d', 'loss');
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#2b6cb0';
  polyline(
    ctx,
    f,
    xs.map((x, k) => [x, ys[k]!] as const),
  );
  ctx.setLineDash([6, 4]);
  ctx.strokeStyle = '#d9480f';
  polyline(
    ctx,
    f,
    xs.map((x) => [x, fit(x)] as const),
  );
  ctx.setLineDash([]);
  ctx.fillStyle = '#1f2329';
  dot(ctx, f, 0, probe.L0, 3.5);
  ctx.fillStyle = '#d9480f';
  for (const x of probe.probes) dot(ctx, f, x, fit(x), 3.5);
  const marks: [number, string, string][] = [[probe.lrAfter, '#2f9e44', 'new lr']];
  if (Number.isFinite(probe.etaStar) && probe.etaStar > 0) marks.push([probe.etaStar, '#d9480f', 'eta*']);
  ctx.font = '11px system-ui, sans-serif';
  for (const [k, [x, color, label]] of marks.entries()) {
    const u = f.left + ((x - f.x[0]) / (f.x[1] - f.x[0])) * f.width;
    ctx.strokeStyle = ctx.fillStyle = color;
    ctx.beginPath();
    ctx.moveTo(u, f.top);
    ctx.lineTo(u, f.top + f.height);
    ctx.stroke();
    ctx.fillText(label, u + 3, f.top + 12 + 13 * k); // stacked: the marks may coincide
  }
  ctx.fillStyle = '#2b6cb0';
  ctx.fillText('true loss L(w - x d)', f.left, 14);
  ctx.fillStyle = '#d9480f';
  ctx.fillText('fitted parabola L0 - b x + a x^2 / 2', f.left + 130, 14);
}
