/**
 * Check 7 of docs/gen.md on Rosenbrock, from (-1.2, 1) and from (-1.5, 2): GeN-GD and GeN-Adam (the
 * configurations of ./item7.ts) from every eta_0 in {1e-4, 3e-4, ..., 1e-1} beat the best
 * constant learning rate of a grid at equal steps (1000; final loss, float64). The authors' rule
 * (gamma 0.9, clip 2) does not hold this for GeN-GD: bench/RESULTS-gen.md has the measured table.
 */
import { describe, it, expect } from 'vitest';
import { minimize, parabola, rosenbrock } from './problems.js';
import { ETA0, genAd, genGd, itBeatsGrid } from './item7.js';

describe('docs/gen.md check 7, Rosenbrock: GeN from any eta_0 beats the best constant learning rate', () => {
  itBeatsGrid(rosenbrock, [
    [-1.2, 1],
    [-1.5, 2],
  ]);
});

describe('GeN on the parabola', () => {
  it('the item-7 configurations reach 1e-12 from every eta_0', () => {
    for (const lr of ETA0) {
      expect(minimize(parabola, genGd(lr), [-1, 1], 100), `GeN-GD eta_0 = ${lr}`).toBeLessThan(1e-12);
      expect(minimize(parabola, genAd(lr), [-1, 1], 600), `GeN-Adam eta_0 = ${lr}`).toBeLessThan(1e-12);
    }
  });
});
