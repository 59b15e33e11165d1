/**
 * The 2-D functions against their textbook forms written here on plain numbers: values and
 * gradients at random points (fast-check), zero loss and gradient at the stated minima, and the
 * batched `losses` agreeing with the one-point loss the optimizers differentiate.
 */
import fc from 'fast-check';
import { grad, tensor, type Tensor } from '@gen-ts/core';
import { describe, expect, it } from 'vitest';
import { pointLoss, problemById, PROBLEMS, QUADRATIC_HESSIAN as H } from './problems.js';

const F64 = { dtype: 'float64' } as const;

/** Value and gradient of each problem, by hand. */
const textbook: Record<string, (x: number, y: number) => [number, number, number]> = {
  rosenbrock: (x, y) => [
    (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    -2 * (1 - x) - 400 * x * (y - x * x),
    200 * (y - x * x),
  ],
  beale: (x, y) => {
    const r = [1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y ** 3];
    const dx = [y - 1, y * y - 1, y ** 3 - 1];
    const dy = [x, 2 * x * y, 3 * x * y * y];
    return [
      r.reduce((s, v) => s + v * v, 0),
      r.reduce((s, v, i) => s + 2 * v * dx[i]!, 0),
      r.reduce((s, v, i) => s + 2 * v * dy[i]!, 0),
    ];
  },
  quadratic: (x, y) => [
    0.5 * (H.xx * x * x + 2 * H.xy * x * y + H.yy * y * y),
    H.xx * x + H.xy * y,
    H.xy * x + H.yy * y,
  ],
};

// float64 rounding of a few dozen operations on terms up to |t|: 1e-12 relative to the terms
const close = (got: number, want: number, scale: number) =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * scale);

describe.each(PROBLEMS.map((p) => [p.id, p] as const))('%s', (_id, p) => {
  it('matches its textbook value and gradient (float64)', () => {
    const f = pointLoss(p);
    const g = grad(f);
    fc.assert(
      fc.property(
        fc.double({ min: p.box.x[0], max: p.box.x[1], noNaN: true }),
        fc.double({ min: p.box.y[0], max: p.box.y[1], noNaN: true }),
        (x, y) => {
          const [v, gx, gy] = textbook[p.id]!(x, y);
          const w = tensor([x, y], F64);
          const scale = Math.max(1, Math.abs(v), Math.abs(gx), Math.abs(gy)) * 100;
          close(f(w).itemSync(), v, scale);
          const [hx, hy] = (g(w) as Tensor).dataSync();
          close(hx!, gx, scale);
          close(hy!, gy, scale);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('has loss 0 and gradient 0 at its minimum', () => {
    const w = tensor([...p.minimum], F64);
    expect(pointLoss(p)(w).itemSync()).toBe(0);
    const g = grad(pointLoss(p))(w) as Tensor;
    expect(Array.from(g.dataSync() as Float64Array, Math.abs)).toEqual([0, 0]);
  });

  it('evaluates rows of [n, 2] as the one-point loss does', () => {
    const pts = [p.start, p.minimum, [0.3, -0.7]];
    const batched = p
      .losses(
        tensor(
          pts.map((q) => [...q]),
          F64,
        ),
      )
      .dataSync();
    pts.forEach((q, i) => expect(batched[i]).toBe(pointLoss(p)(tensor([...q], F64)).itemSync()));
  });
});

describe('problemById', () => {
  it('names the known ids when the id is unknown', () => {
    expect(problemById('beale').label).toBe('Beale');
    expect(() => problemById('himmelblau')).toThrow(
      /unknown problem 'himmelblau' \(known: rosenbrock, beale, quadratic\)/,
    );
  });
});
