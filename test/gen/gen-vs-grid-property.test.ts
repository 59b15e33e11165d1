/**
 * Check 7 of docs/gen.md as a property: with eta_0 drawn log-uniformly from [1e-4, 1e-1] (not only the
 * grid points), GeN-GD and GeN-Adam (./item7.ts) beat the best constant learning rate of the grid
 * at equal steps (or both are negligible), on Beale from (1, 1) and on Rosenbrock from (-1.2, 1)
 * and (-1.5, 2), plus the eta_0 at which earlier rules lost there. Few random runs: each costs
 * 1000 steps; `npx tsx bench/gen-item7.ts scan 40` measures 40 log-spaced eta_0 on every problem.
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { adam, sgd } from '@gen-ts/gen';
import { beale, rosenbrock } from './problems.js';
import { ADAM_GRID, GD_GRID, bestConstant, expectGeNBeatsGrid, genAd, genGd } from './item7.js';

const logEta0 = fc.double({ min: -4, max: -1, noNaN: true }).map((u) => 10 ** u);

describe('docs/gen.md check 7 for eta_0 drawn log-uniformly in [1e-4, 1e-1]', () => {
  it('Beale from (1, 1): GeN-GD and GeN-Adam beat the best constant learning rate', () => {
    const start = [1, 1] as const;
    const bestGd = bestConstant(beale, (lr) => sgd({ lr }), GD_GRID, start);
    const bestAdam = bestConstant(beale, (lr) => adam({ lr }), ADAM_GRID, start);
    fc.assert(
      fc.property(logEta0, (eta0) => {
        expectGeNBeatsGrid(beale, genGd, bestGd, start, [eta0]);
        expectGeNBeatsGrid(beale, genAd, bestAdam, start, [eta0]);
      }),
      { numRuns: 3 },
    );
  });

  // Without slope 'gradient' GeN-GD lost from (-1.2, 1) at 1.2e-2, 4.1e-2, 4.9e-2 (its first step
  // jumped across the valley); without negativeCurvature 'grow' from (-1.5, 2) at 4.9e-3 (stuck
  // where the curvature along the gradient is negative). bench/RESULTS-gen.md has the traces.
  for (const [start, regressions] of [
    [
      [-1.2, 1],
      [1.2e-2, 4.1e-2, 4.9e-2],
    ],
    [[-1.5, 2], [4.9e-3]],
  ] as const) {
    it(`Rosenbrock from (${start.join(', ')}): GeN-GD beats the best constant learning rate`, () => {
      const best = bestConstant(rosenbrock, (lr) => sgd({ lr }), GD_GRID, start);
      expectGeNBeatsGrid(rosenbrock, genGd, best, start, regressions);
      fc.assert(
        fc.property(logEta0, (eta0) => expectGeNBeatsGrid(rosenbrock, genGd, best, start, [eta0])),
        { numRuns: 4 },
      );
    });
  }
});
