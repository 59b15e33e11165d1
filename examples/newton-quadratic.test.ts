import { describe, expect, it } from 'vitest';
import { run } from './newton-quadratic.js';

describe('examples/newton-quadratic (smoke, tiny size)', () => {
  it('on a pure quadratic one Newton-CG step lands on the minimum', () => {
    const r = run({ dim: 6, mu: 0, steps: 3, seed: 1 });
    const fmin = r.newton[3]!;
    expect(Math.abs(r.newton[1]! - fmin)).toBeLessThan(1e-10 * Math.abs(fmin));
  });

  it('GeN steps decrease the loss monotonically and beat the fixed step', () => {
    const r = run({ dim: 6, mu: 0.05, steps: 6, seed: 2 });
    for (let t = 1; t < r.gdGeN.length; t++) expect(r.gdGeN[t]!).toBeLessThanOrEqual(r.gdGeN[t - 1]!);
    expect(r.gdGeN.at(-1)!).toBeLessThan(r.gdFixed.at(-1)!);
    expect(r.etas.every((e) => e > 0 && Number.isFinite(e))).toBe(true);
  });
});
