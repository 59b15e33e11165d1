import { describe, expect, it } from 'vitest';
import { run } from './newton-quadratic.js';

describe('examples/newton-quadratic (smoke, tiny size)', () => {
  it('on a pure quadratic one Newton-CG step lands on the minimum', () => {
    const r = run({ dim: 6, mu: 0, steps: 3, seed: 1 });
    const fmin = r.newton[3]!;
    expect(Math.abs(r.newton[1]! - fmin)).toBeLessThan(1e-10 * Math.abs(fmin));
  });

  it("the library's GeN on Newton's direction fits eta* = 1 on a pure quadratic and lands in one step", () => {
    const r = run({ dim: 6, mu: 0, steps: 2, seed: 3 });
    // the parabola through 3 probe losses of a quadratic is exact, and CG stops at a residual of
    // 1e-10 ||g|| (newtonDirection's tol), so eta* = 1 to about 1e-10 (rounding of the probe losses,
    // ~1e-15 |f| / |probe differences|, is far smaller)
    expect(Math.abs(r.newtonEtas[0]! - 1)).toBeLessThan(1e-8);
    const fmin = r.newton[2]!;
    expect(Math.abs(r.newtonGeN[1]! - fmin)).toBeLessThan(1e-10 * Math.abs(fmin));
  });

  it("with the quartic term GeN's fitted eta* along Newton's direction tends to 1 and matches Newton-CG", () => {
    const r = run({ dim: 6, mu: 0.05, steps: 4, seed: 4 });
    expect(Math.abs(r.newtonEtas[2]! - 1)).toBeLessThan(Math.abs(r.newtonEtas[0]! - 1) + 1e-6);
    expect(Math.abs(r.newtonGeN[4]! - r.newton[4]!)).toBeLessThan(1e-10 * Math.abs(r.newton[4]!));
  });

  it('GeN steps decrease the loss monotonically and beat the fixed step', () => {
    const r = run({ dim: 6, mu: 0.05, steps: 6, seed: 2 });
    for (let t = 1; t < r.gdGeN.length; t++) expect(r.gdGeN[t]!).toBeLessThanOrEqual(r.gdGeN[t - 1]!);
    expect(r.gdGeN.at(-1)!).toBeLessThan(r.gdFixed.at(-1)!);
    expect(r.etas.every((e) => e > 0 && Number.isFinite(e))).toBe(true);
  });
});
