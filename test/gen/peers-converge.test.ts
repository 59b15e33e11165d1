/**
 * optax's test matrix for the automatic-learning-rate peers: each converges on the parabola and on
 * Rosenbrock (float64), with the settings optax's contrib tests use where the defaults do not
 * suit a problem (a smaller `lr` for the D-adaptation family on Rosenbrock's narrow valley, a
 * base SGD rate below Rosenbrock's stability limit for reduceOnPlateau). Schedule-free runs are
 * scored at their evaluation point `x`.
 */
import { describe, expect, it } from 'vitest';
import * as G from '@gen-ts/gen';
import type { GradientTransformation } from '@gen-ts/gen';
import { minimize, parabola, rosenbrock } from './problems.js';

type Case = [GradientTransformation<any, any>, number, GradientTransformation<any, any>, number];

const CASES: Record<string, Case> = {
  prodigy: [G.prodigy(), 500, G.prodigy({ lr: 0.1 }), 2000],
  dAdaptAdam: [G.dAdaptAdam(), 500, G.dAdaptAdam({ lr: 0.1 }), 2000],
  dAdaptSgd: [G.dAdaptSgd(), 500, G.dAdaptSgd({ momentum: 0.9 }), 2000],
  dog: [G.dog(), 2000, G.dog(), 10000],
  scheduleFreeSgd: [G.scheduleFreeSgd({ lr: 0.05 }), 2000, G.scheduleFreeSgd({ lr: 5e-3 }), 10000],
  scheduleFreeAdamW: [G.scheduleFreeAdamW({ lr: 0.1 }), 2000, G.scheduleFreeAdamW({ lr: 0.02 }), 10000],
  polyakSgd: [G.polyakSgd(), 500, G.polyakSgd(), 2000],
  backtrackingLinesearch: [
    G.chain(G.sgd({ lr: 1 }), G.scaleByBacktrackingLinesearch({ maxBacktrackingSteps: 15 })),
    500,
    // Rosenbrock's gradient at the start is ~200: the step must shrink by 0.8^k with k past 15
    G.chain(G.sgd({ lr: 1 }), G.scaleByBacktrackingLinesearch({ maxBacktrackingSteps: 40 })),
    10000,
  ],
  reduceOnPlateau: [
    G.chain(G.sgd({ lr: 0.05 }), G.reduceOnPlateau()),
    500,
    G.chain(G.sgd({ lr: 2e-3 }), G.reduceOnPlateau()),
    10000,
  ],
};

const evalAt = (name: string) => (name.startsWith('scheduleFree') ? G.scheduleFreeEvalParams : undefined);

describe('every peer converges (float64)', () => {
  for (const [name, [po, pn, ro, rn]] of Object.entries(CASES)) {
    it(`${name}: parabola to 1e-10 and Rosenbrock to 1e-3`, () => {
      expect(minimize(parabola, po, [-1, 1], pn, evalAt(name))).toBeLessThan(1e-10);
      expect(minimize(rosenbrock, ro, [-1.2, 1], rn, evalAt(name))).toBeLessThan(1e-3);
    });
  }
});
