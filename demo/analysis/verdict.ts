/**
 * The plain statements the report makes per task: where untuned GeN, from each initial rate, lands
 * against the best grid-tuned cosine schedule of its base optimizer and against each peer, with the
 * spread over seeds; and, where it falls short, what the traces say about why.
 */
import { GEN_VARIANTS, fmtRate } from '../methods.js';
import type { MethodSummary, Stat } from './summary.js';

/** How the report scores a task: accuracy in points (higher is better) or loss in nats (lower is better). */
export interface Scoring {
  readonly metric: 'accuracy' | 'perplexity';
  /** Differences within this count as a match: 0.5 accuracy points, or 0.02 nats (2% perplexity). */
  readonly tolerance: number;
  readonly unit: string;
}

export const scoringFor = (metric: 'accuracy' | 'perplexity'): Scoring =>
  metric === 'accuracy'
    ? { metric, tolerance: 0.5, unit: 'points' }
    : { metric, tolerance: 0.02, unit: 'nats/char' };

/** The score of a summary's runs (accuracy in %, or minus the test loss), over seeds. */
export function score(s: MethodSummary, sc: Scoring): Stat {
  const t = sc.metric === 'accuracy' ? s.final.testMetric : s.final.testLoss;
  const f = sc.metric === 'accuracy' ? 100 : -1;
  const [a, b] = [t.min * f, t.max * f];
  return { mean: t.mean * f, sd: t.sd * Math.abs(f), min: Math.min(a, b), max: Math.max(a, b), n: t.n };
}

export type Outcome = 'matches' | 'better' | 'worse' | 'failed';

export interface Comparison {
  readonly against: MethodSummary;
  /** GeN's mean score minus the other's (positive: GeN is better), in the scoring's unit. */
  readonly diff: number;
  readonly outcome: Outcome;
  /** Whether the two ranges over seeds overlap. */
  readonly overlap: boolean;
}

export interface Verdict {
  readonly gen: MethodSummary;
  readonly cosine: Comparison;
  readonly peers: readonly Comparison[];
  /** What the traces show, when GeN is worse than the tuned cosine. */
  readonly why?: string;
}

export function compare(gen: MethodSummary, other: MethodSummary, sc: Scoring): Comparison {
  const [g, o] = [score(gen, sc), score(other, sc)];
  const diff = g.mean - o.mean;
  const failed = !Number.isFinite(diff);
  return {
    against: other,
    diff,
    outcome: failed ? 'failed' : Math.abs(diff) <= sc.tolerance ? 'matches' : diff > 0 ? 'better' : 'worse',
    overlap: g.min <= o.max && o.min <= g.max,
  };
}

const median = (xs: readonly number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[s.length >> 1]! : NaN;
};

/**
 * Why GeN ended below the tuned cosine schedule, from its measured traces: a run that diverged or
 * ran away; a rate still climbing at the end (the capped warm-up); fits mostly rejected; or a rate
 * that settled below (or above) what the tuned schedule used. The thresholds are stated in the text.
 */
export function diagnose(gen: MethodSummary, cosine: MethodSummary): string {
  const n = gen.runs.length;
  if (gen.diverged > 0) return `${gen.diverged} of ${n} runs stopped at a non-finite loss`;
  if (gen.ranAway > 0)
    return `${gen.ranAway} of ${n} runs ran away (training loss up 25% from its lowest while the probes accepted)`;
  const lr = gen.lr?.mean ?? [];
  const anneals = gen.method.kind === 'gen' && GEN_VARIANTS[gen.method.variant].anneals;
  const peak = (cosine.method as { lr: number }).lr;
  const end = median(lr.slice(Math.floor(lr.length * 0.9)));
  const threeQuarters = median(lr.slice(Math.floor(lr.length * 0.7), Math.floor(lr.length * 0.8)));
  const parts: string[] = [];
  // a seed that never left its first loss level (a dead network, say) drags the mean down on its own
  const stuck = gen.runs.flatMap((r) => {
    const t = r.points.map((p) => p.trainLoss).filter(Number.isFinite);
    return t.length >= 2 && t.at(-1)! >= 0.95 * t[0]! ? [t.at(-1)!] : [];
  });
  if (stuck.length)
    parts.push(
      `${stuck.length} of ${n} runs did not learn (last interval's training loss ${stuck.map((v) => v.toFixed(2)).join(', ')}, within 5% of the first interval's or above it)`,
    );
  if (end > 1.3 * threeQuarters && end < peak)
    parts.push(
      `its rate was still climbing at the end (x${(end / threeQuarters).toFixed(1)} over the last quarter, ending at ${fmtRate(end)} against the tuned cosine's peak ${fmtRate(peak)}): the warm-up from ${fmtRate((gen.method as { lr0: number }).lr0)} did not finish`,
    );
  else if (gen.acceptance < 0.5)
    parts.push(
      `only ${(100 * gen.acceptance).toFixed(0)}% of its fits were accepted, so the rate moved little`,
    );
  else {
    // an annealing rule is compared where neither rate has decayed much: over the first half, with
    // the cosine's median there (its value at a quarter of the run); otherwise the second half
    // against the cosine's mean, half its peak
    const half = Math.floor(lr.length / 2);
    const settled = median(anneals ? lr.slice(0, half) : lr.slice(half));
    const ref = anneals ? (peak * (1 + Math.cos(Math.PI / 4))) / 2 : peak / 2;
    const where = anneals ? 'first' : 'second';
    const refName = anneals ? "tuned cosine's median over the same steps" : "tuned cosine's average";
    if (settled < ref / 1.5)
      parts.push(
        `its rate ${anneals ? 'ran' : 'settled'} at ${fmtRate(settled)} (median over the ${where} half), ${(ref / settled).toFixed(1)}x below the ${refName} ${fmtRate(ref)}: the step that is best for the next minibatch is shorter than the best rate for the whole run`,
      );
    else if (settled > 1.5 * (anneals ? ref : peak))
      parts.push(
        `its rate ${anneals ? 'ran' : 'settled'} at ${fmtRate(settled)} (median over the ${where} half), above the ${anneals ? `${refName} ${fmtRate(ref)}` : `tuned cosine's peak ${fmtRate(peak)}, and it has no decay at the end (the cosine anneals to 0)`}`,
      );
    else
      parts.push(
        `its rate (median ${fmtRate(settled)} over the ${where} half) is close to the tuned cosine's (peak ${fmtRate(peak)}), so the gap is not the rate's level; ${anneals ? 'it follows a cosine horizon down over the run as the tuned schedule does, so neither is the annealing' : 'the cosine also anneals to 0 at the end, which GeN does not'}`,
      );
  }
  return parts.join('; ');
}

/** The verdicts of every GeN summary against the tuned cosine of its base and every peer. */
export function verdicts(
  gens: readonly MethodSummary[],
  tunedCosine: (base: string) => MethodSummary | undefined,
  peers: readonly MethodSummary[],
  sc: Scoring,
): Verdict[] {
  const out: Verdict[] = [];
  for (const gen of gens) {
    if (gen.method.kind !== 'gen') continue;
    const cos = tunedCosine(gen.method.base);
    if (!cos) continue;
    const c = compare(gen, cos, sc);
    out.push({
      gen,
      cosine: c,
      peers: peers.map((p) => compare(gen, p, sc)),
      ...(c.outcome === 'worse' || c.outcome === 'failed' ? { why: diagnose(gen, cos) } : {}),
    });
  }
  return out;
}
