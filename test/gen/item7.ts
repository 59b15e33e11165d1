/**
 * Shared setup of check 7 of docs/gen.md ("on Rosenbrock/Beale GeN-GD and GeN-Adam from any eta_0 in
 * [1e-4, 1e-1] beat the best constant learning rate of a grid at equal steps"): the two GeN
 * configurations under test, the grids, and the comparison. bench/gen-item7.ts measures the same
 * runs for the authors' rule and the other options (bench/RESULTS-gen.md).
 */
import { expect, it } from 'vitest';
import { scalar, type Tensor } from '@gen-ts/core';
import { adam, genAdam, genSgd, sgd, type GradientTransformation } from '@gen-ts/gen';
import { minimize, type XY } from './problems.js';

/** Steps of every run (GeN and constant alike). */
export const STEPS = 1000;
/** eta_0 values: a log grid over [1e-4, 1e-1]. */
export const ETA0 = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1];
/** Constant learning rates of plain GD (the same log grid). */
export const GD_GRID = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1];
/** Constant learning rates of Adam (its useful range on these problems is higher). */
export const ADAM_GRID = [1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1];

/**
 * The GeN rule under test, for both base optimizers: a per-step generalized-Newton step with a
 * trust region and a verified step. `gamma 0`: no smoothing; `clipRatio 4`: the rate grows at
 * most x4 per probe; `fastDecrease`: it drops to `eta*` at once; `verify`: one more forward checks
 * that the step decreases the loss (Armijo), else falls back (see `GeNOptions.verify`);
 * `slope: 'gradient'`: `b` is the gradient's exact slope, so a long probe in a non-quadratic
 * region gives a short step, not a jump across the valley; `negativeCurvature: 'grow'`: where the
 * curvature along the direction is negative the rate grows to the trust region's edge.
 */
export const ITEM7_GEN = {
  phi: 1,
  gamma: 0,
  clipRatio: 4,
  fastDecrease: true,
  verify: true,
  slope: 'gradient',
  negativeCurvature: 'grow',
} as const;

/** GeN-GD: `genSgd({ lr: eta_0, ...ITEM7_GEN })`. */
export const genGd = (lr: number) => genSgd({ lr, ...ITEM7_GEN });

/** GeN-Adam: `genAdam({ lr: eta_0, ...ITEM7_GEN })`. */
export const genAd = (lr: number) => genAdam({ lr, ...ITEM7_GEN });

/** The best final loss of a constant-rate optimizer over a grid, and its rate. */
export function bestConstant(
  f: (p: XY) => Tensor,
  make: (lr: number) => GradientTransformation<any, any>,
  grid: readonly number[],
  start: readonly [number, number],
  steps = STEPS,
): { loss: number; lr: number } {
  const losses = grid.map((lr) => minimize(f, make(lr), start, steps));
  const loss = Math.min(...losses);
  return { loss, lr: grid[losses.indexOf(loss)]! };
}

/** The loss at the starting point (float64). */
export function startLoss(f: (p: XY) => Tensor, start: readonly [number, number]): number {
  return f({
    x: scalar(start[0], { dtype: 'float64' }),
    y: scalar(start[1], { dtype: 'float64' }),
  }).itemSync();
}

/**
 * Whether a final loss is zero at the problem's float64 scale: adding it to the starting loss
 * `L0` does not change `L0` (it is below half an ulp of `L0`, ~1.1e-16 L0). Two runs that both
 * got there have both resolved the loss as far as the arithmetic that measured their start can
 * tell; ranking them would rank rounding (e.g. Adam landing on a point whose residuals round to
 * exactly 0). Only then is a tie accepted.
 */
export const negligible = (loss: number, L0: number): boolean => L0 + loss === L0;

/** The win criterion: a lower final loss than `best`, or both negligible next to `L0`. */
export const beatsBest = (loss: number, best: number, L0: number): boolean =>
  loss < best || (negligible(loss, L0) && negligible(best, L0));

/**
 * Asserts that GeN from every eta_0 in `etas` beats the best constant rate (`gen < best`), or
 * that both are negligible (see `negligible`). Reports every eta_0's result on failure.
 */
export function expectGeNBeatsGrid(
  f: (p: XY) => Tensor,
  gen: (lr: number) => GradientTransformation<any, any>,
  best: { loss: number; lr: number },
  start: readonly [number, number],
  etas: readonly number[] = ETA0,
): void {
  const L0 = startLoss(f, start);
  const rows = etas.map((eta0) => {
    const loss = minimize(f, gen(eta0), start, STEPS);
    const ok = beatsBest(loss, best.loss, L0);
    return { eta0, loss, ok };
  });
  const report = rows.map((r) => `eta_0 ${r.eta0}: ${r.loss.toExponential(2)}${r.ok ? '' : ' LOSES'}`);
  expect(
    rows.every((r) => r.ok),
    `best constant lr ${best.lr}: ${best.loss.toExponential(2)}; ${report.join(', ')}`,
  ).toBe(true);
}

/**
 * The item-7 tests for `f` from each of `starts`: GeN-GD against the best constant rate of plain
 * GD (`GD_GRID`), and GeN-Adam against that of Adam (`ADAM_GRID`), from every eta_0 of `ETA0`.
 */
export function itBeatsGrid(f: (p: XY) => Tensor, starts: readonly (readonly [number, number])[]): void {
  for (const start of starts) {
    it(`GeN-GD vs GD from (${start.join(', ')})`, () => {
      expectGeNBeatsGrid(
        f,
        genGd,
        bestConstant(f, (lr) => sgd({ lr }), GD_GRID, start),
        start,
      );
    });
    it(`GeN-Adam vs Adam from (${start.join(', ')})`, () => {
      expectGeNBeatsGrid(
        f,
        genAd,
        bestConstant(f, (lr) => adam({ lr }), ADAM_GRID, start),
        start,
      );
    });
  }
}
