/** The command line and the job graph it makes. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, USAGE } from './cli.js';
import { GEN_VARIANTS, PEER_IDS, makeOptimizer, methodId, type MethodSpec } from './methods.js';
import { bestOfGrid, plan, runSteps } from './plan.js';
import type { RunResult } from './run.js';
import { SIZES, STUDY_IDS } from './sizes.js';

describe('parseArgs', () => {
  it('defaults to the full size, three seeds, every study and every GeN rule', () => {
    const o = parseArgs([])!;
    expect([o.size, o.seeds, o.studies, o.variants, o.backend, o.out]).toEqual([
      'full',
      [0, 1, 2],
      STUDY_IDS,
      Object.keys(GEN_VARIANTS),
      'cpu',
      'report',
    ]);
    expect(o.workers).toBeGreaterThan(0);
  });

  it('reads every option', () => {
    const o = parseArgs([
      '--quick',
      '--seeds',
      '4,5',
      '--tasks',
      'mlp,phi',
      '--backend',
      'webasm',
      '--workers',
      '0',
      '--out',
      'x',
    ])!;
    expect([o.size, o.seeds, o.studies, o.backend, o.workers, o.out]).toEqual([
      'quick',
      [4, 5],
      ['mlp', 'phi'],
      'webasm',
      0,
      'x',
    ]);
    expect(parseArgs(['--quick'])!.seeds).toEqual([0, 1]);
    expect(parseArgs(['--help'])).toBeUndefined();
  });

  it('rejects what it does not know, naming it', () => {
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
    expect(() => parseArgs(['--tasks', 'mlp,gan'])).toThrow(/--tasks: unknown 'gan'/);
    expect(() => parseArgs(['--backend', 'tpu'])).toThrow(/--backend: unknown 'tpu'/);
    expect(() => parseArgs(['--seeds', '1,x'])).toThrow(/--seeds: 'x'/);
    expect(() => parseArgs(['--seeds'])).toThrow(/--seeds needs a value/);
    expect(() => parseArgs(['--workers', '-1'])).toThrow(/--workers/);
    expect(() => parseArgs(['--variants', 'best'])).toThrow(/--variants: unknown 'best'/);
  });
});

describe('demo/main.ts on the command line', () => {
  const demo = (...args: string[]) =>
    spawnSync(
      join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx'),
      [join(import.meta.dirname, 'main.ts'), ...args],
      {
        encoding: 'utf8',
      },
    );

  it('--help prints the usage and exits 0; a bad option exits 2 naming it, with the usage and no stack trace', () => {
    const help = demo('--help');
    expect(help.status).toBe(0);
    expect(help.stdout.trim()).toBe(USAGE);
    const bad = demo('--seeds', 'x');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("demo: --seeds: 'x' is not an integer >= 0");
    expect(bad.stderr).toContain('Usage:');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('plan', () => {
  const seeds = [0, 1, 2];
  const jobs = plan({ size: 'full', studies: ['mlp', 'phi', 'probe', 'quadratic'], seeds });
  const specs = jobs.flatMap((j) =>
    typeof j.spec === 'object' && j.spec.kind === 'train' ? [j.spec.run] : [],
  );
  const has = (m: MethodSpec, seed: number, horizon?: number) =>
    specs.some((r) => methodId(r.method) === methodId(m) && r.seed === seed && r.horizon === horizon);

  it('has unique ids, and every dependency exists', () => {
    const ids = jobs.map((j) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const j of jobs) for (const d of j.deps) expect(ids, `${j.id} -> ${d}`).toContain(d);
  });

  it("runs both GeN rules (the authors' on the next batch, auto on its own) from every initial rate on every seed, the grids on the first seed, the peers on all", () => {
    const p = SIZES.full.mlp;
    for (const base of p.bases)
      for (const lr0 of p.genLr0[base]!)
        for (const seed of seeds)
          for (const [variant, probe] of [
            ['paper', 'fresh'],
            ['auto', 'own'],
          ] as const)
            expect(has({ kind: 'gen', base, variant, lr0, probe }, seed), `${variant} ${base} ${lr0}`).toBe(
              true,
            );
    for (const base of p.bases)
      for (const lr of p.grid[base]!) {
        expect(has({ kind: 'cosine', base, lr }, 0)).toBe(true);
        expect(has({ kind: 'cosine', base, lr }, 1)).toBe(false);
      }
    for (const peer of PEER_IDS)
      for (const seed of seeds) expect(has({ kind: 'peer', peer }, seed)).toBe(true);
  });

  it('tuned schedules wait for their grid and then take its best rate', () => {
    const tuned = jobs.find((j) => j.id === 'mlp|tuned cosine/sgd|seed 2')!;
    expect(tuned.deps).toHaveLength(SIZES.full.mlp.grid.sgd!.length);
    const fake = new Map(
      tuned.deps.map((id, i) => [
        id,
        {
          kind: 'train',
          run: fakeRun(
            jobs.find((j) => j.id === id)!,
            i === 2 ? 0.95 : 0.9,
          ),
        },
      ]),
    );
    const spec = (tuned.spec as (d: typeof fake) => { run: { method: { lr: number }; seed: number } })(
      fake as never,
    );
    expect(spec.run.seed).toBe(2);
    expect(spec.run.method.lr).toBe(SIZES.full.mlp.grid.sgd![2]);
  });

  it('makes a run that two studies ask for once (the Phi sweep at phi 4 is the MLP GeN run)', () => {
    const id = 'mlp|gen/paper/sgd/0.001/default/fresh|seed 0';
    expect(jobs.filter((j) => j.id === id)).toHaveLength(1);
    expect(has({ kind: 'gen', base: 'sgd', variant: 'paper', lr0: 1e-3, phi: 8, probe: 'fresh' }, 0)).toBe(
      true,
    );
    const x = SIZES.full.probe.epochsScale;
    expect(has({ kind: 'gen', base: 'adamw', variant: 'paper', lr0: 1e-3, probe: 'own' }, 1, x)).toBe(true);
    expect(jobs.some((j) => j.id === 'speed') && jobs.some((j) => j.id === 'quadratic')).toBe(true);
  });

  it('counts steps from the sizes', () => {
    expect(runSteps('mlp', 'full')).toBe(Math.floor(4000 / 128) * 8);
    expect(runSteps('char', 'full')).toBe(SIZES.full.char.steps);
    expect(runSteps('mlp', 'quick', 3)).toBe(3 * Math.floor(512 / 64) * 2);
  });

  it('every method builds an optimizer', () => {
    for (const r of specs) {
      const o = makeOptimizer(r.method, { steps: 10 });
      expect(typeof o.init).toBe('function');
    }
  });
});

function fakeRun(job: { spec: unknown }, valMetric: number): RunResult {
  const run = (job.spec as { run: RunResult['spec'] }).run;
  const point = {
    step: 1,
    trainLoss: 1,
    valLoss: 1 - valMetric,
    valMetric,
    testLoss: 1,
    testMetric: 0.5,
    probes: 0,
    accepted: 0,
  };
  return {
    spec: run,
    steps: 1,
    epochSteps: 1,
    points: [point],
    lr: [],
    lrEvery: 1,
    seconds: 0,
    cpuSeconds: 0,
  };
}

describe('bestOfGrid', () => {
  const r = (lr: number, valMetric: number, valLoss: number, stopped?: string): RunResult => ({
    spec: { task: 'mlp', size: 'quick', method: { kind: 'cosine', base: 'sgd', lr }, seed: 0 },
    steps: 1,
    epochSteps: 1,
    points: [
      { step: 1, trainLoss: 1, valLoss, valMetric, testLoss: 1, testMetric: 0, probes: 0, accepted: 0 },
    ],
    lr: [],
    lrEvery: 1,
    seconds: 0,
    cpuSeconds: 0,
    ...(stopped ? { stopped } : {}),
  });
  it('takes the best validation metric, ties to the lower loss, and never a run that stopped', () => {
    const best = (runs: RunResult[], higher = true) =>
      (bestOfGrid(runs, higher).spec.method as { lr: number }).lr;
    expect(best([r(0.1, 0.9, 0.3), r(0.3, 0.92, 0.4), r(1, 0.95, 0.2, 'NaN')])).toBe(0.3);
    expect(best([r(0.1, 0.9, 0.3), r(0.3, 0.9, 0.25)])).toBe(0.3);
    expect(best([r(0.1, 12, 2.4), r(0.3, 10, 2.3)], false)).toBe(0.3);
  });
});
