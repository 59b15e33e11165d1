/** From runs to statements: statistics over seeds, runaway detection, comparisons and diagnoses. */
import { describe, expect, it } from 'vitest';
import type { MethodSpec } from '../methods.js';
import type { EvalPoint, RunResult } from '../run.js';
import { band, health, stat, summarize } from './summary.js';
import { compare, diagnose, score, scoringFor } from './verdict.js';

const GEN: MethodSpec = { kind: 'gen', base: 'sgd', variant: 'paper', lr0: 1e-3, probe: 'fresh' };
const COS: MethodSpec = { kind: 'cosine', base: 'sgd', lr: 0.4 };

/** A run whose evaluation points carry the given training losses, test accuracies and probe counts. */
function run(
  method: MethodSpec,
  seed: number,
  o: {
    train: number[];
    acc?: number[];
    probes?: number[];
    accepted?: number[];
    lr?: number[];
    stopped?: string;
  },
): RunResult {
  const points: EvalPoint[] = o.train.map((t, i) => ({
    step: 10 * i,
    trainLoss: t,
    valLoss: 1,
    valMetric: o.acc?.[i] ?? 0.5,
    testLoss: 1 - (o.acc?.[i] ?? 0.5),
    testMetric: o.acc?.[i] ?? 0.5,
    probes: o.probes?.[i] ?? 0,
    accepted: o.accepted?.[i] ?? 0,
  }));
  return {
    spec: { task: 'mlp', size: 'quick', method, seed },
    steps: 10 * (o.train.length - 1),
    epochSteps: 10,
    points,
    lr: o.lr ?? [],
    lrEvery: 1,
    seconds: 1,
    cpuSeconds: 0.5,
    ...(o.stopped ? { stopped: o.stopped } : {}),
  };
}

describe('statistics over seeds', () => {
  it('stat: mean, sample standard deviation, range', () => {
    const s = stat([1, 2, 3, 6]);
    expect(s.mean).toBe(3);
    expect(s.sd).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect([s.min, s.max, s.n]).toEqual([1, 6, 4]);
    expect(stat([5]).sd).toBe(0);
    expect(stat([]).mean).toBeNaN();
  });

  it('band: the mean only where every seed is finite; the range of those that are', () => {
    const b = band(
      [0, 1, 2],
      [
        [1, 2, 3],
        [3, NaN, 5],
      ],
    );
    expect(b.mean).toEqual([2, NaN, 4]);
    expect(b.lo).toEqual([1, 2, 3]);
    expect(b.hi).toEqual([3, 2, 5]);
  });
});

describe('runaway detection', () => {
  it('a loss that rises 25% above its lowest while most fits are accepted ran away', () => {
    const r = run(GEN, 0, {
      train: [NaN, 1, 0.5, 0.6, 0.7],
      probes: [0, 4, 4, 4, 4],
      accepted: [0, 4, 4, 3, 2],
    });
    expect(health(r)).toEqual({ diverged: false, ranAway: true, rose: true, rise: 0.7 / 0.5 });
  });

  it('the same rise with the fits rejected is not a runaway; a 20% rise is not one either', () => {
    const rejected = run(GEN, 0, { train: [NaN, 1, 0.5, 0.7], probes: [0, 4, 4, 4], accepted: [0, 4, 1, 0] });
    expect(health(rejected)).toMatchObject({ diverged: false, ranAway: false, rose: true });
    const small = run(GEN, 0, { train: [NaN, 1, 0.5, 0.6], probes: [0, 4, 4, 4], accepted: [0, 4, 4, 4] });
    expect(health(small).rose).toBe(false);
    const falling = run(GEN, 0, { train: [NaN, 1, 0.5, 0.4], probes: [0, 4, 4, 4], accepted: [0, 4, 4, 4] });
    expect(health(falling)).toEqual({ diverged: false, ranAway: false, rose: false, rise: 1 });
  });

  it('a run without probes (not GeN) can rise but not run away; a stopped run diverged', () => {
    expect(health(run(COS, 0, { train: [NaN, 1, 0.5, 0.9] }))).toEqual({
      diverged: false,
      ranAway: false,
      rose: true,
      rise: 0.9 / 0.5,
    });
    expect(health(run(COS, 0, { train: [NaN, 1], stopped: 'loss is NaN' })).diverged).toBe(true);
  });
});

describe('summaries', () => {
  it('summarize: final statistics, curves, acceptance and health over seeds', () => {
    const s = summarize([
      run(GEN, 0, {
        train: [NaN, 1, 0.5],
        acc: [0.1, 0.8, 0.9],
        probes: [0, 2, 2],
        accepted: [0, 2, 1],
        lr: [1, 2, 3],
      }),
      run(GEN, 1, {
        train: [NaN, 1, 0.6],
        acc: [0.1, 0.7, 0.8],
        probes: [0, 2, 2],
        accepted: [0, 2, 2],
        lr: [1, 3, 5],
      }),
    ]);
    expect(s.final.testMetric.mean).toBeCloseTo(0.85, 12);
    expect(s.curves.steps).toEqual([0, 10, 20]);
    expect(s.curves.epochs).toEqual([0, 1, 2]);
    expect(s.curves.testMetric.mean.map((v) => +v.toFixed(12))).toEqual([0.1, 0.75, 0.85]);
    expect(s.acceptance).toBeCloseTo(7 / 8, 12);
    expect(s.lr!.mean).toEqual([1, 2.5, 4]);
    expect(s.lr!.x).toEqual([1, 2, 3]);
  });

  it('summarize refuses runs of two methods', () => {
    expect(() => summarize([run(GEN, 0, { train: [1] }), run(COS, 0, { train: [1] })])).toThrow(
      /several methods/,
    );
  });
});

describe('verdicts', () => {
  const acc = scoringFor('accuracy');
  const of = (m: MethodSpec, accs: number[]) =>
    summarize(accs.map((a, i) => run(m, i, { train: [NaN, 1], acc: [0, a] })));

  it('scores accuracy in points and losses as minus the loss', () => {
    expect(score(of(GEN, [0.9, 0.92]), acc).mean).toBeCloseTo(91, 10);
    const loss = score(of(GEN, [0.9, 0.92]), scoringFor('perplexity'));
    expect(loss.mean).toBeCloseTo(-0.09, 12);
    expect(loss.min).toBeLessThan(loss.max);
  });

  it('within 0.5 points matches; beyond, better or worse, with whether the ranges overlap', () => {
    const cos = of(COS, [0.9, 0.91]);
    expect(compare(of(GEN, [0.903, 0.909]), cos, acc).outcome).toBe('matches');
    const worse = compare(of(GEN, [0.85, 0.86]), cos, acc);
    expect([worse.outcome, worse.overlap]).toEqual(['worse', false]);
    expect(worse.diff).toBeCloseTo(-5, 10);
    const better = compare(of(GEN, [0.9, 0.93]), cos, acc);
    expect([better.outcome, better.overlap]).toEqual(['better', true]);
    expect(compare(of(GEN, [NaN, 0.9]), cos, acc).outcome).toBe('failed');
  });

  it('diagnoses a rate still climbing at the end as an unfinished warm-up', () => {
    const lr = Array.from({ length: 100 }, (_, i) => 1e-3 * 1.05 ** i);
    const gen = summarize([
      run(GEN, 0, { train: [NaN, 1, 0.9], probes: [0, 5, 5], accepted: [0, 5, 5], lr }),
    ]);
    expect(diagnose(gen, of(COS, [0.9]))).toMatch(/still climbing .* did not finish/);
  });

  it('diagnoses a rate that settled far below the tuned schedule, and runs that diverged', () => {
    const lr = Array.from({ length: 100 }, () => 0.01);
    const gen = summarize([
      run(GEN, 0, { train: [NaN, 1, 0.9], probes: [0, 5, 5], accepted: [0, 5, 5], lr }),
    ]);
    expect(diagnose(gen, of(COS, [0.9]))).toMatch(
      /settled at 0\.01 .* 20\.0x below the tuned cosine's average 0\.2/,
    );
    const dead = summarize([run(GEN, 0, { train: [NaN, 1], stopped: 'NaN' })]);
    expect(diagnose(dead, of(COS, [0.9]))).toMatch(/1 of 1 runs stopped at a non-finite loss/);
  });

  it('compares an annealing rule (auto) over the first half, against the cosine there, and never blames the missing decay', () => {
    const AUTO: MethodSpec = { kind: 'gen', base: 'sgd', variant: 'auto', lr0: 1e-3, probe: 'own' };
    // the cosine at peak 0.4 has the median 0.4 (1 + cos(pi/4)) / 2 = 0.3414 over the first half
    const ref = (0.4 * (1 + Math.cos(Math.PI / 4))) / 2;
    const at = (level: number) =>
      summarize([
        run(AUTO, 0, {
          train: [NaN, 1, 0.9],
          probes: [0, 5, 5],
          accepted: [0, 5, 5],
          lr: Array.from({ length: 100 }, (_, i) => (level * (1 + Math.cos((Math.PI * i) / 100))) / 2),
        }),
      ]);
    const low = diagnose(at(0.04), of(COS, [0.9]));
    expect(low).toMatch(
      /ran at 0\.0\d+ \(median over the first half\), \d+\.\dx below the tuned cosine's median over the same steps 0\.341/,
    );
    expect(Number(/(\d+\.\d)x below/.exec(low)![1])).toBeCloseTo(
      ref / ((0.04 * (1 + Math.cos(Math.PI / 4))) / 2),
      0,
    );
    const close = diagnose(at(0.4), of(COS, [0.9]));
    expect(close).toMatch(/close to the tuned cosine's .* it follows a cosine horizon down/);
    expect(close).not.toMatch(/which GeN does not/);
  });

  it('names the seeds that did not learn (training loss still at its first level), beside the rate', () => {
    const lr = Array.from({ length: 100 }, () => 0.2);
    const gen = summarize([
      run(GEN, 0, { train: [NaN, 1, 0.5], probes: [0, 5, 5], accepted: [0, 5, 5], lr }),
      run(GEN, 1, { train: [NaN, 2.3, 2.29], probes: [0, 5, 5], accepted: [0, 5, 5], lr }),
    ]);
    expect(diagnose(gen, of(COS, [0.9]))).toMatch(
      /^1 of 2 runs did not learn \(last interval's training loss 2\.29, .*; its rate/,
    );
    const fine = summarize([
      run(GEN, 0, { train: [NaN, 1, 0.5], probes: [0, 5, 5], accepted: [0, 5, 5], lr }),
    ]);
    expect(diagnose(fine, of(COS, [0.9]))).not.toMatch(/did not learn/);
  });
});
