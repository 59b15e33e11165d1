/**
 * What `fit` costs over a hand-written loop: the same MLP (2-64-64-2 on two spirals, batch 64,
 * float32), the same batches in the same order, the same optimizer, GeN probing the next batch in
 * both. The hand loop iterates batches sliced beforehand and calls `trainStep`; `fit` draws each
 * batch from a shuffled `Dataset` (a gather per tensor), runs the step in `tidy` where the backend
 * has one, disposes what it replaced, gathers the loss and rate on the device and reads them back
 * every `readEvery` steps. Runs are interleaved in rounds after a warm-up; medians are reported.
 * Run: `npx tsx bench/fit-overhead.ts [rounds] [steps]` (`GEN_BENCH_BACKEND=webasm` for gpu.js webasm).
 */
import {
  add,
  key,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  normal,
  oneHot,
  relu,
  split,
  sum,
  useBackend,
  zeros,
  type Tensor,
} from '@gen-ts/core';
import { genSgd, sgd, trainStep, type GradientTransformation } from '@gen-ts/gen';
import { gpujs } from '@gen-ts/gpu';
import { Dataset, fit, twoSpirals } from '@gen-ts/nn';
import { compare, row } from './harness.js';

const BACKEND = process.env['GEN_BENCH_BACKEND'] ?? 'cpu';
if (BACKEND !== 'cpu' && BACKEND !== 'webasm')
  throw new Error(`GEN_BENCH_BACKEND: expected cpu or webasm, got ${BACKEND}`);
const gpu = BACKEND === 'webasm' ? gpujs({ mode: 'webasm', threads: 0 }) : undefined;
if (gpu) useBackend(gpu);
const rounds = Number(process.argv[2] ?? 9);
const steps = Number(process.argv[3] ?? 64);

type P = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor; w3: Tensor; b3: Tensor };
type B = { x: Tensor; y: Tensor };
const [k1, k2, k3] = split(key(0), 3);
const init = (): P => ({
  w1: normal(k1!, [2, 64]),
  b1: zeros([64]),
  w2: mul(normal(k2!, [64, 64]), 0.18),
  b2: zeros([64]),
  w3: mul(normal(k3!, [64, 2]), 0.12),
  b3: zeros([2]),
});
const logits = (p: P, x: Tensor) =>
  add(matmul(relu(add(matmul(relu(add(matmul(x, p.w1), p.b1)), p.w2), p.b2)), p.w3), p.b3);
const lossFn = (p: P, b: B) =>
  mean(neg(sum(mul(logSoftmax(logits(p, b.x), -1), oneHot(b.y, 2, 'float32')), -1)));

const train = Dataset.fromArrays(twoSpirals(key(1), { n: 1024 }))
  .shuffle(key(2))
  .batch(64);
const sliced: B[] = [];
for (let e = 0; sliced.length < steps + 1; e++) for (const b of train.epoch(e)) sliced.push(b);

function handLoop(opt: GradientTransformation<any, any>): () => Promise<void> {
  return async () => {
    const step = trainStep(lossFn, opt);
    let params = init();
    let state = opt.init(params);
    for (let t = 0; t < steps; t++) {
      const run = () => step(params, state, sliced[t]!, sliced[t + 1]!);
      const r = gpu ? gpu.tidy(run) : run();
      await r.loss.data();
      if (gpu) for (const l of [...Object.values(params), r.loss]) l.dispose(); // the old state is left to GC
      params = r.params;
      state = r.state;
    }
  };
}
function fitLoop(opt: GradientTransformation<any, any>): () => Promise<void> {
  return async () => {
    await fit({ lossFn, params: init(), optimizer: opt, train, steps, verbose: 'silent' });
  };
}

const results: string[] = [];
for (const [name, make] of [
  ['SGD', () => sgd({ lr: 0.1 })],
  ['GeN-SGD (phi 4)', () => genSgd({ lr: 0.01 })],
] as const) {
  const t = await compare(
    [
      { name: 'hand', run: handLoop(make()) },
      { name: 'fit', run: fitLoop(make()) },
    ],
    rounds,
    3,
  );
  const hand = t.get('hand')!;
  const f = t.get('fit')!;
  results.push(row([name, (hand / steps) * 1000, (f / steps) * 1000, hand / f]));
}
console.log(
  `backend ${BACKEND}, ${steps} steps per run, ${rounds} rounds, load ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(row(['optimizer', 'hand loop µs/step', 'fit µs/step', 'speed of fit (hand / fit)']));
console.log(row(['---', '---', '---', '---']));
for (const r of results) console.log(r);
gpu?.destroy();
