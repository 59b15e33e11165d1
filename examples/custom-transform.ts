/**
 * Writing your own optimizer piece: an optax-style `GradientTransformation`, chained with GeN.
 *
 * A transformation is two pure functions and a named state: `init(params)` builds the state,
 * `update(updates, state, params?, extra?)` returns `[newUpdates, newState]` and mutates nothing
 * (the old state stays valid). An optimizer is a `chain` of them, and `trainStep` or `fit` drive any
 * chain. The piece written here is normalized momentum: an exponential average of the gradients,
 * `m <- beta m + (1 - beta) g`, handed on as the unit vector `m / ||m||` (its global norm over the
 * whole params pytree). Its output says where to go, not how far, which is exactly what GeN needs:
 * GeN's rate is the minimum of the loss along the direction it is given, and rescaling the direction
 * rescales the rate inversely (docs/gen.md), so `chain(normalizedMomentum(), scaleByGeN())` picks
 * the step length from the curvature. With a constant rate `lr` instead, every step has length
 * `lr` whatever the loss looks like, and the right `lr` has to be found by trying a few.
 *
 * The optimizers train the same MLP on the two-spirals set from the same initialisation through
 * `fit`: normalized momentum with GeN (untuned, `eta_0 = 1e-2`), with three constant step lengths,
 * and the library's own `genMomentum` for comparison.
 *
 * Run: npx tsx examples/custom-transform.ts [--epochs 100]
 */
import { pathToFileURL } from 'node:url';
import { add, div, key, maximum, mul, split, treeMap, treeNorm } from '@gen-ts/core';
import {
  chain,
  genMomentum,
  scaleByGeN,
  scaleByLearningRate,
  type GradientTransformation,
} from '@gen-ts/gen';
import {
  accuracy,
  Dataset,
  evaluate,
  fit,
  mlp,
  softmaxCrossEntropy,
  twoSpirals,
  type FitHistory,
} from '@gen-ts/nn';
import { parseFlags } from './lib/args.js';

/** Options of `normalizedMomentum`. */
export interface NormalizedMomentumOptions {
  /** Decay of the gradient average, in [0, 1) (default 0.9). */
  beta?: number;
  /** Floor of the norm, so a zero average stays zero instead of 0 / 0 (default 1e-12). */
  eps?: number;
}

/** The state of `normalizedMomentum`: the gradient average, shaped like the params. */
export interface NormalizedMomentumState<P = unknown> {
  readonly momentum: P;
}

/**
 * Normalized momentum: `m <- beta m + (1 - beta) g`, output `m / max(||m||, eps)`. Options are
 * checked here, once, so a bad one fails before any step with a message naming it.
 */
export function normalizedMomentum(
  options: NormalizedMomentumOptions = {},
): GradientTransformation<NormalizedMomentumState> {
  for (const k of Object.keys(options))
    if (k !== 'beta' && k !== 'eps') throw new TypeError(`normalizedMomentum: unknown option '${k}'`);
  const { beta = 0.9, eps = 1e-12 } = options;
  if (!(beta >= 0 && beta < 1))
    throw new RangeError(`normalizedMomentum: option 'beta' must be in [0, 1), got ${beta}`);
  if (!(eps > 0)) throw new RangeError(`normalizedMomentum: option 'eps' must be positive, got ${eps}`);
  return {
    // the average starts at zero, one tensor per param
    init: (params) => ({ momentum: treeMap((p) => mul(p, 0), params) }),
    update: (updates, state) => {
      const momentum = treeMap((m, g) => add(mul(m, beta), mul(g!, 1 - beta)), state.momentum, updates);
      const norm = maximum(treeNorm(momentum), eps);
      const direction = treeMap((m) => div(m, norm), momentum) as typeof updates;
      return [direction, { momentum }];
    },
  };
}

/** Options of `run`. */
export interface Options {
  points: number;
  batch: number;
  epochs: number;
  hidden: number;
  seed: number;
}

export const DEFAULTS: Options = { points: 1024, batch: 64, epochs: 100, hidden: 32, seed: 0 };

/** One run's history and its final loss and accuracy on the whole set. */
export interface Run {
  readonly label: string;
  readonly history: FitHistory;
  readonly final: Readonly<Record<string, number>>;
}

/** The optimizers compared. */
export function optimizers(): [string, GradientTransformation<any, any>][] {
  return [
    ['normalizedMomentum + GeN', chain(normalizedMomentum({ beta: 0.9 }), scaleByGeN({ lr: 1e-2 }))],
    ...[0.01, 0.05, 0.2].map((lr): [string, GradientTransformation<any, any>] => [
      `normalizedMomentum + lr ${lr}`,
      chain(normalizedMomentum({ beta: 0.9 }), scaleByLearningRate(lr)),
    ]),
    ['genMomentum (library)', genMomentum({ lr: 1e-2 })],
  ];
}

export async function run(options: Partial<Options> = {}): Promise<Run[]> {
  const o = { ...DEFAULTS, ...options };
  const [kData, kInit, kShuffle] = split(key(o.seed), 3);
  const { x, y } = twoSpirals(kData!, { n: o.points });
  const model = mlp([o.hidden, o.hidden, 2], { activation: 'tanh' });
  const { params } = model.init(kInit!, [o.batch, 2]);
  const train = Dataset.fromArrays({ x, y }).shuffle(kShuffle!).batch(o.batch);
  const all = Dataset.fromArrays({ x, y }).batch(o.points);
  const runs: Run[] = [];
  for (const [label, optimizer] of optimizers()) {
    const r = await fit({
      model,
      loss: softmaxCrossEntropy,
      params,
      optimizer,
      train,
      epochs: o.epochs,
      verbose: 'silent',
    });
    const final = await evaluate({
      model,
      loss: softmaxCrossEntropy,
      params: r.params,
      data: all,
      metrics: { accuracy },
    });
    runs.push({ label, history: r.history, final });
  }
  return runs;
}

async function main(): Promise<void> {
  const { epochs } = parseFlags('custom-transform', { epochs: { int: DEFAULTS.epochs } });
  console.log(
    `two spirals, ${DEFAULTS.points} points, MLP 2-${DEFAULTS.hidden}-${DEFAULTS.hidden}-2, ${epochs} epochs\n`,
  );
  for (const r of await run({ epochs })) {
    const rate = r.history.lr.at(-1)!;
    const shown = Number.isNaN(rate) ? '' : `   final rate ${rate.toPrecision(3)}`;
    console.log(
      `${r.label.padEnd(30)} loss ${r.final['loss']!.toFixed(4)}   accuracy ${r.final['accuracy']!.toFixed(3)}${shown}`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
