/**
 * A convolutional network on MNIST, built from `@gen-ts/nn` layers and trained by GeN-Adam.
 *
 * What it shows:
 * - images are channels-last, `[batch, 28, 28, 1]` (NHWC: `loadMnist({ layout: 'NHWC' })`), and
 *   `conv2d` kernels `[kh, kw, in, out]` (HWIO), as in TensorFlow and flax; `Dataset` shuffles and
 *   batches them per epoch from a key;
 * - a model is `sequential([...])` of pure `(init, apply)` pairs: `init(key, inputShape)` draws the
 *   parameters (a pytree of tensors) and reports the output shape, `apply(params, x)` runs it;
 * - the loss is `softmaxCrossEntropy(model.apply(params, x), labels)` with int32 labels `[batch]`;
 * - `trainStep(loss, opt)` takes one step per batch; GeN sets Adam's learning rate from the loss's
 *   curvature along Adam's step, probing the next batch, so no schedule is tuned;
 * - `--exact` uses GeN's exact mode, whose slope and curvature are a `jvp` of the gradient:
 *   second derivatives through convolution and max pooling (their derivatives are convolutions and
 *   window gathers again, so they can be differentiated once more).
 *
 * Run: npx tsx examples/mnist-cnn.ts [--train 2000] [--test 500] [--epochs 2] [--batch 64] [--lr 1e-3] [--exact] [--seed 0]
 */
import { pathToFileURL } from 'node:url';
import { key, type Tensor } from '@gen-ts/core';
import { findGeNState, genAdam, trainStep } from '@gen-ts/gen';
import {
  accuracy,
  activation,
  conv2d,
  Dataset,
  flatten,
  linear,
  loadMnist,
  maxPool2d,
  MNIST_CLASSES,
  sequential,
  softmaxCrossEntropy,
} from '@gen-ts/nn';

/** What `run` takes (every field has the default shown in the header). */
export interface CnnOptions {
  train: number;
  test: number;
  epochs: number;
  batch: number;
  lr: number;
  exact: boolean;
  seed: number;
}

/** What `run` measured. */
export interface CnnResult {
  /** Training loss of every step. */
  losses: number[];
  /** GeN's learning rate after every step. */
  lrs: number[];
  /** Accuracy on the held-out digits after training. */
  testAccuracy: number;
  /** The model's output shape for one batch. */
  outputShape: readonly number[];
}

const DEFAULTS: CnnOptions = {
  train: 2000,
  test: 500,
  epochs: 2,
  batch: 64,
  lr: 1e-3,
  exact: false,
  seed: 0,
};

/** conv 3x3x16, pool, conv 3x3x32, pool, dense 10: 28 -> 14 -> 7 with 'same' padding. */
export function model() {
  return sequential([
    conv2d(16, 3, { padding: 'same' }),
    activation('relu'),
    maxPool2d(2),
    conv2d(32, 3, { padding: 'same' }),
    activation('relu'),
    maxPool2d(2),
    flatten(),
    linear(MNIST_CLASSES),
  ]);
}

type Batch = { x: Tensor; y: Tensor };

/** Trains the CNN and reports the loss curve, GeN's learning rates and the test accuracy. */
export function run(options: Partial<CnnOptions> = {}): CnnResult {
  const o = { ...DEFAULTS, ...options };
  const data = loadMnist({ train: o.train, test: o.test, seed: o.seed, layout: 'NHWC' }); // [n, 28, 28, 1]
  const net = model();
  const { params: init, outputShape } = net.init(key(o.seed), [o.batch, 28, 28, 1]);
  const loss = (p: typeof init, b: Batch) => softmaxCrossEntropy(net.apply(p, b.x), b.y);

  // full batches in a fresh order each epoch
  const ds = Dataset.fromArrays({ x: data.train.x, y: data.train.y })
    .shuffle(key(o.seed + 1))
    .batch(o.batch, { dropRemainder: true });

  const opt = genAdam({ lr: o.lr, ...(o.exact ? { mode: 'exact' as const } : {}) });
  const step = trainStep(loss, opt);
  let params = init;
  let state = opt.init(params);
  const losses: number[] = [];
  const lrs: number[] = [];
  for (let e = 0; e < o.epochs; e++) {
    const bs: Batch[] = [...ds.epoch(e)];
    for (let t = 0; t < bs.length; t++) {
      const r = step(params, state, bs[t]!, bs[(t + 1) % bs.length]!); // GeN probes the next batch
      ({ params, state } = r);
      losses.push(r.loss.itemSync());
      lrs.push(findGeNState(state)!.lr.itemSync());
    }
  }
  const testAccuracy = accuracy(net.apply(params, data.test.x), data.test.y).itemSync();
  return { losses, lrs, testAccuracy, outputShape };
}

function parseArgs(argv: readonly string[]): Partial<CnnOptions> {
  const o: Partial<CnnOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--exact') o.exact = true;
    else if (['--train', '--test', '--epochs', '--batch', '--lr', '--seed'].includes(a)) {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v)) throw new TypeError(`mnist-cnn: ${a} needs a number, got ${argv[i]}`);
      (o as Record<string, number>)[a.slice(2)] = v;
    } else throw new TypeError(`mnist-cnn: unknown argument ${a} (see the header for the options)`);
  }
  return o;
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const o = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const r = run(o);
  const s = (performance.now() - t0) / 1000;
  const every = Math.max(1, Math.floor(r.losses.length / 10));
  console.log(`model output ${JSON.stringify(r.outputShape)}; ${r.losses.length} steps in ${s.toFixed(1)} s`);
  for (let i = 0; i < r.losses.length; i += every)
    console.log(
      `step ${String(i).padStart(4)}  loss ${r.losses[i]!.toFixed(3)}  GeN lr ${r.lrs[i]!.toExponential(2)}`,
    );
  console.log(`test accuracy ${(100 * r.testAccuracy).toFixed(1)}%`);
}
