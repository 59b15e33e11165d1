import { beforeAll, describe, expect, it } from 'vitest';
import { run, type Run } from './mnist-mlp.js';

describe('examples/mnist-mlp (smoke, tiny size)', () => {
  let runs: Run[];
  beforeAll(async () => {
    runs = await run({
      train: 500,
      validation: 200,
      test: 200,
      epochs: 2,
      batch: 50,
      hidden: 32,
      verbose: 'silent',
    });
  });

  it('fits both optimizers for every step and evaluates each epoch', () => {
    expect(runs.map((r) => r.label)).toEqual(['GeN-AdamW, eta0 1e-3', 'AdamW, lr 1e-3']);
    for (const r of runs) {
      expect(r.history.loss, r.label).toHaveLength(20);
      expect(r.history.loss.every(Number.isFinite), r.label).toBe(true);
      expect(
        r.history.evals.map((e) => e.epoch),
        r.label,
      ).toEqual([0, 1]);
    }
  });

  it("GeN's rate moved from eta0 and stayed positive; AdamW's state holds no rate (NaN in the history)", () => {
    const [gen, base] = runs as [Run, Run];
    expect(gen.history.lr.every((v) => v > 0 && Number.isFinite(v))).toBe(true);
    expect(gen.history.lr.at(-1)).not.toBe(1e-3);
    expect(base.history.lr.every(Number.isNaN)).toBe(true);
  });

  it('both beat chance (10%) on the test digits by far', () => {
    for (const r of runs) expect(r.test['accuracy']!, r.label).toBeGreaterThan(0.5);
  });
});
