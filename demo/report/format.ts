/** How numbers read in the report's tables and sentences. */
import type { Stat } from '../analysis/summary.js';
import type { Comparison, Scoring } from '../analysis/verdict.js';

/** `v` with `digits` decimals, or `n/a` when not finite. */
export const fixed = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** A score over seeds: `93.42 (93.10-93.81)`, or just the mean for one seed. */
export function fmtStat(s: Stat, digits = 2): string {
  if (s.n === 0) return 'n/a';
  if (s.n === 1 || s.min === s.max) return fixed(s.mean, digits);
  return `${fixed(s.mean, digits)} (${fixed(s.min, digits)}-${fixed(s.max, digits)})`;
}

/** A percentage of a fraction over seeds: `93.42% (93.10-93.81)`. */
export const fmtPct = (s: Stat, digits = 2): string =>
  fmtStat({ ...s, mean: 100 * s.mean, sd: 100 * s.sd, min: 100 * s.min, max: 100 * s.max }, digits) +
  (s.n ? '%' : '');

/** A signed difference in the scoring's unit. */
export const signed = (v: number, digits = 2): string =>
  Number.isFinite(v) ? `${v >= 0 ? '+' : '-'}${Math.abs(v).toFixed(digits)}` : 'n/a';

/** A comparison cell: `+0.31 matches`, `-4.20 worse (ranges overlap)`. */
export function fmtComparison(c: Comparison, sc: Scoring): string {
  if (c.outcome === 'failed') return 'n/a (a run failed)';
  const digits = sc.metric === 'accuracy' ? 2 : 3;
  return `${signed(c.diff, digits)} ${c.outcome}${c.outcome !== 'matches' && c.overlap ? ' (ranges overlap)' : ''}`;
}

/** Seconds as `12.3 s`. */
export const secs = (s: Stat): string => (s.n ? `${fixed(s.mean, s.mean < 10 ? 2 : 1)} s` : 'n/a');
