import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { run } from './autodiff-basics.js';

describe('examples/autodiff-basics (smoke)', () => {
  it('runs every transform it teaches', () => {
    const names = run().map((c) => c.name.split(' ')[0]);
    for (const t of [
      'grad',
      'valueAndGrad',
      'jvp',
      'vjp',
      'jacfwd',
      'jacrev',
      'hvp',
      'hessian',
      'grad(grad(sin))',
    ])
      expect(names).toContain(t);
  });

  it('every transform matches its closed form to float64 rounding, at any point and direction', () => {
    const num = fc.double({ min: -3, max: 3, noNaN: true });
    const vec = fc.tuple(num, num, num);
    fc.assert(
      fc.property(vec, vec, (x, v) => {
        for (const c of run(x, v)) {
          const scale = Math.max(1, ...c.value.map(Math.abs));
          expect(c.error, c.name).toBeLessThanOrEqual(1e-13 * scale);
        }
      }),
      { numRuns: 20 },
    );
  });
});
