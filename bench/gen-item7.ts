/**
 * Check 7 of docs/gen.md, measured: GeN-GD and GeN-Adam from eta_0 in [1e-4, 1e-1] against the best
 * constant learning rate of a grid, at equal steps, on Rosenbrock and Beale (float64, cpu), for
 * the authors' rule and the `fastDecrease` / `verify` options, from several starting points. The
 * runs, grids and win criterion are test/gen's (`minimize`, ./item7.ts: a win is a lower final
 * loss, or both losses negligible next to the starting loss). Prints markdown tables.
 *
 * Run: `npx tsx bench/gen-item7.ts [steps=1000] [gd|adam|all=all] [variant,variant,...=all]`, or
 * `npx tsx bench/gen-item7.ts scan [count=40] [variants]`: every start over log-spaced eta_0.
 * `npx tsx bench/gen-item7.ts random [draws=20]`: the item-7 configuration from eta_0 drawn
 * log-uniformly (fixed seed) on every problem.
 */
import type { Tensor } from '@gen-ts/core';
import { adam, genAdam, genSgd, sgd, type GeNOptions, type GradientTransformation } from '@gen-ts/gen';
import { beale, minimize, rosenbrock, type XY } from '../test/gen/problems.js';
import {
  ADAM_GRID,
  ETA0,
  GD_GRID,
  ITEM7_GEN,
  beatsBest as wins,
  bestConstant as best,
  startLoss,
} from '../test/gen/item7.js';

const PROBLEMS: [string, (p: XY) => Tensor, [number, number]][] = [
  ['Rosenbrock', rosenbrock, [-1.2, 1]],
  ['Rosenbrock', rosenbrock, [-1.5, 2]],
  ['Rosenbrock', rosenbrock, [0, 0]],
  ['Beale', beale, [1, 1]],
  ['Beale', beale, [1, 1.5]],
  ['Beale', beale, [-1, -1]],
];

const LS: GeNOptions = { gamma: 0, clipRatio: Infinity };
const TR4FV: GeNOptions = { gamma: 0, clipRatio: 4, fastDecrease: true, verify: true };
const ALL_VARIANTS: Record<string, GeNOptions> = {
  authors: {},
  'authors+fast': { fastDecrease: true },
  'authors+fast+verify': { fastDecrease: true, verify: true },
  LS,
  'LS+verify': { ...LS, verify: true },
  'TR2+fast': { gamma: 0, clipRatio: 2, fastDecrease: true },
  'TR2+fast+verify': { gamma: 0, clipRatio: 2, fastDecrease: true, verify: true },
  'TR4+fast': { gamma: 0, clipRatio: 4, fastDecrease: true },
  'TR4+verify': { gamma: 0, clipRatio: 4, verify: true },
  'TR4+fast+verify': TR4FV,
  'TR4+fast+verify+gs': { ...TR4FV, slope: 'gradient' },
  'TR4+fast+verify+gs1': { ...TR4FV, slope: 'gradient', factors: [0, 1] },
  // the item-7 rule (ITEM7_GEN)
  'TR4+fast+verify+gs+nc': { ...TR4FV, slope: 'gradient', negativeCurvature: 'grow' },
  'TR4+fast+verify+nc': { ...TR4FV, negativeCurvature: 'grow' },
  'TR4+fast+gs1': { gamma: 0, clipRatio: 4, fastDecrease: true, slope: 'gradient', factors: [0, 1] },
  // the recommended configuration for minibatch training (preset 'auto'), with the run's steps as its horizon
  auto: { preset: 'auto', horizon: Number(process.argv[2]) || 1000 },
};

type Make = (lr: number) => GradientTransformation<any, any>;
const BASES: Record<string, { label: string; constant: Make; grid: number[]; gen: (o: GeNOptions) => Make }> =
  {
    gd: {
      label: 'GeN-GD vs GD',
      constant: (lr) => sgd({ lr }),
      grid: GD_GRID,
      gen: (o) => (lr) => genSgd({ ...o, lr }),
    },
    adam: {
      label: 'GeN-Adam vs Adam',
      constant: (lr) => adam({ lr }),
      grid: ADAM_GRID,
      gen: (o) => (lr) => genAdam({ ...o, lr }),
    },
  };

const fmt = (x: number) => (x === Infinity ? 'Inf' : x === 0 ? '0' : x.toExponential(1));

function table(base: string, steps: number, variants: Record<string, GeNOptions>) {
  const B = BASES[base]!;
  console.log(`\n### ${B.label}, ${steps} steps (final loss for eta_0 = ${ETA0.join(', ')}; wins/7)\n`);
  console.log(`| problem | start | best constant (lr) | ${Object.keys(variants).join(' | ')} |`);
  console.log(
    `|---|---|---|${Object.keys(variants)
      .map(() => '---')
      .join('|')}|`,
  );
  const total: Record<string, number> = {};
  for (const [name, f, start] of PROBLEMS) {
    const L0 = startLoss(f, start);
    const b = best(f, B.constant, B.grid, start, steps);
    const cells = Object.entries(variants).map(([v, o]) => {
      const rs = ETA0.map((eta0) => minimize(f, B.gen({ phi: 1, ...o })(eta0), start, steps));
      const n = rs.filter((r) => wins(r, b.loss, L0)).length;
      total[v] = (total[v] ?? 0) + n;
      return `${rs.map(fmt).join(' ')} (${n})`;
    });
    console.log(`| ${name} | (${start.join(', ')}) | ${fmt(b.loss)} (${b.lr}) | ${cells.join(' | ')} |`);
  }
  const n = PROBLEMS.length * ETA0.length;
  console.log(
    `| **wins** | | | ${Object.keys(variants)
      .map((v) => `**${total[v]}/${n}**`)
      .join(' | ')} |`,
  );
}

/** eta_0 = 10^u, u uniform in [-4, -1], from a fixed-seed LCG (reproducible draws). */
function randomEtas(count: number): number[] {
  let s = 12345;
  return Array.from({ length: count }, () => {
    s = (1103515245 * s + 12345) % 2 ** 31;
    return 10 ** (-4 + (3 * s) / 2 ** 31);
  });
}

/** Calls `row` for every (base, problem, start) with the starting loss and the best constant rate. */
function eachProblem(
  steps: number,
  row: (
    base: string,
    B: (typeof BASES)[string],
    name: string,
    f: (p: XY) => Tensor,
    start: [number, number],
    L0: number,
    best: number,
  ) => void,
) {
  for (const base of ['gd', 'adam']) {
    const B = BASES[base]!;
    for (const [name, f, start] of PROBLEMS) {
      row(base, B, name, f, start, startLoss(f, start), best(f, B.constant, B.grid, start, steps).loss);
    }
  }
}

function random(draws: number, steps = 1000) {
  const etas = randomEtas(draws);
  console.log(`\n### ITEM7_GEN from ${draws} eta_0 drawn log-uniformly in [1e-4, 1e-1], ${steps} steps\n`);
  console.log('| base | problem | start | best constant | worst GeN final loss (eta_0) | wins |');
  console.log('|---|---|---|---|---|---|');
  eachProblem(steps, (base, B, name, f, start, L0, b) => {
    const rs = etas.map((eta0) => minimize(f, B.gen(ITEM7_GEN)(eta0), start, steps));
    const worst = Math.max(...rs);
    const at = etas[rs.indexOf(worst)]!;
    const n = rs.filter((r) => wins(r, b, L0)).length;
    console.log(
      `| ${base} | ${name} | (${start.join(', ')}) | ${fmt(b)} | ${fmt(worst)} (${at.toExponential(1)}) | ${n}/${draws} |`,
    );
  });
}

/** Every (base, problem, start) over `count` log-spaced eta_0 in [1e-4, 1e-1]: wins and the losing eta_0. */
function scan(count: number, variants: readonly string[], steps = 1000) {
  const etas = Array.from({ length: count }, (_, k) => 10 ** (-4 + (3 * k) / (count - 1)));
  console.log(`\n### ${count} log-spaced eta_0 in [1e-4, 1e-1], ${steps} steps\n`);
  console.log('| base | problem | start | variant | wins | losing eta_0 |');
  console.log('|---|---|---|---|---|---|');
  eachProblem(steps, (base, B, name, f, start, L0, b) => {
    for (const v of variants) {
      const rs = etas.map((eta0) => minimize(f, B.gen({ phi: 1, ...ALL_VARIANTS[v]! })(eta0), start, steps));
      const lose = etas.filter((_, k) => !wins(rs[k]!, b, L0)).map((e) => e.toExponential(1));
      console.log(
        `| ${base} | ${name} | (${start.join(', ')}) | ${v} | ${count - lose.length}/${count} | ${lose.join(' ')} |`,
      );
    }
  });
}

if (process.argv[2] === 'scan') {
  scan(Number(process.argv[3] ?? 40), (process.argv[4] ?? 'TR4+fast+verify').split(','));
} else if (process.argv[2] === 'random') {
  random(Number(process.argv[3] ?? 20));
} else {
  const steps = Number(process.argv[2] ?? 1000);
  const which = process.argv[3] ?? 'all';
  const pick = process.argv[4]?.split(',');
  const variants = Object.fromEntries(
    Object.entries(ALL_VARIANTS).filter(([k]) => pick === undefined || pick.includes(k)),
  );
  for (const base of ['gd', 'adam']) if (which === 'all' || which === base) table(base, steps, variants);
}
