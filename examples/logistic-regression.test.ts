import { describe, expect, it } from 'vitest';
import { grad, treeNorm } from '@gen-ts/core';
import { DEFAULTS, loss, makeData, optimum, run, type Params } from './logistic-regression.js';

const tiny = { train: 256, test: 128, batch: 64, epochs: 3, features: 4 };

describe('examples/logistic-regression (smoke, tiny size)', () => {
  it("the reference is the optimum: the full training loss's gradient vanishes there (float64)", () => {
    const o = { ...DEFAULTS, ...tiny };
    const { train } = makeData(o);
    const best = optimum(train, o.features);
    const g = grad((p: Params) => loss(p, train))(best) as Params;
    expect(treeNorm(g).itemSync()).toBeLessThan(1e-10);
  });

  it('every run lowers the training loss, none goes below the optimum, GeN warms its rate up', () => {
    const r = run(tiny);
    expect(r.runs.map((x) => x.label)).toEqual([
      'GeN-SGD, eta0 0.01',
      'GeN-SGD clip 4 + cos',
      'SGD, lr 0.1',
      'SGD, lr 1',
    ]);
    for (const x of r.runs) {
      expect(x.trainLoss, x.label).toHaveLength(tiny.epochs + 1);
      expect(x.trainLoss.at(-1)!, x.label).toBeLessThan(x.trainLoss[0]!);
      for (const l of x.trainLoss) expect(l, x.label).toBeGreaterThanOrEqual(r.optimumLoss * (1 - 1e-12));
      expect(x.testAccuracy, x.label).toBeGreaterThan(0.6);
    }
    for (const x of r.runs.slice(0, 2)) {
      expect(x.lr, x.label).toHaveLength(tiny.epochs);
      expect(x.lr!.at(-1)!, x.label).toBeGreaterThan(DEFAULTS.eta0);
    }
  });
});
