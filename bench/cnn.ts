/**
 * A CNN training step on MNIST-shaped input (batch 64; conv 3x3x32, pool, conv 3x3x64, pool,
 * dense 10; test/support/cnn.ts), one SGD step with the loss read back, side by side in one
 * process, measured round-robin: gen-ts on core's cpu backend (float32) and on gpu.js (webasm
 * with 2 worker threads, webasm synchronous, webgpu when an adapter answers) against TensorFlow.js
 * wasm (and cpu) running the same network. tfjs-wasm 4.22 lacks the conv2d filter gradient; its
 * own 3-d kernel stands in (see tfjs-wasm-conv-filter.ts).
 * Run: npx tsx bench/cnn.ts   (ROUNDS=n, default 9; WEBGPU=0 and TFJS_CPU=0 leave those out;
 * PROFILE=1 adds where gen-ts cpu's CPU time goes, kernel by kernel, over STEPS=n steps, default 5)
 */
import { cpu, type Backend } from '@gen-ts/core';
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { cnnBatch, cnnStep, initCnn } from '../test/support/cnn.js';
import type { Contender } from './harness.js';
import { gpujsContenders, load, report, stepContender, tfjsPasses, tfjsStep } from './training-step.js';
import { profileCpu } from './cpu-profile.js';
import { registerWasmConv2dFilterGrad } from './tfjs-wasm-conv-filter.js';

const B = 64;
const rounds = Number(process.env['ROUNDS'] ?? 9);

function genTs(name: string, backend: Backend): Contender {
  let xy: ReturnType<typeof cnnBatch>;
  return stepContender(
    name,
    backend,
    () => {
      xy = cnnBatch(B);
      return initCnn(0);
    },
    (p) => {
      const r = cnnStep(p, xy.x, xy.y, 0.05);
      return { state: r.params, loss: r.loss };
    },
  );
}

async function tfjs(be: 'wasm' | 'cpu'): Promise<Contender> {
  await tf.setBackend(be);
  await tf.ready();
  if (be === 'wasm') registerWasmConv2dFilterGrad();
  const { xs, ys } = cnnBatch(B);
  const x = tf.tensor4d(xs, [B, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(ys, 'int32'), 10);
  const he = (shape: number[], fanIn: number) => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn)));
  const w1 = he([3, 3, 1, 32], 9);
  const b1 = tf.variable(tf.zeros([32]));
  const w2 = he([3, 3, 32, 64], 288);
  const b2 = tf.variable(tf.zeros([64]));
  const wd = he([1600, 10], 1600);
  const bd = tf.variable(tf.zeros([10]));
  const opt = tf.train.sgd(0.05);
  const loss = (): tf.Scalar => {
    const h1 = tf.maxPool(
      tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'valid'), b1)) as tf.Tensor4D,
      2,
      2,
      'valid',
    );
    const h2 = tf.maxPool(
      tf.relu(tf.add(tf.conv2d(h1, w2 as tf.Tensor4D, 1, 'valid'), b2)) as tf.Tensor4D,
      2,
      2,
      'valid',
    );
    const logits = tf.add(tf.matMul(tf.reshape(h2, [B, 1600]), wd), bd);
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  };
  return tfjsStep(tf, be, opt, loss);
}

const { gens, gpus } = await gpujsContenders(genTs);
gens.unshift(genTs('gen-ts core cpu (float32)', cpu()));

const loadBefore = load();
const results = await tfjsPasses(tfjs, gens, rounds);
console.log(
  `CNN (conv 3x3x32, pool, conv 3x3x64, pool, dense 10), batch ${B}, SGD step; median of ${rounds} round-robin runs`,
);
const wasmThreads = (
  tf.findBackend('wasm') as { getThreadsCount?: () => number } | undefined
)?.getThreadsCount?.();
console.log(`tfjs-wasm threads: ${wasmThreads ?? 'not reported'}`);
console.log(`load average (1, 5, 15 min): before ${loadBefore}, after ${load()}\n`);
report(results, gpus);
if (process.env['PROFILE'] === '1') {
  let xy: ReturnType<typeof cnnBatch>;
  await profileCpu(
    `gen-ts core cpu (float32), batch ${B}`,
    () => {
      xy = cnnBatch(B); // on the profiled backend
      return initCnn(0);
    },
    (p) => {
      const r = cnnStep(p, xy.x, xy.y, 0.05);
      return { state: r.params, loss: r.loss };
    },
    Number(process.env['STEPS'] ?? 5),
  );
}
process.exit(0);
