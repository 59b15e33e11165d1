/** Synthetic sets: the spirals' geometry, regression targets from the true weights, and quadratics whose minimizer and spectrum are what they say. */
import fc from 'fast-check';
import { grad, key, matmul, mT, normal, sub, type Tensor } from '@gen-ts/core';
import { describe, expect, it } from 'vitest';
import { linearRegression, randomQuadratic, twoSpirals } from './synthetic.js';

const maxAbs = (t: Tensor): number => Math.max(...Array.from(t.dataSync(), Math.abs));

describe('synthetic sets', () => {
  it('twoSpirals: balanced labels, radius within [0.05, 1] before noise, spirals half a turn apart', () => {
    const { x, y } = twoSpirals(key(0), { n: 400, noise: 0 });
    expect(x.shape).toEqual([400, 2]);
    const xs = x.dataSync();
    const ys = Array.from(y.dataSync());
    expect(ys.filter((l) => l === 1).length).toBe(200);
    for (let i = 0; i < 400; i++) {
      const r = Math.hypot(xs[2 * i]!, xs[2 * i + 1]!);
      expect(r).toBeGreaterThanOrEqual(0.05 - 1e-6);
      expect(r).toBeLessThanOrEqual(1 + 1e-6);
      // angle - 2 pi turns r is 0 (spiral 0) or pi (spiral 1), modulo 2 pi
      const phase =
        (Math.atan2(xs[2 * i + 1]!, xs[2 * i]!) - 2 * Math.PI * 1.5 * r + 8 * Math.PI) % (2 * Math.PI);
      const want = ys[i] === 0 ? 0 : Math.PI;
      expect(Math.min(Math.abs(phase - want), 2 * Math.PI - Math.abs(phase - want))).toBeLessThan(1e-4);
    }
    expect(twoSpirals(key(0), { n: 400 }).x.dataSync()).not.toEqual(xs); // noise moves the points
    expect(() => twoSpirals(key(0), { n: 3 })).toThrow(/'n' must be even/);
    expect(() => twoSpirals(key(0), { points: 3 } as object)).toThrow(/twoSpirals: unknown option "points"/);
  });

  it('linearRegression: y = x w + b exactly without noise', () => {
    const { x, y, w, b } = linearRegression(key(1), {
      n: 32,
      features: 3,
      outputs: 2,
      noise: 0,
      dtype: 'float64',
    });
    expect(maxAbs(sub(y, matmul(x, w).add(b)))).toBe(0);
    const noisy = linearRegression(key(1), { n: 32, features: 3, outputs: 2, noise: 0.1, dtype: 'float64' });
    const r = maxAbs(sub(noisy.y, matmul(noisy.x, noisy.w).add(noisy.b)));
    expect(r).toBeGreaterThan(0.01);
    expect(r).toBeLessThan(0.6); // 32 x 2 draws of 0.1 N(0, 1): beyond 6 sigma has probability ~1e-7
  });

  it('randomQuadratic: the gradient vanishes at the minimizer and the spectrum lies in [1, condition]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 1, max: 1e3, noNaN: true }),
        fc.nat(),
        (dim, condition, seed) => {
          const q = randomQuadratic(key(seed), { dim, condition, dtype: 'float64' });
          const g = grad(q.loss)(q.minimizer) as Tensor;
          expect(maxAbs(g)).toBeLessThan(1e-10 * condition * (1 + maxAbs(q.minimizer)));
          expect(Math.abs(q.loss(q.minimizer).itemSync() - q.minimum)).toBeLessThan(
            1e-10 * condition * (1 + Math.abs(q.minimum)),
          );
          expect(maxAbs(sub(q.a, mT(q.a)))).toBeLessThan(1e-12 * condition);
          const v = normal(key(seed + 1), [dim, 1], { dtype: 'float64' });
          const rq = matmul(mT(v), matmul(q.a, v)).itemSync() / matmul(mT(v), v).itemSync();
          expect(rq).toBeGreaterThanOrEqual(1 - 1e-10 * condition);
          expect(rq).toBeLessThanOrEqual(condition * (1 + 1e-10));
        },
      ),
      { numRuns: 40 },
    );
    expect(() => randomQuadratic(key(0), { condition: 0.5 })).toThrow(
      /randomQuadratic: condition must be a number in \[1, Infinity\), got 0.5/,
    );
  });
});
