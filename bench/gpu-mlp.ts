/**
 * The MLP 784-256-10, batch 128, one SGD training step (forward, backward, update; the step ends
 * with the loss read back), side by side in one process and measured round-robin: gen-ts on gpu.js
 * (webasm with 2 worker threads, webasm synchronous, webgpu via Dawn when an adapter answers) and
 * on core's cpu backend, against TensorFlow.js wasm and cpu.
 * Run: npx tsx bench/gpu-mlp.ts   (ROUNDS=n to change the number of rounds, default 15; WEBGPU=0 leaves
 * out the webgpu contender, whose software rasteriser's threads also load the other contenders;
 * TFJS_CPU=0 leaves out the tfjs-cpu pass). The load average is printed before and after: the
 * machine is shared, and a figure means little without it.
 */
import { cpu, type Backend } from '@gen-ts/core';
// tfjs-core's Node bundle registers no gradients; the tfjs union package does (same tfjs-core instance)
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { batch, initParams, sgdStep } from '../test/support/mlp.js';
import type { Contender } from './harness.js';
import { gpujsContenders, load, report, stepContender, tfjsPasses, tfjsStep } from './training-step.js';

const [B, I, H, O] = [128, 784, 256, 10];
const rounds = Number(process.env['ROUNDS'] ?? 15);

function genTs(name: string, backend: Backend): Contender {
  let xy: ReturnType<typeof batch>;
  return stepContender(
    name,
    backend,
    () => {
      xy = batch(B, I, O);
      return initParams([I, H, O], 0);
    },
    (p) => {
      const r = sgdStep(p, xy.x, xy.y, 0.05);
      return { state: r.params, loss: r.loss };
    },
  );
}

async function tfjs(be: 'wasm' | 'cpu'): Promise<Contender> {
  await tf.setBackend(be);
  await tf.ready();
  const { xs, ys } = batch(B, I, O);
  const x = tf.tensor2d(xs, [B, I]);
  const y = tf.oneHot(tf.tensor1d(ys, 'int32'), O);
  const w1 = tf.variable(tf.randomNormal([I, H], 0, Math.sqrt(2 / I)));
  const b1 = tf.variable(tf.zeros([H]));
  const w2 = tf.variable(tf.randomNormal([H, O], 0, Math.sqrt(1 / H)));
  const b2 = tf.variable(tf.zeros([O]));
  const opt = tf.train.sgd(0.05);
  const loss = (): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(
      y,
      tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2),
    ) as tf.Scalar;
  return tfjsStep(tf, be, opt, loss);
}

const { gens, gpus } = await gpujsContenders(genTs);
gens.push(genTs('gen-ts core cpu (float32)', cpu()));

const loadBefore = load();
const results = await tfjsPasses(tfjs, gens, rounds);
console.log(`MLP ${I}-${H}-${O}, batch ${B}, SGD step; median of ${rounds} round-robin runs`);
console.log(`load average (1, 5, 15 min): before ${loadBefore}, after ${load()}\n`);
report(results, gpus);
process.exit(0);
