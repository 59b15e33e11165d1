import { describe, expect, it } from 'vitest';
import { run } from './mnist-cnn.js';

describe('examples/mnist-cnn (smoke, tiny size)', () => {
  it('trains the CNN with GeN-Adam, in fit and in exact mode (second order through conv and pooling)', () => {
    const o = { train: 96, test: 40, epochs: 1, batch: 32 };
    const fit = run(o);
    const exact = run({ ...o, exact: true });
    expect(fit.outputShape).toEqual([32, 10]);
    for (const r of [fit, exact]) {
      expect(r.losses).toHaveLength(3);
      expect(r.losses.every(Number.isFinite)).toBe(true);
      expect(r.lrs.every((lr) => lr > 0 && Number.isFinite(lr))).toBe(true);
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.testAccuracy).toBeLessThanOrEqual(1);
    }
    // same initialisation and first batch: the first loss is the same before either update
    expect(exact.losses[0]).toBe(fit.losses[0]);
    // an untrained 10-way classifier starts near log(10)
    expect(Math.abs(fit.losses[0]! - Math.log(10))).toBeLessThan(0.5);
  });
});
