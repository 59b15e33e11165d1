/**
 * The verdicts in words, per base optimizer and GeN variant: where untuned GeN lands against the
 * tuned cosine schedule from each initial rate, against each peer, and why where it falls short.
 */
import { genOf, tunedOf, type TaskAnalysis } from '../analysis/task.js';
import { score, type Comparison, type Outcome, type Verdict } from '../analysis/verdict.js';
import { BASE_NAME, GEN_VARIANTS, fmtRate, methodLabel, type GenVariantId } from '../methods.js';
import { fmtStat, signed } from './format.js';

const lr0 = (v: Verdict) => fmtRate((v.gen.method as { lr0: number }).lr0);
const join = (xs: readonly string[]) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`;

/** `matches it from 1e-2 and 1e-1; below it from 1e-4 (-8.31) ...` */
function byOutcome(vs: readonly Verdict[], pick: (v: Verdict) => Comparison, digits: number): string {
  const parts: string[] = [];
  const words: Record<Outcome, string> = {
    matches: 'matches it',
    better: 'beats it',
    worse: 'ends below it',
    failed: 'could not be compared',
  };
  for (const o of ['matches', 'better', 'worse', 'failed'] as const) {
    const hit = vs.filter((v) => pick(v).outcome === o);
    if (hit.length === 0) continue;
    const rates =
      hit.length === vs.length
        ? 'from every initial rate'
        : `from ${join(hit.map((v) => (o === 'matches' || o === 'failed' ? lr0(v) : `${lr0(v)} (${signed(pick(v).diff, digits)})`)))}`;
    parts.push(
      `${words[o]} ${rates}${hit.length === vs.length && o !== 'matches' && o !== 'failed' ? ` (${join(hit.map((v) => signed(pick(v).diff, digits)))})` : ''}`,
    );
  }
  return parts.join('; ');
}

/** `beats X and Y from every initial rate; ends below Z from every initial rate; against W: better from 0.1, below from 1e-4`. */
function peersInWords(a: TaskAnalysis, vs: readonly Verdict[]): string {
  const groups: Record<string, string[]> = { better: [], matches: [], worse: [] };
  const mixed: string[] = [];
  a.peers.forEach((peer, i) => {
    const cs = vs.map((v) => v.peers[i]!);
    const o = cs[0]?.outcome;
    if (o !== undefined && o !== 'failed' && cs.every((c) => c.outcome === o))
      groups[o]!.push(methodLabel(peer.method));
    else {
      const by = (x: Outcome, word: string) => {
        const hit = vs.filter((_, j) => cs[j]!.outcome === x).map(lr0);
        return hit.length ? `${word} from ${join(hit)}` : '';
      };
      const parts = [
        by('better', 'better'),
        by('matches', 'level'),
        by('worse', 'below'),
        by('failed', 'no comparison'),
      ];
      mixed.push(`against ${methodLabel(peer.method)}: ${parts.filter((x) => x).join(', ')}`);
    }
  });
  const all = vs.length > 1 ? ' from every initial rate' : '';
  return [
    groups['better']!.length ? `beats ${join(groups['better']!)}${all}` : '',
    groups['matches']!.length ? `matches ${join(groups['matches']!)}${all}` : '',
    groups['worse']!.length ? `ends below ${join(groups['worse']!)}${all}` : '',
    ...mixed,
  ]
    .filter((x) => x)
    .join('; ');
}

export function taskSentences(a: TaskAnalysis): string[] {
  const out: string[] = [];
  const digits = a.scoring.metric === 'accuracy' ? 2 : 3;
  const unit = a.scoring.metric === 'accuracy' ? 'accuracy points' : 'nats/char of test loss';
  out.push(
    `Scores are test ${a.scoring.metric === 'accuracy' ? 'accuracy' : 'loss'} at equal steps, mean (min-max) over seeds ${a.seeds.join(', ')}; differences are in ${unit}, and within ${a.scoring.tolerance} counts as a match. GeN is never tuned: every initial rate is reported.`,
  );
  for (const base of a.meta.plan.bases) {
    const cos = tunedOf(a, base, 'cosine');
    if (!cos) continue;
    const edge = a.tuned.find((t) => t.base === base && t.kind === 'cosine')?.atEdge;
    for (const variant of Object.keys(GEN_VARIANTS) as GenVariantId[]) {
      const gens = genOf(a, variant, base);
      const vs = a.verdicts.filter((v) => gens.includes(v.gen));
      if (vs.length === 0) continue;
      const name = `GeN-${BASE_NAME[base]} (${GEN_VARIANTS[variant].label})`;
      out.push(
        `Untuned ${name} against ${BASE_NAME[base]} with the grid-tuned cosine schedule (peak ${fmtRate((cos.method as { lr: number }).lr)}${edge ? `, the grid's ${edge} rate` : ''}, score ${fmtStat(score(cos, a.scoring), digits)}): ${byOutcome(vs, (v) => v.cosine, digits)}.`,
      );
      const peerText = peersInWords(a, vs);
      if (peerText) out.push(`Against the peers, ${name} ${peerText}.`);
      const short = vs.filter((v) => v.why);
      if (short.length)
        out.push(
          `Where ${name} falls short of the tuned cosine: ${short.map((v) => `from ${lr0(v)}, ${v.why}`).join('; ')}.`,
        );
    }
  }
  const ran = [...a.gen, ...a.peers, ...a.tuned.map((t) => t.summary)].filter((s) => s.ranAway || s.diverged);
  out.push(
    ran.length === 0
      ? 'No run ran away (training loss up 25% from its lowest while GeN accepted its fits) or diverged.'
      : `Runs that ran away or diverged: ${ran.map((s) => `${methodLabel(s.method)} (${s.ranAway} ran away, ${s.diverged} diverged, of ${s.runs.length})`).join('; ')}.`,
  );
  return out;
}
