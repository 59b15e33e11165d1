/**
 * Logistic regression trained by GeN-SGD on minibatches, checked against the exact optimum.
 *
 * The data are drawn from a known logistic model (8 features, labels sampled from
 * `sigmoid(x w* + b*)`, so they are noisy and the optimum is finite). GeN-SGD starts from a small
 * rate (`eta_0 = 1e-2`), takes its gradient on one minibatch and fits its parabola on the next one
 * (`trainStep`'s probe batch: data the gradient did not see), every 4 steps, by the authors' rule:
 * a smoothed update clipped to [eta / 2, 2 eta], so the rate grows at most x1.1 per probe step
 * and, from 1e-2, is still warming up after 10 epochs. A second GeN-SGD warms up faster
 * (`clipRatio: 4`) and shrinks its estimates over the planned run (`scale`, a cosine horizon).
 * Plain SGD at two constant rates runs on the same batches. The reference is the minimum of the full training loss,
 * found by Newton's method: the library's `newtonDirection` followed by GeN with no smoothing, for
 * which GeN's rate is 1 (examples/newton-quadratic.ts).
 *
 * What it teaches: a model written as a loss of a params pytree (`{ w, b }`), a loss from
 * `@gen-ts/nn` (`sigmoidBinaryCrossEntropy`, exact for any logit), the `trainStep` loop with a
 * probe batch, and reading GeN's rate from the state.
 *
 * Run: npx tsx examples/logistic-regression.ts [--epochs 10]
 */
import { pathToFileURL } from 'node:url';
import {
  add,
  cast,
  grad,
  key,
  less,
  matmul,
  normal,
  sigmoid,
  slice,
  split,
  uniform,
  zeros,
  type Tensor,
} from '@gen-ts/core';
import {
  applyUpdates,
  chain,
  cosineDecaySchedule,
  findGeNState,
  genSgd,
  newtonDirection,
  scaleByGeN,
  sgd,
  trainStep,
  type GradientTransformation,
} from '@gen-ts/gen';
import { accuracy, sigmoidBinaryCrossEntropy } from '@gen-ts/nn';
import { parseFlags } from './lib/args.js';

/** The model's params. */
export type Params = { w: Tensor; b: Tensor };
/** A batch of features `[n, d]` and 0/1 labels `[n, 1]`. */
export type Batch = { x: Tensor; y: Tensor };

/** Options of `run`. */
export interface Options {
  features: number;
  train: number;
  test: number;
  batch: number;
  epochs: number;
  /** GeN's initial rate. */
  eta0: number;
  /** Constant rates of plain SGD. */
  sgdLrs: readonly number[];
  seed: number;
}

export const DEFAULTS: Options = {
  features: 8,
  train: 2048,
  test: 1024,
  batch: 128,
  epochs: 10,
  eta0: 1e-2,
  sgdLrs: [0.1, 1],
  seed: 0,
};

const F64 = { dtype: 'float64' as const };

/** Features from a standard normal, labels from the logistic model with weights `w*` and bias 0.5. */
export function makeData(o: Options): { train: Batch; test: Batch; trueParams: Params } {
  const [kx, kw, ky] = split(key(o.seed), 3);
  const n = o.train + o.test;
  const x = normal(kx!, [n, o.features], F64);
  const trueParams = { w: normal(kw!, [o.features, 1], F64), b: add(zeros([], F64), 0.5) };
  const p = sigmoid(logits(trueParams, x));
  const y = cast(less(uniform(ky!, [n, 1], F64), p), 'float64'); // y = 1 with probability p
  const part = (start: number, size: number): Batch => ({
    x: slice(x, [start, 0], [size, o.features]),
    y: slice(y, [start, 0], [size, 1]),
  });
  return { train: part(0, o.train), test: part(o.train, o.test), trueParams };
}

export const logits = (p: Params, x: Tensor): Tensor => add(matmul(x, p.w), p.b);
export const loss = (p: Params, b: Batch): Tensor => sigmoidBinaryCrossEntropy(logits(p, b.x), b.y);

/** The minibatches of one pass over `data` (the last partial batch dropped). */
export function batches(data: Batch, size: number): Batch[] {
  const n = Math.floor(data.x.shape[0]! / size);
  const d = data.x.shape[1]!;
  return Array.from({ length: n }, (_, i) => ({
    x: slice(data.x, [i * size, 0], [size, d]),
    y: slice(data.y, [i * size, 0], [size, 1]),
  }));
}

/** Newton's method on the full training loss: the exact optimum (a few steps, float64). */
export function optimum(train: Batch, features: number, steps = 8): Params {
  const f = (p: Params) => loss(p, train);
  const opt = chain(
    newtonDirection({ maxIter: 4 * (features + 1) }),
    scaleByGeN({ lr: 1, phi: 1, gamma: 0, clipRatio: Infinity }),
  );
  let p: Params = { w: zeros([features, 1], F64), b: zeros([], F64) };
  let state = opt.init(p);
  for (let t = 0; t < steps; t++) {
    const [u, next] = opt.update(gradOf(f, p), state, p, { valueFn: f });
    p = applyUpdates(p, u);
    state = next;
  }
  return p;
}

const gradOf = (f: (p: Params) => Tensor, p: Params): Params => grad(f)(p) as Params;

/** One training run's record: the full training loss after each epoch, test accuracy, GeN's rates. */
export interface Run {
  readonly label: string;
  readonly trainLoss: number[];
  readonly testAccuracy: number;
  /** GeN's rate after each epoch (GeN only). */
  readonly lr?: number[];
}

/** Trains with `opt` for `o.epochs` passes over the batches; GeN probes the batch after the gradient's. */
export function train(
  label: string,
  opt: GradientTransformation<any, any>,
  data: ReturnType<typeof makeData>,
  o: Options,
): Run {
  const bs = batches(data.train, o.batch);
  const step = trainStep(loss, opt);
  let params: Params = { w: zeros([o.features, 1], F64), b: zeros([], F64) };
  let state = opt.init(params);
  const trainLoss = [loss(params, data.train).itemSync()];
  const lr: number[] = [];
  for (let e = 0; e < o.epochs; e++) {
    for (let i = 0; i < bs.length; i++) {
      ({ params, state } = step(params, state, bs[i]!, bs[(i + 1) % bs.length]!));
    }
    trainLoss.push(loss(params, data.train).itemSync());
    const gen = findGeNState(state);
    if (gen) lr.push(gen.lr.itemSync());
  }
  const testAccuracy = accuracy(logits(params, data.test.x), data.test.y).itemSync();
  return lr.length > 0 ? { label, trainLoss, testAccuracy, lr } : { label, trainLoss, testAccuracy };
}

/** Everything: the runs, the optimum's loss and the true model's test accuracy. */
export function run(options: Partial<Options> = {}) {
  const o = { ...DEFAULTS, ...options };
  const data = makeData(o);
  const best = optimum(data.train, o.features);
  const steps = o.epochs * Math.floor(o.train / o.batch);
  const horizon = { clipRatio: 4, scale: cosineDecaySchedule(1, steps) };
  const runs = [
    train(`GeN-SGD, eta0 ${o.eta0}`, genSgd({ lr: o.eta0 }), data, o),
    train(`GeN-SGD clip 4 + cos`, genSgd({ lr: o.eta0, ...horizon }), data, o),
    ...o.sgdLrs.map((lr) => train(`SGD, lr ${lr}`, sgd({ lr }), data, o)),
  ];
  return {
    runs,
    optimumLoss: loss(best, data.train).itemSync(),
    optimumAccuracy: accuracy(logits(best, data.test.x), data.test.y).itemSync(),
    trueAccuracy: accuracy(logits(data.trueParams, data.test.x), data.test.y).itemSync(),
  };
}

function main(): void {
  const { epochs } = parseFlags('logistic-regression', { epochs: { int: DEFAULTS.epochs } });
  const r = run({ epochs });
  console.log(
    `training loss after each epoch (the optimum, by Newton's method: ${r.optimumLoss.toFixed(6)})\n`,
  );
  const gen = r.runs.filter((x) => x.lr);
  console.log(`epoch  ${r.runs.map((x) => x.label.padEnd(22)).join('')}GeN's rates`);
  for (let e = 0; e <= epochs; e++) {
    const cells = r.runs.map((x) => x.trainLoss[e]!.toFixed(6).padEnd(22)).join('');
    const rates = e > 0 ? gen.map((x) => x.lr![e - 1]!.toPrecision(3).padEnd(8)).join('') : '';
    console.log(`${String(e).padStart(5)}  ${cells}${rates}`);
  }
  console.log('\ntest accuracy:');
  for (const x of r.runs) console.log(`  ${x.label.padEnd(22)} ${x.testAccuracy.toFixed(4)}`);
  console.log(`  ${'the optimum'.padEnd(22)} ${r.optimumAccuracy.toFixed(4)}`);
  console.log(`  ${'the true model'.padEnd(22)} ${r.trueAccuracy.toFixed(4)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
