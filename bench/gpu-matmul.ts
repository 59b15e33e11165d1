/**
 * float32 matmul GFLOP/s at 128, 256, 512 and 1024 (square, result read back), side by side in one
 * process and measured round-robin: gen-ts on gpu.js (webasm with 2 threads, webasm synchronous,
 * webgpu via Dawn when an adapter answers) against TensorFlow.js wasm and cpu.
 * Run: npx tsx bench/gpu-matmul.ts   (TFJS_CPU=0 leaves out the tfjs-cpu pass)
 */
import { matmul, normal, key, useBackend, type Backend, type Tensor } from '@gen-ts/core';
import { gpujs } from '@gen-ts/gpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { compare, type Contender } from './harness.js';
import { webgpuName } from './webgpu-name.js';

function genTs(name: string, backend: Backend, n: number): Contender {
  useBackend(backend);
  const a = normal(key(1), [n, n]);
  const b = normal(key(2), [n, n]);
  return {
    name,
    async run() {
      const c: Tensor = matmul(a, b);
      await c.data();
      c.dispose();
    },
  };
}

function tfjs(be: string, n: number): Contender {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  return {
    name: `tfjs-${be}`,
    async run() {
      if (tf.getBackend() !== be) await tf.setBackend(be);
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    },
  };
}

await tf.setBackend('wasm');
await tf.ready();
const backends: [string, Backend][] = [
  ['gen-ts webasm (2 threads)', gpujs({ mode: 'webasm', threads: 2 })],
  ['gen-ts webasm (sync)', gpujs({ mode: 'webasm', threads: 0 })],
];
const webgpu = await webgpuName();
if (webgpu) backends.push([webgpu, gpujs({ mode: 'webgpu' })]);
const sizes = [128, 256, 512, 1024];
const table = new Map<string, string[]>();
for (const n of sizes) {
  const rounds = n <= 256 ? 15 : n === 512 ? 5 : 3;
  const gens = backends.map(([name, b]) => genTs(name, b, n));
  // tfjs keeps one engine and moves tensors when the backend changes: one pass per tfjs backend
  for (const be of process.env['TFJS_CPU'] === '0' ? ['wasm'] : ['wasm', 'cpu']) {
    await tf.setBackend(be);
    const t = await compare(
      [tfjs(be, n), ...(be === 'wasm' ? gens : [])],
      be === 'wasm' ? rounds : Math.min(rounds, 3),
      1,
    );
    for (const [name, ms] of t)
      table.set(name, [...(table.get(name) ?? []), ((2 * n * n * n) / (ms * 1e6)).toFixed(2)]);
  }
  console.error(`n=${n} done`);
}
console.log(`float32 matmul GFLOP/s (n x n @ n x n, result read back; median of round-robin runs)\n`);
console.log(`| implementation | ${sizes.join(' | ')} |\n|---|${sizes.map(() => '---').join('|')}|`);
for (const [name, v] of table) console.log(`| ${name} | ${v.join(' | ')} |`);
process.exit(0);
