/**
 * Check 7 of docs/gen.md on Beale, from (1, 1) and from (-1, -1): GeN-GD and GeN-Adam (the
 * configurations of ./item7.ts) from every eta_0 in {1e-4, 3e-4, ..., 1e-1} beat the best
 * constant learning rate of a grid at equal steps (1000; final loss, float64), or tie with it
 * where both are zero at float64's resolution of the starting loss (`negligible` in ./item7.ts):
 * Adam at lr 0.3 or 1 lands on exactly 0 here.
 */
import { describe } from 'vitest';
import { beale } from './problems.js';
import { itBeatsGrid } from './item7.js';

describe('docs/gen.md check 7, Beale: GeN from any eta_0 beats the best constant learning rate', () => {
  itBeatsGrid(beale, [
    [1, 1],
    [-1, -1],
  ]);
});
