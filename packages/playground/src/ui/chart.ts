/** A small line chart on a canvas: named series of `(x, y)` points, redrawn as they grow. */
import { axes, context2d, extent, polyline, type Frame } from './plot.js';

/** One line. */
export interface Series {
  readonly label: string;
  readonly color: string;
  readonly points: (readonly [number, number])[];
}

/** How a chart is drawn. */
export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** Log-scale y (for learning rates). */
  readonly logY?: boolean;
  /** A fixed y range, else the data's. */
  readonly yRange?: readonly [number, number];
}

/** A chart bound to a canvas. */
export class LineChart {
  readonly series: Series[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly options: ChartOptions,
  ) {}

  /** Adds a series (empty) and returns it, to push points into. */
  add(label: string, color: string): Series {
    const s: Series = { label, color, points: [] };
    this.series.push(s);
    return s;
  }

  /** Drops every point. */
  clear(): void {
    for (const s of this.series) s.points.length = 0;
  }

  /** Redraws everything. */
  draw(): void {
    const ctx = context2d(this.canvas);
    const { width, height } = this.canvas.getBoundingClientRect();
    const all = this.series.flatMap((s) => s.points);
    const ys = all.map((p) => (this.options.logY ? Math.log10(p[1]) : p[1]));
    let y = this.options.yRange ?? extent(ys);
    if (this.options.logY && !this.options.yRange) y = [10 ** y[0], 10 ** y[1]];
    const xHi = Math.max(1, ...all.map((p) => p[0]));
    const f: Frame = {
      x: [0, xHi],
      y,
      left: 52,
      top: 22,
      width: width - 64,
      height: height - 56,
      logY: this.options.logY,
    };
    ctx.fillStyle = '#1f2329';
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.fillText(this.options.title, f.left, 14);
    axes(ctx, f, this.options.xLabel, this.options.yLabel);
    ctx.lineWidth = 1.5;
    let lx = f.left + f.width;
    ctx.textAlign = 'right';
    ctx.font = '11px system-ui, sans-serif';
    for (const s of [...this.series].reverse()) {
      ctx.strokeStyle = s.color;
      polyline(ctx, f, s.points);
      ctx.fillStyle = s.color;
      ctx.fillText(s.label, lx, 14);
      lx -= ctx.measureText(s.label).width + 12;
    }
  }
}
