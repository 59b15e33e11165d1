/** Canvas helpers shared by the map, the probe plot and the charts: data-to-pixel frames, axes, colours. */

/** A data rectangle mapped onto a pixel rectangle of a canvas (y grows upwards in data). */
export interface Frame {
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  /** Whether y is drawn on a log scale (then `y` holds the data range, not its logarithms). */
  readonly logY?: boolean;
}

/** The 2-D context of `canvas`, sized to its CSS box at the device's pixel ratio (drawn in CSS pixels). */
export function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  const { width, height } = canvas.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

const ly = (f: Frame, v: number): number => (f.logY ? Math.log10(v) : v);

/** Pixel position of data point `(x, y)`. */
export function px(f: Frame, x: number, y: number): [number, number] {
  const [y0, y1] = [ly(f, f.y[0]), ly(f, f.y[1])];
  return [
    f.left + ((x - f.x[0]) / (f.x[1] - f.x[0])) * f.width,
    f.top + f.height - ((ly(f, y) - y0) / (y1 - y0)) * f.height,
  ];
}

/** Strokes the polyline through `pts` (points outside the frame are clipped by the canvas clip). */
export function polyline(
  ctx: CanvasRenderingContext2D,
  f: Frame,
  pts: readonly (readonly [number, number])[],
): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(f.left, f.top, f.width, f.height);
  ctx.clip();
  ctx.beginPath();
  let pen = false;
  for (const [x, y] of pts) {
    if (!Number.isFinite(x) || !Number.isFinite(y) || (f.logY && y <= 0)) {
      pen = false;
      continue;
    }
    const [u, v] = px(f, x, y);
    if (pen) ctx.lineTo(u, v);
    else ctx.moveTo(u, v);
    pen = true;
  }
  ctx.stroke();
  ctx.restore();
}

/** A filled dot at data point `(x, y)`. */
export function dot(ctx: CanvasRenderingContext2D, f: Frame, x: number, y: number, r: number): void {
  const [u, v] = px(f, x, y);
  ctx.beginPath();
  ctx.arc(u, v, r, 0, 2 * Math.PI);
  ctx.fill();
}

const fmtTick = (v: number): string =>
  v === 0
    ? '0'
    : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2
      ? Number(v.toPrecision(3)).toExponential() // 1.25e-3, 1.1e-3: no padding zeros
      : String(+v.toPrecision(3));

/** Frame border, a few ticks on both axes, and the axis labels. */
export function axes(ctx: CanvasRenderingContext2D, f: Frame, xLabel: string, yLabel: string): void {
  ctx.save();
  ctx.strokeStyle = '#8a8f98';
  ctx.fillStyle = '#3a3f47';
  ctx.font = '11px system-ui, sans-serif';
  ctx.strokeRect(f.left, f.top, f.width, f.height);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let i = 0; i <= 4; i++) {
    const x = f.x[0] + ((f.x[1] - f.x[0]) * i) / 4;
    const [u] = px(f, x, f.y[0]);
    ctx.fillText(fmtTick(x), u, f.top + f.height + 3);
  }
  ctx.fillText(xLabel, f.left + f.width / 2, f.top + f.height + 16);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const [a, b] = [ly(f, f.y[0]), ly(f, f.y[1])];
  for (let i = 0; i <= 4; i++) {
    const t = a + ((b - a) * i) / 4;
    const v = f.logY ? 10 ** t : t;
    ctx.fillText(fmtTick(v), f.left - 4, px(f, f.x[0], v)[1]);
  }
  ctx.save();
  ctx.translate(12, f.top + f.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(yLabel, 0, 0);
  ctx.restore();
  ctx.restore();
}

// A perceptually ordered dark-blue -> teal -> yellow ramp (stops of a viridis-like map).
const STOPS: readonly [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** The ramp's colour at `t` in [0, 1]. */
export function ramp(t: number): [number, number, number] {
  const s = Math.min(0.999999, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.floor(s);
  const f = s - i;
  const [a, b] = [STOPS[i]!, STOPS[i + 1]!];
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

/** The range `[lo, hi]` of the finite values, padded by `pad` of its width (1 around a single value). */
export function extent(values: Iterable<number>, pad = 0.05): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  const w = hi - lo;
  return [lo - pad * w, hi + pad * w];
}
