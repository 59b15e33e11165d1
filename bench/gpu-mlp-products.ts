/**
 * The two large matrix products of the MLP 784-256-10 / batch 128 step, one at a time, side by side
 * in one process (round-robin): the forward `x @ W1` (128x784 @ 784x256) and the weight gradient
 * `x^T @ dH` (784x128 @ 128x256; in both libraries the transposed operand is read in place:
 * tfjs `matMul(x, dH, true, false)`, gen-ts `matmul(transpose(x), dH)`). It shows where the step
 * comparison with tfjs-wasm comes from: tfjs-wasm's plain product is ~10x faster than gpu.js
 * webasm's, and its transposed-A product ~14x slower than its own plain one.
 * Run: npx tsx bench/gpu-mlp-products.ts   (ROUNDS=n, default 15)
 */
import { matmul, normal, key, transpose, useBackend, type Backend, type Tensor } from '@gen-ts/core';
import { gpujs } from '@gen-ts/gpu';
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { compare, type Contender } from './harness.js';

const [B, I, H] = [128, 784, 256];
const rounds = Number(process.env['ROUNDS'] ?? 15);
const flops = 2 * B * I * H;

function genTs(name: string, backend: Backend, transposed: boolean): Contender {
  useBackend(backend);
  const x = normal(key(1), [B, I]);
  const w = normal(key(2), [I, H]);
  const dH = normal(key(3), [B, H]);
  return {
    name,
    async run() {
      useBackend(backend);
      const y = (transposed ? matmul(transpose(x), dH) : matmul(x, w)) as Tensor;
      await y.data();
      y.dispose();
    },
  };
}

await tf.setBackend('wasm');
await tf.ready();
const tx = tf.randomNormal([B, I]);
const tw = tf.randomNormal([I, H]);
const tdH = tf.randomNormal([B, H]);
const tfjs = (transposed: boolean): Contender => ({
  name: 'tfjs-wasm',
  async run() {
    const y = transposed ? tf.matMul(tx, tdH, true, false) : tf.matMul(tx, tw);
    await y.data();
    y.dispose();
  },
});

const threaded = gpujs({ mode: 'webasm', threads: 2 });
const sync = gpujs({ mode: 'webasm', threads: 0 });
console.log(`MLP ${I}-${H} products, batch ${B}; median of ${rounds} round-robin runs (ms, GFLOP/s)\n`);
console.log('| product | implementation | ms | GFLOP/s | ratio to tfjs-wasm |\n|---|---|---|---|---|');
for (const [label, transposed] of [
  ['x @ W1 (forward)', false],
  ['x^T @ dH (weight gradient)', true],
] as const) {
  const t = await compare(
    [
      tfjs(transposed),
      genTs('gen-ts gpujs webasm (2 threads)', threaded, transposed),
      genTs('gen-ts gpujs webasm (sync)', sync, transposed),
    ],
    rounds,
    3,
  );
  const ref = t.get('tfjs-wasm')!;
  for (const [n, ms] of t)
    console.log(
      `| ${label} | ${n} | ${ms.toFixed(2)} | ${(flops / ms / 1e6).toFixed(2)} | ${(ms / ref).toFixed(2)} |`,
    );
}
threaded.destroy();
sync.destroy();
process.exit(0);
