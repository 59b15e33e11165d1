import { describe, expect, it } from 'vitest';
import { scalar } from '@gen-ts/core';
import { sgd } from '@gen-ts/gen';
import { contourSegments, ticks } from './lib/svg.js';
import { DEFAULTS, figure, grid, minimize, PROBLEMS, rosenbrock, runProblem } from './rosenbrock-beale.js';

const tiny = { ...DEFAULTS, steps: 15, gdGrid: [1e-3, 3e-3], adamGrid: [1e-2, 0.1] };

describe('examples/rosenbrock-beale (smoke, tiny size)', () => {
  it('a constant-rate run takes the steps of gradient descent, w <- w - lr grad', () => {
    const r = minimize(rosenbrock, sgd({ lr: 1e-3 }), [-1.2, 1], 1);
    // grad of (1 - x)^2 + 100 (y - x^2)^2 at (-1.2, 1): (-2(1 - x) - 400 x (y - x^2), 200 (y - x^2))
    const [x, y] = [-1.2, 1];
    const g = [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)];
    expect(r.path[1]![0]).toBeCloseTo(x - 1e-3 * g[0]!, 12);
    expect(r.path[1]![1]).toBeCloseTo(y - 1e-3 * g[1]!, 12);
    expect(r.loss[0]).toBeCloseTo(rosenbrock({ x: scalar(x), y: scalar(y) }).itemSync(), 5);
  });

  it('every method runs on both problems; GeN warms its rate up from eta0 on Beale', () => {
    for (const problem of PROBLEMS) {
      const runs = runProblem(problem, tiny);
      expect(runs.map((r) => r.family)).toEqual(['GD', 'GD', 'GD', 'Adam', 'Adam', 'Adam']);
      for (const r of runs) {
        expect(r.path[0], r.label).toEqual([...problem.start]);
        expect(r.path.length, r.label).toBe(r.loss.length);
        expect(r.loss.every(Number.isFinite), r.label).toBe(true);
      }
      const gen = runs.filter((r) => r.label.includes('GeN'));
      expect(gen).toHaveLength(4);
      for (const r of gen) expect(r.lr!.length, r.label).toBe(r.loss.length - 1);
      if (problem.name === 'beale') {
        const det = runs.find((r) => r.label.startsWith('GeN-GD (deterministic'))!;
        expect(det.lr!.at(-1)!).toBeGreaterThan(10 * tiny.eta0);
        expect(det.loss.at(-1)!).toBeLessThan(det.loss[0]!);
      }
    }
  });

  it('the figure has two contour maps, the loss chart and every run in the legend', () => {
    const problem = PROBLEMS[0]!;
    const runs = runProblem(problem, tiny);
    const svg = figure(problem, runs);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const r of runs) expect(svg.split(`>${r.label}</text>`).length - 1, r.label).toBe(2); // its map + the loss chart
    const paths = [...svg.matchAll(/<path d="(M[^"]+)"/g)];
    expect(paths.length).toBeGreaterThan(2 * 14 + runs.length); // contour levels twice, then the runs
    expect(paths.every((m) => !m[1]!.includes('NaN'))).toBe(true);
  });

  it('the contour grid is f on the window (row i at y_i, column j at x_j)', () => {
    const problem = PROBLEMS[1]!;
    const v = grid(problem, 5);
    const f = (x: number, y: number) =>
      problem.f({ x: scalar(x, { dtype: 'float64' }), y: scalar(y, { dtype: 'float64' }) }).itemSync();
    const { x, y } = problem.view;
    expect(v[0]![0]).toBeCloseTo(f(x[0], y[0]), 10);
    expect(v[4]![0]).toBeCloseTo(f(x[0], y[1]), 10);
    expect(v[0]![4]).toBeCloseTo(f(x[1], y[0]), 10);
  });
});

describe('examples/lib/svg', () => {
  it('marching squares put the level set of a linear field where it is', () => {
    const values = [0, 1, 2].map(() => [0, 1, 2, 3]); // v = column index
    const segs = contourSegments(values, 1.5);
    expect(segs).toHaveLength(2); // one per row of cells
    for (const [x0, , x1] of segs) {
      expect(x0).toBeCloseTo(1.5, 12);
      expect(x1).toBeCloseTo(1.5, 12);
    }
  });

  it('ticks are round numbers covering the range', () => {
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(-2, 2, 4)).toEqual([-2, -1, 0, 1, 2]);
  });
});
