/**
 * GeN on two classic test functions, Rosenbrock's valley and Beale's function, drawn as SVG:
 * the path each optimizer takes over the contour map, and the loss against the step.
 *
 * GD and Adam run at the best constant learning rate of a grid (tuned: every rate of the grid is
 * tried and the lowest final loss kept). GeN-GD and GeN-Adam start from `eta_0 = 1e-3` and are not
 * tuned, in two configurations: the authors' rule (the default: smoothed and clipped updates of the
 * rate every 4 steps) and the configuration docs/gen.md gives for deterministic problems (a probe
 * every step, no smoothing, a verified step). The loss here is deterministic, so every method gets
 * the loss and its gradient at the current point, `valueFn` for GeN's probes, and the gradient's
 * exact slope for `slope: 'gradient'`.
 *
 * What it teaches: driving any `@gen-ts/gen` transformation by hand (`init`, `update` with the loss
 * extras, `applyUpdates`) on params that are a pytree of scalars, and reading GeN's rate from the
 * state (`findGeNState`).
 *
 * Run: npx tsx examples/rosenbrock-beale.ts [--steps 1000] [--out examples/out]
 * It writes rosenbrock.svg and beale.svg into the output folder and prints the final losses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  add,
  broadcastTo,
  linspace,
  mul,
  reshape,
  scalar,
  square,
  sub,
  valueAndGrad,
  type Tensor,
} from '@gen-ts/core';
import {
  adam,
  applyUpdates,
  findGeNState,
  genAdam,
  genSgd,
  sgd,
  type GeNOptions,
  type GradientTransformation,
} from '@gen-ts/gen';
import { svgFigure, type Series } from './lib/svg.js';
import { parseFlags } from './lib/args.js';

/** Two scalar params. */
export type XY = { x: Tensor; y: Tensor };

/** Rosenbrock's function `(1 - x)^2 + 100 (y - x^2)^2`: a curved valley, minimum 0 at (1, 1). */
export const rosenbrock = (p: XY): Tensor =>
  add(square(sub(1, p.x)), mul(square(sub(p.y, square(p.x))), 100));

/** Beale's function: flat plateaus and steep walls, minimum 0 at (3, 0.5). */
export const beale = (p: XY): Tensor => {
  const t = (c: number, yPow: Tensor) => square(add(sub(c, p.x), mul(p.x, yPow)));
  return add(add(t(1.5, p.y), t(2.25, square(p.y))), t(2.625, mul(p.y, square(p.y))));
};

/** A test problem: the function, where to start, the minimum and the window to draw. */
export interface Problem {
  readonly name: string;
  readonly f: (p: XY) => Tensor;
  readonly start: readonly [number, number];
  readonly minimum: readonly [number, number];
  readonly view: { readonly x: readonly [number, number]; readonly y: readonly [number, number] };
}

export const PROBLEMS: readonly Problem[] = [
  { name: 'rosenbrock', f: rosenbrock, start: [-1.2, 1], minimum: [1, 1], view: { x: [-2, 2], y: [-1, 3] } },
  { name: 'beale', f: beale, start: [1, 1.5], minimum: [3, 0.5], view: { x: [-1, 4.5], y: [-1.5, 2.5] } },
];

/** The configuration docs/gen.md gives for deterministic losses (section "Defaults"). */
export const DETERMINISTIC: GeNOptions = {
  phi: 1,
  gamma: 0,
  clipRatio: 4,
  fastDecrease: true,
  verify: true,
  slope: 'gradient',
  negativeCurvature: 'grow',
};

/** One run: the path, the loss after each step, and GeN's rate after each step (GeN runs only). */
export interface Run {
  readonly label: string;
  readonly family: 'GD' | 'Adam';
  readonly path: [number, number][];
  readonly loss: number[];
  readonly lr?: number[];
}

const F64 = { dtype: 'float64' as const };

/** Runs `steps` steps of `opt` on `f` from `start`, recording the path and the losses. */
export function minimize(
  f: (p: XY) => Tensor,
  opt: GradientTransformation<any, any>,
  start: readonly [number, number],
  steps: number,
): Omit<Run, 'label' | 'family'> {
  let p: XY = { x: scalar(start[0], F64), y: scalar(start[1], F64) };
  let state = opt.init(p);
  const vg = valueAndGrad(f);
  const path: [number, number][] = [[start[0], start[1]]];
  const loss: number[] = [f(p).itemSync()];
  const lr: number[] = [];
  for (let t = 0; t < steps; t++) {
    const [value, g] = vg(p) as [Tensor, XY];
    const [updates, next] = opt.update(g, state, p, { valueFn: f, value, grad: g });
    p = applyUpdates(p, updates);
    state = next;
    const here: [number, number] = [p.x.itemSync(), p.y.itemSync()];
    const l = f(p).itemSync();
    if (!Number.isFinite(l) || !here.every(Number.isFinite)) break; // diverged: the path ends here
    path.push(here);
    loss.push(l);
    const gen = findGeNState(state);
    if (gen) lr.push(gen.lr.itemSync());
  }
  return lr.length > 0 ? { path, loss, lr } : { path, loss };
}

/** Options of `run`. */
export interface Options {
  /** Steps of every run (default 1000). */
  steps: number;
  /** GeN's initial rate (default 1e-3). */
  eta0: number;
  /** Constant rates tried for GD and for Adam. */
  gdGrid: readonly number[];
  adamGrid: readonly number[];
}

export const DEFAULTS: Options = {
  steps: 1000,
  eta0: 1e-3,
  gdGrid: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2],
  adamGrid: [1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3],
};

/** The best constant rate of `grid` by final loss (a diverged run counts as Infinity). */
function bestOfGrid(
  problem: Problem,
  make: (lr: number) => GradientTransformation<any, any>,
  grid: readonly number[],
  steps: number,
) {
  const runs = grid.map((lr) => ({ lr, ...minimize(problem.f, make(lr), problem.start, steps) }));
  const final = (r: (typeof runs)[number]) => (r.loss.length === steps + 1 ? r.loss.at(-1)! : Infinity);
  return runs.reduce((a, b) => (final(b) < final(a) ? b : a));
}

/** Every method on `problem`. */
export function runProblem(problem: Problem, o: Options = DEFAULTS): Run[] {
  const { f, start } = problem;
  const gd = bestOfGrid(problem, (lr) => sgd({ lr }), o.gdGrid, o.steps);
  const ad = bestOfGrid(problem, (lr) => adam({ lr }), o.adamGrid, o.steps);
  const gen = (label: string, family: 'GD' | 'Adam', opt: GradientTransformation<any, any>): Run => ({
    label,
    family,
    ...minimize(f, opt, start, o.steps),
  });
  return [
    { label: `GD, best constant lr ${gd.lr}`, family: 'GD', path: gd.path, loss: gd.loss },
    gen(`GeN-GD (authors' rule), eta0 ${o.eta0}`, 'GD', genSgd({ lr: o.eta0 })),
    gen(`GeN-GD (deterministic), eta0 ${o.eta0}`, 'GD', genSgd({ lr: o.eta0, ...DETERMINISTIC })),
    { label: `Adam, best constant lr ${ad.lr}`, family: 'Adam', path: ad.path, loss: ad.loss },
    gen(`GeN-Adam (authors' rule), eta0 ${o.eta0}`, 'Adam', genAdam({ lr: o.eta0 })),
    gen(`GeN-Adam (deterministic), eta0 ${o.eta0}`, 'Adam', genAdam({ lr: o.eta0, ...DETERMINISTIC })),
  ];
}

/** `f` on a `n x n` grid over the problem's window, as rows along y (one batched evaluation). */
export function grid(problem: Problem, n = 121): number[][] {
  const xs = linspace(problem.view.x[0], problem.view.x[1], n, F64);
  const ys = linspace(problem.view.y[0], problem.view.y[1], n, F64);
  // the functions are elementwise in (x, y), so one call evaluates the whole grid
  const v = problem.f({
    x: broadcastTo(reshape(xs, [1, n]), [n, n]),
    y: broadcastTo(reshape(ys, [n, 1]), [n, n]),
  });
  const flat = v.dataSync();
  return Array.from({ length: n }, (_, i) => Array.from(flat.subarray(i * n, (i + 1) * n)));
}

const COLORS = ['#444', '#1f77b4', '#d62728'];

/** The SVG: a contour map with the GD family's paths, one with Adam's, and the losses. */
export function figure(problem: Problem, runs: readonly Run[]): string {
  const values = grid(problem);
  const levels = Array.from({ length: 14 }, (_, k) => 10 ** (-1.5 + k * 0.4));
  const family = (fam: 'GD' | 'Adam'): Series[] =>
    runs
      .filter((r) => r.family === fam)
      .map((r, i) => ({ label: r.label, points: r.path, color: COLORS[i]!, dashed: i === 0 }));
  const contour = (fam: 'GD' | 'Adam') => ({
    kind: 'contour' as const,
    title: `${problem.name}: ${fam} family`,
    ...problem.view,
    values,
    levels,
    series: family(fam),
    star: problem.minimum,
  });
  const losses: Series[] = runs.map((r, i) => ({
    label: r.label,
    points: r.loss.map((l, t) => [t, l] as [number, number]),
    color: COLORS[i % 3]!,
    dashed: r.family === 'Adam',
  }));
  // a diverged run would stretch the axis to 1e300: show from the lowest loss to 100x the start
  const finite = runs.flatMap((r) => r.loss).filter((l) => l > 0 && Number.isFinite(l));
  const y = [Math.max(1e-30, Math.min(...finite)), 100 * runs[0]!.loss[0]!] as const;
  return svgFigure(
    [
      contour('GD'),
      contour('Adam'),
      {
        kind: 'line',
        title: `${problem.name}: loss`,
        xLabel: 'step',
        yLabel: 'loss',
        logY: true,
        y,
        series: losses,
      },
    ],
    problem.name,
  );
}

function main(): void {
  const args = parseFlags('rosenbrock-beale', {
    steps: { int: DEFAULTS.steps },
    out: { string: join('examples', 'out') },
  });
  mkdirSync(args.out, { recursive: true });
  for (const problem of PROBLEMS) {
    const runs = runProblem(problem, { ...DEFAULTS, steps: args.steps });
    const file = join(args.out, `${problem.name}.svg`);
    writeFileSync(file, figure(problem, runs));
    console.log(`\n${problem.name} from (${problem.start.join(', ')}), ${args.steps} steps -> ${file}`);
    for (const r of runs) {
      const end =
        r.loss.length === args.steps + 1
          ? r.loss.at(-1)!.toExponential(2)
          : `diverged at step ${r.loss.length}`;
      const lr = r.lr ? `   final rate ${r.lr.at(-1)!.toPrecision(3)}` : '';
      console.log(`  ${r.label.padEnd(40)} final loss ${end}${lr}`);
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
