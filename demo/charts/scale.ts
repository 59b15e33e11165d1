/**
 * Axis scales for the report's charts: a map from data to pixels, its ticks and their labels.
 * Linear ticks are "nice" numbers (1, 2 or 5 times a power of ten); log ticks are decades, with
 * 2 and 5 in between when the axis spans few of them.
 */

/** A scale: data -> pixel, plus the ticks to draw. */
export interface Scale {
  readonly log: boolean;
  /** The data range shown, after padding to ticks. */
  readonly domain: readonly [number, number];
  /** Pixel position of `v` (NaN when `v` cannot be drawn, e.g. `v <= 0` on a log axis). */
  map(v: number): number;
  readonly ticks: readonly number[];
}

/** Values a scale can draw: finite, and positive on a log axis. */
export const drawable = (v: number, log: boolean): boolean => Number.isFinite(v) && (!log || v > 0);

/** The nice step (1, 2 or 5 times a power of ten) nearest to `span / count`. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

function linearTicks(lo: number, hi: number, count: number): { domain: [number, number]; ticks: number[] } {
  // a single value (or a span lost to rounding) gets room around it
  if (!(hi - lo > Math.max(Math.abs(hi) * 1e-12, 1e-200))) {
    const pad = Math.abs(lo) > 1e-200 ? Math.abs(lo) * 0.1 : 1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const step = niceStep(hi - lo, count);
  // (the corrections catch values so small that lo / step underflows to 0)
  let start = Math.floor(lo / step) * step;
  let end = Math.ceil(hi / step) * step;
  if (start > lo) start -= step;
  if (end < hi) end += step;
  const ticks: number[] = [];
  // integer multiples avoid drift such as 0.30000000000000004
  for (let i = Math.round(start / step); i <= Math.round(end / step); i++) ticks.push(i * step);
  return { domain: [start, end], ticks };
}

/** `10^e` written exactly (`10 ** -4` is 0.00009999999999999999). */
const decade = (e: number) => Number(`1e${e}`);

function logTicks(lo: number, hi: number): { domain: [number, number]; ticks: number[] } {
  let a = Math.floor(Math.log10(lo));
  let b = Math.ceil(Math.log10(hi));
  if (a === b) [a, b] = [a - 1, b + 1];
  const decades = b - a;
  // more than ~8 decades crowd the axis: label every other one
  const every = decades > 8 ? 2 : 1;
  const ticks: number[] = [];
  for (let e = a; e <= b; e += every) {
    ticks.push(decade(e));
    if (decades <= 2 && e < b) ticks.push(2 * decade(e), 5 * decade(e));
  }
  return { domain: [decade(a), decade(b)], ticks };
}

/**
 * A scale over `values` (those that cannot be drawn are ignored) onto pixels `[p0, p1]`.
 * `fixed` forces the domain (e.g. `[0, 1]` for accuracy) and takes ticks inside it.
 */
export function makeScale(
  values: readonly number[],
  p0: number,
  p1: number,
  o: { log?: boolean; fixed?: readonly [number, number]; ticks?: number } = {},
): Scale {
  const log = o.log ?? false;
  const ok = values.filter((v) => drawable(v, log));
  let lo = o.fixed?.[0] ?? (ok.length ? Math.min(...ok) : log ? 1 : 0);
  let hi = o.fixed?.[1] ?? (ok.length ? Math.max(...ok) : log ? 10 : 1);
  if (log && lo <= 0) lo = hi / 10;
  if (hi < lo) [lo, hi] = [hi, lo];
  const t = log ? logTicks(lo, hi) : linearTicks(lo, hi, o.ticks ?? 5);
  const domain: [number, number] = o.fixed ? [lo, hi] : t.domain;
  const ticks = o.fixed ? t.ticks.filter((v) => v >= lo - 1e-12 && v <= hi + 1e-12) : t.ticks;
  const f = (v: number) => (log ? Math.log10(v) : v);
  const [d0, d1] = [f(domain[0]), f(domain[1])];
  return {
    log,
    domain,
    ticks,
    map: (v) => (drawable(v, log) ? p0 + ((f(v) - d0) / (d1 - d0 || 1)) * (p1 - p0) : NaN),
  };
}

/** A tick label: short, exponent form on log axes past 1e4 or below 1e-3. */
export function tickLabel(v: number, log: boolean): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (log && (a >= 1e4 || a < 1e-3)) {
    const e = Math.log10(a);
    if (Math.abs(e - Math.round(e)) < 1e-9) return `1e${Math.round(e)}`;
    return v.toExponential(0).replace('e+', 'e');
  }
  if (a >= 1e5 || a < 1e-4) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}
