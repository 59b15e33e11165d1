/**
 * GEN-SPEC item 7 as a property: with eta_0 drawn log-uniformly from [1e-4, 1e-1] (not only the
 * grid points), GeN-GD and GeN-Adam (./item7.ts) on Beale from (1, 1) beat the best constant
 * learning rate of the grid at equal steps (or both are negligible). Few runs: each costs two
 * 1000-step runs; bench/gen-item7.ts `random` measures 20 draws on every problem.
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { adam, sgd } from '@gen-ts/gen';
import { beale } from './problems.js';
import { ADAM_GRID, GD_GRID, bestConstant, expectGeNBeatsGrid, genAd, genGd } from './item7.js';

const logEta0 = fc.double({ min: -4, max: -1, noNaN: true }).map((u) => 10 ** u);

describe('GEN-SPEC 7 for eta_0 drawn log-uniformly in [1e-4, 1e-1]', () => {
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
});
