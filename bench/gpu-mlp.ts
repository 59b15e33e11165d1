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
import { loadavg } from 'node:os';
import { cpu, useBackend, type Backend } from '@gen-ts/core';
import { gpujs, type GpujsBackend } from '@gen-ts/gpu';
// tfjs-core's Node bundle registers no gradients; the tfjs union package does (same tfjs-core instance)
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { batch, initParams, sgdStep } from '../test/support/mlp.js';
import { compare, type Contender } from './harness.js';
import { webgpuName } from './webgpu-name.js';

const [B, I, H, O] = [128, 784, 256, 10];
const rounds = Number(process.env['ROUNDS'] ?? 15);

function genTs(name: string, backend: Backend): Contender {
  useBackend(backend);
  const { x, y } = batch(B, I, O);
  let p = initParams([I, H, O], 0);
  return {
    name,
    async run() {
      useBackend(backend);
      const r = sgdStep(p, x, y, 0.05);
      p = r.params;
      await r.loss.data();
      r.loss.dispose();
    },
  };
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
  return {
    name: `tfjs-${be}`,
    async run() {
      if (tf.getBackend() !== be) await tf.setBackend(be);
      const l = opt.minimize(loss, true)!;
      await l.data();
      l.dispose();
    },
  };
}

// tfjs keeps one engine: its two backends are timed in two passes, each round-robin with gen-ts
const threaded = gpujs({ mode: 'webasm', threads: 2 });
const sync = gpujs({ mode: 'webasm', threads: 0 });
const gens: Contender[] = [
  genTs('gen-ts gpujs webasm (2 threads)', threaded),
  genTs('gen-ts gpujs webasm (sync)', sync),
];
const webgpuLabel = process.env['WEBGPU'] !== '0' ? await webgpuName('gen-ts gpujs webgpu') : null;
const webgpu = webgpuLabel ? gpujs({ mode: 'webgpu' }) : null;
if (webgpu) gens.push(genTs(webgpuLabel!, webgpu));
gens.push(genTs('gen-ts core cpu (float32)', cpu()));

const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
const loadBefore = load();
const results = new Map<string, number>();
const passes = process.env['TFJS_CPU'] === '0' ? (['wasm'] as const) : (['wasm', 'cpu'] as const);
for (const be of passes) {
  const t = await compare([await tfjs(be), ...gens], be === 'wasm' ? rounds : Math.ceil(rounds / 3), 1);
  for (const [n, ms] of t) if (!results.has(n) || n.startsWith('tfjs')) results.set(n, ms);
}
const ref = results.get('tfjs-wasm')!;
console.log(`MLP ${I}-${H}-${O}, batch ${B}, SGD step; median of ${rounds} round-robin runs`);
console.log(`load average (1, 5, 15 min): before ${loadBefore}, after ${load()}\n`);
console.log('| implementation | ms/step | ratio to tfjs-wasm |\n|---|---|---|');
for (const [n, ms] of results) console.log(`| ${n} | ${ms.toFixed(1)} | ${(ms / ref).toFixed(2)} |`);
for (const b of [threaded, sync, webgpu] as (GpujsBackend | null)[]) {
  if (!b) continue;
  const i = b.info();
  console.log(
    `${b.name}: ran on ${i.ranOn.join(',')}, threads ${i.threads}, ${i.compiles} kernels compiled, ${i.liveBuffers} live buffers`,
  );
  b.destroy();
}
process.exit(0);
