/**
 * A few self-contained SVG charts for the examples and the guide's figures: line charts (linear or
 * log y), contour maps with paths over them, and a row of panels in one file. Strings in, a string
 * out: no DOM, no dependency, so the files open in any browser and diff as text.
 */

/** A polyline in data coordinates. */
export interface Series {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
  /** CSS colour (default: the palette, in order). */
  readonly color?: string;
  /** Dashed line. */
  readonly dashed?: boolean;
  /** Draw the points as dots (and no line). */
  readonly dots?: boolean;
}

/** A line chart. */
export interface LineChart {
  readonly kind: 'line';
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Log-scale y (non-positive values are dropped). */
  readonly logY?: boolean;
  /** Data ranges (default: the series' extent). */
  readonly x?: readonly [number, number];
  readonly y?: readonly [number, number];
  /** Vertical marker lines at these x, with labels. */
  readonly marks?: readonly { readonly x: number; readonly label: string }[];
}

/** A contour map of `values` (rows along y, columns along x) with paths drawn over it. */
export interface ContourChart {
  readonly kind: 'contour';
  readonly title: string;
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  /** `values[i][j]` at `x = x0 + j dx`, `y = y0 + i dy` (a regular grid over the ranges). */
  readonly values: readonly (readonly number[])[];
  /** Contour levels. */
  readonly levels: readonly number[];
  readonly series: readonly Series[];
  /** A marked point (the minimum). */
  readonly star?: readonly [number, number];
}

export type Chart = LineChart | ContourChart;

export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
];

const W = 440;
/** The plot area's height; the legend (one line per series) goes below it. */
const PLOT_H = 230;
const M = { left: 62, right: 14, top: 30, bottom: 44 };
const LEGEND_LINE = 15;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => (Math.abs(v) < 1e-9 ? '0' : String(+v.toFixed(2)));

/** Tick values: about `n` round numbers covering [lo, hi]. */
export function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || Math.abs(lo) || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

const fmtTick = (v: number) =>
  v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2) ? v.toExponential(0) : String(v);

/** Maps data to pixels inside a panel whose top-left corner is (ox, oy). */
function frame(
  ox: number,
  oy: number,
  x: readonly [number, number],
  y: readonly [number, number],
  logY: boolean,
) {
  const ly = (v: number) => (logY ? Math.log10(v) : v);
  const [y0, y1] = [ly(y[0]), ly(y[1])];
  const pw = W - M.left - M.right;
  const ph = PLOT_H;
  return {
    px: (v: number) => ox + M.left + ((v - x[0]) / (x[1] - x[0] || 1)) * pw,
    py: (v: number) => oy + M.top + ph - ((ly(v) - y0) / (y1 - y0 || 1)) * ph,
    box: { x: ox + M.left, y: oy + M.top, w: pw, h: ph },
  };
}

const extent = (vs: number[]): [number, number] => {
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
};

function path(
  pts: readonly (readonly [number, number])[],
  px: (v: number) => number,
  py: (v: number) => number,
) {
  return pts.map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${num(px(a))},${num(py(b))}`).join('');
}

function seriesSvg(s: Series, i: number, px: (v: number) => number, py: (v: number) => number, clip: string) {
  const color = s.color ?? PALETTE[i % PALETTE.length]!;
  if (s.dots)
    return s.points
      .map(([a, b]) => `<circle cx="${num(px(a))}" cy="${num(py(b))}" r="3.5" fill="${color}"/>`)
      .join('');
  if (s.points.length === 0) return '';
  const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
  return `<path d="${path(s.points, px, py)}" fill="none" stroke="${color}" stroke-width="1.8"${dash} clip-path="url(#${clip})"/>`;
}

function legend(series: readonly Series[], ox: number, oy: number): string {
  return series
    .map((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length]!;
      const y = oy + M.top + PLOT_H + M.bottom + i * LEGEND_LINE;
      const x = ox + M.left;
      const mark = s.dots
        ? `<circle cx="${x + 9}" cy="${y - 4}" r="3.5" fill="${color}"/>`
        : `<line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`;
      return `${mark}<text x="${x + 24}" y="${y}" font-size="11">${esc(s.label)}</text>`;
    })
    .join('');
}

function axes(
  f: ReturnType<typeof frame>,
  x: readonly [number, number],
  y: readonly [number, number],
  logY: boolean,
  labels: { x: string; y: string },
): string {
  const { box } = f;
  const out = [
    `<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" fill="none" stroke="#444"/>`,
  ];
  for (const t of ticks(x[0], x[1]))
    out.push(
      `<line x1="${num(f.px(t))}" y1="${box.y + box.h}" x2="${num(f.px(t))}" y2="${box.y + box.h + 4}" stroke="#444"/>`,
      `<text x="${num(f.px(t))}" y="${box.y + box.h + 16}" font-size="10" text-anchor="middle">${fmtTick(t)}</text>`,
    );
  const yt = logY
    ? ticks(Math.log10(y[0]), Math.log10(y[1]))
        .filter(Number.isInteger)
        .map((e) => 10 ** e)
    : ticks(y[0], y[1]);
  for (const t of yt)
    out.push(
      `<line x1="${box.x - 4}" y1="${num(f.py(t))}" x2="${box.x}" y2="${num(f.py(t))}" stroke="#444"/>`,
      `<text x="${box.x - 6}" y="${num(f.py(t) + 3)}" font-size="10" text-anchor="end">${logY ? `1e${Math.round(Math.log10(t))}` : fmtTick(t)}</text>`,
    );
  out.push(
    `<text x="${box.x + box.w / 2}" y="${box.y + box.h + 30}" font-size="11" text-anchor="middle">${esc(labels.x)}</text>`,
    `<text transform="translate(${box.x - 46},${box.y + box.h / 2}) rotate(-90)" font-size="11" text-anchor="middle">${esc(labels.y)}</text>`,
  );
  return out.join('');
}

function lineChart(c: LineChart, ox: number, oy: number, id: string): string {
  const keep = (p: readonly [number, number]) => Number.isFinite(p[1]) && (!c.logY || p[1] > 0);
  const series = c.series.map((s) => ({ ...s, points: s.points.filter(keep) }));
  const all = series.flatMap((s) => s.points);
  const x = c.x ?? extent(all.map((p) => p[0]));
  const yData = extent(all.map((p) => p[1]));
  const y = c.y ?? (c.logY ? ([yData[0], yData[1] === yData[0] ? yData[0] * 10 : yData[1]] as const) : yData);
  const logY = c.logY ?? false;
  const f = frame(ox, oy, x, y, logY);
  const marks = (c.marks ?? []).map(
    (m) =>
      `<line x1="${num(f.px(m.x))}" y1="${f.box.y}" x2="${num(f.px(m.x))}" y2="${f.box.y + f.box.h}" stroke="#888" stroke-dasharray="2 3"/>` +
      `<text x="${num(f.px(m.x) + 3)}" y="${f.box.y + 12}" font-size="10" fill="#555">${esc(m.label)}</text>`,
  );
  return [
    clipDef(id, f.box),
    `<text x="${ox + W / 2}" y="${oy + 18}" font-size="13" text-anchor="middle" font-weight="bold">${esc(c.title)}</text>`,
    axes(f, x, y, logY, { x: c.xLabel, y: c.yLabel }),
    ...marks,
    ...series.map((s, i) => seriesSvg(s, i, f.px, f.py, id)),
    legend(series, ox, oy),
  ].join('');
}

const clipDef = (id: string, b: { x: number; y: number; w: number; h: number }) =>
  `<defs><clipPath id="${id}"><rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}"/></clipPath></defs>`;

/**
 * The segments of the level set `values = level` on the grid, by marching squares (each cell's
 * corners above or below the level; the crossing on each edge linearly interpolated).
 */
export function contourSegments(
  values: readonly (readonly number[])[],
  level: number,
): [number, number, number, number][] {
  const segs: [number, number, number, number][] = [];
  const rows = values.length;
  const cols = values[0]?.length ?? 0;
  const cross = (ia: number, ja: number, ib: number, jb: number): [number, number] => {
    const va = values[ia]![ja]!;
    const vb = values[ib]![jb]!;
    const t = (level - va) / (vb - va);
    return [ja + t * (jb - ja), ia + t * (ib - ia)];
  };
  for (let i = 0; i + 1 < rows; i++)
    for (let j = 0; j + 1 < cols; j++) {
      // corners in order: (i, j), (i, j+1), (i+1, j+1), (i+1, j); edges between consecutive corners
      const c: [number, number][] = [
        [i, j],
        [i, j + 1],
        [i + 1, j + 1],
        [i + 1, j],
      ];
      const pts: [number, number][] = [];
      for (let e = 0; e < 4; e++) {
        const [a, b] = [c[e]!, c[(e + 1) % 4]!];
        const above = values[a[0]]![a[1]]! > level;
        if (above !== values[b[0]]![b[1]]! > level) pts.push(cross(a[0], a[1], b[0], b[1]));
      }
      if (pts.length >= 2) segs.push([...pts[0]!, ...pts[1]!]);
      if (pts.length === 4) segs.push([...pts[2]!, ...pts[3]!]);
    }
  return segs;
}

function contourChart(c: ContourChart, ox: number, oy: number, id: string): string {
  const f = frame(ox, oy, c.x, c.y, false);
  const rows = c.values.length;
  const cols = c.values[0]!.length;
  const gx = (j: number) => c.x[0] + (j / (cols - 1)) * (c.x[1] - c.x[0]);
  const gy = (i: number) => c.y[0] + (i / (rows - 1)) * (c.y[1] - c.y[0]);
  const lines = c.levels.map((level, k) => {
    const d = contourSegments(c.values, level)
      .map(
        ([j0, i0, j1, i1]) =>
          `M${num(f.px(gx(j0)))},${num(f.py(gy(i0)))}L${num(f.px(gx(j1)))},${num(f.py(gy(i1)))}`,
      )
      .join('');
    const shade = Math.round(215 - (k / Math.max(1, c.levels.length - 1)) * 100);
    return `<path d="${d}" fill="none" stroke="rgb(${shade},${shade},${shade})" stroke-width="0.8"/>`;
  });
  const star = c.star
    ? `<text x="${num(f.px(c.star[0]))}" y="${num(f.py(c.star[1]) + 5)}" font-size="16" text-anchor="middle" fill="#000">★</text>`
    : '';
  const starts = c.series
    .filter((s) => s.points.length > 0)
    .map(
      (s) =>
        `<circle cx="${num(f.px(s.points[0]![0]))}" cy="${num(f.py(s.points[0]![1]))}" r="4" fill="#000"/>`,
    );
  return [
    clipDef(id, f.box),
    `<text x="${ox + W / 2}" y="${oy + 18}" font-size="13" text-anchor="middle" font-weight="bold">${esc(c.title)}</text>`,
    `<g clip-path="url(#${id})">${lines.join('')}</g>`,
    axes(f, c.x, c.y, false, { x: 'x', y: 'y' }),
    ...c.series.map((s, i) => seriesSvg(s, i, f.px, f.py, id)),
    star,
    starts[0] ?? '',
    legend(c.series, ox, oy),
  ].join('');
}

/** One SVG file holding `charts` side by side; `idPrefix` keeps clip ids unique on a page. */
export function svgFigure(charts: readonly Chart[], idPrefix = 'p'): string {
  const body = charts.map((c, i) =>
    c.kind === 'line'
      ? lineChart(c, i * W, 0, `${idPrefix}${i}`)
      : contourChart(c, i * W, 0, `${idPrefix}${i}`),
  );
  const rows = Math.max(...charts.map((c) => c.series.length));
  const h = M.top + PLOT_H + M.bottom + rows * LEGEND_LINE;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W * charts.length}" height="${h}" ` +
    `viewBox="0 0 ${W * charts.length} ${h}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="#fff"/>${body.join('')}</svg>\n`
  );
}
