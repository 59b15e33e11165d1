/**
 * The report's charts as SVG strings: line charts (linear or log axes, one line per series, an
 * optional band for the spread over seeds, markers, a legend) and dot plots (one row per method:
 * the mean as a dot, the spread as a whisker, a reference line). No dependencies, no scripts, no
 * external resources, so the HTML that inlines them stays self-contained. Every data mark carries
 * `class="series"` (lines, bands) or `class="mark"` (dots), which the browser test looks for.
 */
import { drawable, makeScale, tickLabel, type Scale } from './scale.js';

/** Ten colours that stay apart from each other (Tableau 10). */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

/** One line (or set of markers) of a line chart. */
export interface Series {
  readonly label: string;
  readonly x: readonly number[];
  /** The line (a mean over seeds, say); NaN leaves a gap. */
  readonly y: readonly number[];
  /** A band from `lo` to `hi` around the line (the spread over seeds). */
  readonly lo?: readonly number[];
  readonly hi?: readonly number[];
  /** Default: the palette, in order. */
  readonly color?: string;
  /** `true` or `'dashed'`: dashes; `'dotted'`: dots (a third line style beside solid and dashed). */
  readonly dashed?: boolean | 'dashed' | 'dotted';
  /** Draw a dot at each point; `'only'` draws no line. */
  readonly markers?: boolean | 'only';
}

/** A line chart. */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  /** Force the y range (e.g. accuracy's). */
  readonly yRange?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

/** One row of a dot plot. */
export interface DotRow {
  readonly label: string;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
  readonly color?: string;
}

/** A dot plot: a row per method, the mean as a dot and the spread as a whisker. */
export interface DotPlot {
  readonly title: string;
  readonly xLabel: string;
  readonly rows: readonly DotRow[];
  /** A dashed vertical line, e.g. the tuned cosine schedule's mean. */
  readonly reference?: { readonly value: number; readonly label: string };
  /** The x range shown; a row outside it is written as its value at the edge it is beyond. */
  readonly xRange?: readonly [number, number];
  readonly xLog?: boolean;
  /** Width of the plot area right of the labels (default 510). */
  readonly width?: number;
}

/** Text for SVG/HTML content and attributes. */
export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const dashArray = (s: Series): string =>
  s.dashed === 'dotted' ? ' stroke-dasharray="1.5 2.5"' : s.dashed ? ' stroke-dasharray="5 3"' : '';

const num = (v: number) => String(Math.round(v * 10) / 10);
const FONT = 'font-family="system-ui, sans-serif"';

/** Polyline pieces through the points both scales can draw; a point that cannot be drawn breaks the line. */
function segments(xs: Scale, ys: Scale, x: readonly number[], y: readonly number[]): [number, number][][] {
  const out: [number, number][][] = [];
  let cur: [number, number][] = [];
  for (let i = 0; i < x.length; i++) {
    const px = xs.map(x[i]!);
    const py = ys.map(y[i]!);
    if (Number.isFinite(px) && Number.isFinite(py)) cur.push([px, py]);
    else if (cur.length) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

const pathOf = (seg: [number, number][]) =>
  seg.map(([x, y], i) => `${i ? 'L' : 'M'}${num(x)} ${num(y)}`).join('');

function band(xs: Scale, ys: Scale, s: Series): string {
  const { lo, hi } = s;
  if (!lo || !hi) return '';
  const pieces: string[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length > 1) {
      const top = run.map((i) => [xs.map(s.x[i]!), ys.map(hi[i]!)] as [number, number]);
      const bottom = run.map((i) => [xs.map(s.x[i]!), ys.map(lo[i]!)] as [number, number]).reverse();
      pieces.push(`${pathOf([...top, ...bottom])}Z`);
    }
    run = [];
  };
  for (let i = 0; i < s.x.length; i++) {
    const ok = [s.x[i]!, lo[i]!, hi[i]!].every((v, j) => drawable(v, j === 0 ? xs.log : ys.log));
    if (ok) run.push(i);
    else flush();
  }
  flush();
  return pieces.length ? pieces.join('') : '';
}

/** Axes, grid and tick labels of the plot area `[l, r] x [t, b]`. */
function axes(xs: Scale, ys: Scale, l: number, r: number, t: number, b: number): string {
  const parts: string[] = [];
  for (const v of ys.ticks) {
    const y = ys.map(v);
    parts.push(`<line x1="${l}" x2="${r}" y1="${num(y)}" y2="${num(y)}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${l - 6}" y="${num(y + 4)}" text-anchor="end" font-size="11" fill="#444">${tickLabel(v, ys.log)}</text>`,
    );
  }
  for (const v of xs.ticks) {
    const x = xs.map(v);
    parts.push(`<line x1="${num(x)}" x2="${num(x)}" y1="${t}" y2="${b}" stroke="#f0f0f0"/>`);
    parts.push(
      `<text x="${num(x)}" y="${b + 16}" text-anchor="middle" font-size="11" fill="#444">${tickLabel(v, xs.log)}</text>`,
    );
  }
  parts.push(`<rect x="${l}" y="${t}" width="${r - l}" height="${b - t}" fill="none" stroke="#888"/>`);
  return parts.join('');
}

function frame(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" ${FONT}>` +
    `<title>${escapeXml(title)}</title><rect width="${width}" height="${height}" fill="#fff"/>` +
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(title)}</text>` +
    `${body}</svg>`
  );
}

/** Renders a line chart. */
export function lineChart(c: LineChart): string {
  // the legend is as wide as its longest label (about 6.3 px a character at 11 px)
  const longest = Math.max(0, ...c.series.map((s) => Math.min(s.label.length, LEGEND_CHARS)));
  const legendW = Math.round(Math.min(Math.max(46 + 6.3 * longest, 140), 46 + 6.3 * LEGEND_CHARS));
  const width = (c.width ?? 530) + legendW;
  const rowH = 16;
  const height = Math.max(c.height ?? 360, 40 + c.series.length * rowH + 20);
  const [l, r, t, b] = [62, width - legendW, 32, height - 44];
  const allX = c.series.flatMap((s) => s.x);
  const allY = c.series.flatMap((s) => [...s.y, ...(s.lo ?? []), ...(s.hi ?? [])]);
  const xs = makeScale(allX, l, r, { log: c.xLog });
  const ys = makeScale(allY, b, t, { log: c.yLog, fixed: c.yRange });
  const parts = [axes(xs, ys, l, r, t, b)];
  const marks: string[] = [];
  const clip = `clip-${Math.abs(hash(c.title))}`;
  parts.push(
    `<clipPath id="${clip}"><rect x="${l}" y="${t}" width="${r - l}" height="${b - t}"/></clipPath><g clip-path="url(#${clip})">`,
  );
  c.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const d = band(xs, ys, s);
    if (d)
      parts.push(`<path class="series band" d="${d}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
  });
  c.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const segs = segments(xs, ys, s.x, s.y);
    if (s.markers !== 'only') {
      const d = segs
        .filter((g) => g.length > 1)
        .map(pathOf)
        .join('');
      if (d)
        parts.push(
          `<path class="series" data-series="${escapeXml(s.label)}" d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${dashArray(s)}/>`,
        );
    }
    // a point with no neighbour to join is drawn as a dot, or it would not show
    const dots = s.markers ? segs.flat() : segs.filter((g) => g.length === 1).flat();
    for (const [x, y] of dots) {
      const dot = `<circle class="mark" cx="${num(x)}" cy="${num(y)}" r="3" fill="${color}"/>`;
      // a dot inside the plot area is drawn whole, past the clip (one on an edge would be halved)
      if (x >= l && x <= r && y >= t && y <= b) marks.push(dot);
      else parts.push(dot);
    }
  });
  parts.push('</g>', ...marks);
  parts.push(
    `<text x="${(l + r) / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeXml(c.xLabel)}</text>`,
    `<text transform="translate(14 ${(t + b) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(c.yLabel)}</text>`,
  );
  c.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const y = t + 8 + i * rowH;
    const swatch = s.markers === 'only' ? `<circle cx="${r + 24}" cy="${y}" r="3" fill="${color}"/>` : '';
    const line =
      s.markers === 'only'
        ? ''
        : `<line x1="${r + 14}" x2="${r + 34}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"${dashArray(s)}/>`;
    parts.push(
      `${line}${swatch}<text x="${r + 40}" y="${y + 4}" font-size="11">${escapeXml(shorten(s.label, LEGEND_CHARS))}</text>`,
    );
  });
  return frame(width, height, c.title, parts.join(''));
}

/** Renders a dot plot. */
export function dotPlot(p: DotPlot): string {
  // the label column is as wide as its longest label (about 6.3 px a character at 11 px)
  const longest = Math.max(0, ...p.rows.map((row) => Math.min(row.label.length, DOT_LABEL_CHARS)));
  const labelW = Math.round(Math.max(120, 16 + 6.3 * longest));
  const width = labelW + (p.width ?? 510);
  const rowH = 18;
  const height = 48 + p.rows.length * rowH + 44;
  const [l, r, t, b] = [labelW, width - 24, 40, 48 + p.rows.length * rowH];
  const values = p.rows.flatMap((row) => [row.mean, row.lo, row.hi]);
  if (p.reference) values.push(p.reference.value);
  const xs = makeScale(values, l, r, { log: p.xLog, ...(p.xRange ? { fixed: p.xRange } : {}) });
  const [d0, d1] = xs.domain;
  const inside = (v: number) => v >= d0 && v <= d1;
  const ys = makeScale([0, 1], b, t, { fixed: [0, 1] });
  const parts = [axes(xs, { ...ys, ticks: [] }, l, r, t, b)];
  p.rows.forEach((row, i) => {
    const y = t + 10 + i * rowH;
    const color = row.color ?? PALETTE[0];
    const clamp = (v: number) => (Number.isFinite(v) ? Math.min(Math.max(v, d0), d1) : v);
    const [x0, x1, xm] = [xs.map(clamp(row.lo)), xs.map(clamp(row.hi)), xs.map(row.mean)];
    parts.push(
      `<text x="${l - 8}" y="${y + 4}" text-anchor="end" font-size="11">${escapeXml(shorten(row.label, DOT_LABEL_CHARS))}</text>`,
    );
    if (Number.isFinite(x0) && Number.isFinite(x1) && x1 - x0 >= 0.5)
      parts.push(
        `<path class="series" d="M${num(x0)} ${y}L${num(x1)} ${y}" stroke="${color}" stroke-width="2"/>`,
      );
    if (Number.isFinite(xm) && inside(row.mean))
      parts.push(`<circle class="mark" cx="${num(xm)}" cy="${y}" r="4" fill="${color}"/>`);
    else if (Number.isFinite(row.mean)) {
      // off the scale: an arrow at the edge it is beyond, and the value
      const left = row.mean < d0;
      const e = left ? l : r;
      const tip = left
        ? `M${e} ${y}L${e + 7} ${y - 4}L${e + 7} ${y + 4}Z`
        : `M${e} ${y}L${e - 7} ${y - 4}L${e - 7} ${y + 4}Z`;
      parts.push(
        `<path class="series" d="${tip}" fill="${color}"/>`,
        `<text x="${left ? e + 10 : e - 10}" y="${y + 4}" font-size="10" text-anchor="${left ? 'start' : 'end'}" fill="${color}" stroke="#fff" stroke-width="3" paint-order="stroke">${tickLabel(row.mean, false)}</text>`,
      );
    } else parts.push(`<text x="${l + 6}" y="${y + 4}" font-size="11" fill="#b00">not finite</text>`);
  });
  if (p.reference) {
    const x = xs.map(p.reference.value);
    if (Number.isFinite(x))
      parts.push(
        `<path class="series" d="M${num(x)} ${t}L${num(x)} ${b}" stroke="#333" stroke-dasharray="4 3"/>`,
        `<text x="${num(x > (l + r) / 2 ? x - 4 : x + 4)}" y="${t - 3}" font-size="10" fill="#333" text-anchor="${x > (l + r) / 2 ? 'end' : 'start'}">${escapeXml(p.reference.label)}</text>`,
      );
  }
  parts.push(
    `<text x="${(l + r) / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeXml(p.xLabel)}</text>`,
  );
  return frame(width, height, p.title, parts.join(''));
}

/** Legend and dot-plot labels longer than these are cut. */
const LEGEND_CHARS = 44;
const DOT_LABEL_CHARS = 48;
const shorten = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** A small stable hash, for ids that must differ between the charts of one page. */
function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
