import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseArgs, report, run, sparkline, USAGE, type DemoResult } from '../bench/gen-mnist.js';

describe('bench/gen-mnist (smoke, tiny size)', () => {
  let r: DemoResult;
  beforeAll(() => {
    r = run({
      train: 500,
      test: 200,
      epochs: 2,
      batch: 50,
      sgdLrs: [0.1, 0.3],
      adamLrs: [1e-3, 3e-3],
      cosine: true,
      speedSteps: 8,
    });
  });

  it('runs GeN and every baseline on the same steps', () => {
    expect(r.methods.map((m) => m.name)).toEqual([
      'GeN-SGD',
      'GeN-SGD (auto)',
      'SGD lr=0.1',
      'SGD lr=0.3',
      `SGD cosine lr=${r.best.SGD}`,
      'GeN-Adam',
      'GeN-Adam (auto)',
      'Adam lr=0.001',
      'Adam lr=0.003',
      `Adam cosine lr=${r.best.Adam}`,
    ]);
    for (const m of r.methods) expect(m.steps).toBe(20);
  });

  it('every method has finite training losses that fall, epoch by epoch and overall', () => {
    for (const m of r.methods) {
      const all = [...m.trainLoss, ...m.epochLoss];
      expect(all.every(Number.isFinite), m.name).toBe(true);
      expect(m.epochLoss, m.name).toHaveLength(2);
      expect(m.epochLoss[1]!, m.name).toBeLessThan(m.epochLoss[0]!);
      expect(m.trainLoss[1], m.name).toBeLessThan(m.trainLoss[0]);
    }
  });

  it('GeN probed, and its learning rate moved away from eta_0 and stayed positive', () => {
    for (const m of r.methods.filter((x) => x.kind === 'GeN')) {
      expect(m.fitStep!, m.name).toBeGreaterThanOrEqual(0);
      // the authors' rule: steps 0, 4, 8, 12, 16 at phi = 4; auto: every step of its 20-step
      // warm-up, each fitting the step before (1 to 19)
      expect(m.probes!.total, m.name).toBe(m.probe === 'auto' ? 19 : 5);
      expect(m.probes!.accepted, m.name).toBeGreaterThan(0);
      expect(m.lrTrace, m.name).toHaveLength(20);
      expect(
        m.lrTrace!.every((v) => v > 0 && Number.isFinite(v)),
        m.name,
      ).toBe(true);
      expect(m.lrTrace!.at(-1), m.name).not.toBe(m.lr);
    }
  });

  it('the best method beats chance (10%) on the test digits by far', () => {
    const best = Math.max(...r.methods.map((m) => m.testAcc.at(-1)!));
    expect(best).toBeGreaterThan(0.5);
  });

  it('measured the speed of each GeN against its base, probing with 3 forward passes', () => {
    expect(r.speed.map((s) => `${s.family}/${s.phi}`)).toEqual(['SGD/4', 'Adam/4']);
    for (const s of r.speed) {
      expect(s.evals).toBe(3);
      expect(s.baseMs).toBeGreaterThan(0);
      expect(s.genMs).toBeGreaterThan(0);
    }
    expect(report(r)).toContain('GeN-Adam learning rate');
  });

  it('sparkline spans the lowest to the highest bar on a log scale', () => {
    expect(sparkline([1e-3, 1e-2, 1e-1], 3)).toBe('▁▅█');
    expect(sparkline([1, 1], 2)).toBe('▁▁');
  });
});

describe('bench/gen-mnist on the command line', () => {
  const demo = (...args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../bench/gen-mnist.ts', import.meta.url)), ...args],
      {
        encoding: 'utf8',
      },
    );

  it('--help prints the usage and exits 0; a bad flag says what was wrong, with the usage, no stack trace', () => {
    const help = demo('--help');
    expect(help.status).toBe(0);
    expect(help.stdout.trim()).toBe(USAGE);
    const bad = demo('--epochs', 'many');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("gen-mnist: --epochs needs a number, got 'many'");
    expect(bad.stderr).toContain('Usage:');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('parses every flag, and names an unknown one or a missing value', () => {
    expect(parseArgs(['-h'])).toBe('help');
    expect(
      parseArgs(['--epochs', '3', '--phi', '2,4', '--gen-options', '{"clipRatio":4}', '--no-cosine']),
    ).toEqual({
      epochs: 3,
      phis: [2, 4],
      genOptions: { clipRatio: 4 },
      cosine: false,
    });
    expect(() => parseArgs(['--epoch', '3'])).toThrow('gen-mnist: unknown flag --epoch');
    expect(() => parseArgs(['--batch'])).toThrow('gen-mnist: flag --batch needs a value');
    expect(() => parseArgs(['--gen-options', '{'])).toThrow(
      "gen-mnist: --gen-options needs a JSON object, got '{'",
    );
    expect(() => parseArgs(['--sgd-lrs', '0.1,x'])).toThrow("gen-mnist: --sgd-lrs needs a number, got 'x'");
  });
});
