/**
 * The MLP 784-256-10, batch 128, one SGD step (forward, backward, update; the step ends with the
 * loss read back), as a benchmark contender: on a gen-ts backend, and on TensorFlow.js. Shared by
 * bench/gpu-mlp.ts and bench/cpu-mlp.ts.
 */
import type { Backend } from '@gen-ts/core';
// tfjs-core's Node bundle registers no gradients; the tfjs union package does (same tfjs-core instance)
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { batch, initParams, sgdStep } from '../test/support/mlp.js';
import type { Contender } from './harness.js';
import { stepContender, tfjsStep } from './training-step.js';

/** Batch, input, hidden and output sizes. */
export const [B, I, H, O] = [128, 784, 256, 10];
/** The SGD learning rate. */
export const LR = 0.05;

/** The step on a gen-ts backend (its own parameters, updated every call). */
export function genTsMlp(name: string, backend: Backend): Contender {
  let xy: ReturnType<typeof batch>;
  return stepContender(
    name,
    backend,
    () => {
      xy = batch(B, I, O);
      return initParams([I, H, O], 0);
    },
    (p) => {
      const r = sgdStep(p, xy.x, xy.y, LR);
      return { state: r.params, loss: r.loss };
    },
  );
}

/** The step on a TensorFlow.js backend (set and readied here; `run` switches back if needed). */
export async function tfjsMlp(be: 'wasm' | 'cpu'): Promise<Contender> {
  await tf.setBackend(be);
  await tf.ready();
  const { xs, ys } = batch(B, I, O);
  const x = tf.tensor2d(xs, [B, I]);
  const y = tf.oneHot(tf.tensor1d(ys, 'int32'), O);
  const w1 = tf.variable(tf.randomNormal([I, H], 0, Math.sqrt(2 / I)));
  const b1 = tf.variable(tf.zeros([H]));
  const w2 = tf.variable(tf.randomNormal([H, O], 0, Math.sqrt(1 / H)));
  const b2 = tf.variable(tf.zeros([O]));
  const opt = tf.train.sgd(LR);
  const loss = (): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(
      y,
      tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2),
    ) as tf.Scalar;
  return tfjsStep(tf, be, opt, loss);
}
