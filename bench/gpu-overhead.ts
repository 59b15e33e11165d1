/**
 * Per-op overhead: a chain of 500 `add(x, 1)` on a 16-element tensor, one read at the end, in
 * microseconds per op (dispatch, not arithmetic), side by side with TensorFlow.js.
 * Run: npx tsx bench/gpu-overhead.ts
 */
import { add, cpu, tensor, useBackend, type Backend } from '@gen-ts/core';
import { gpujs } from '@gen-ts/gpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { compare, type Contender } from './harness.js';
import { webgpuName } from './webgpu-name.js';

const OPS = 500;

function genTs(name: string, backend: Backend): Contender {
  useBackend(backend);
  const x0 = tensor(new Float32Array(16));
  const one = tensor([1]);
  return {
    name,
    async run() {
      let x = x0;
      for (let i = 0; i < OPS; i++) {
        const y = add(x, one);
        if (x !== x0) x.dispose();
        x = y;
      }
      await x.data();
      x.dispose();
    },
  };
}

function tfjs(be: string): Contender {
  const x0 = tf.zeros([16]);
  return {
    name: `tfjs-${be}`,
    async run() {
      if (tf.getBackend() !== be) await tf.setBackend(be);
      const r = tf.tidy(() => {
        let x = x0;
        for (let i = 0; i < OPS; i++) x = tf.add(x, 1);
        return x;
      });
      await r.data();
      r.dispose();
    },
  };
}

const cs: Contender[] = [];
for (const be of ['wasm', 'cpu']) {
  await tf.setBackend(be);
  await tf.ready();
  cs.push(tfjs(be));
}
cs.push(genTs('gen-ts webasm (2 threads)', gpujs({ mode: 'webasm', threads: 2 })));
cs.push(genTs('gen-ts webasm (sync)', gpujs({ mode: 'webasm', threads: 0 })));
cs.push(genTs('gen-ts gpu.js cpu', gpujs({ mode: 'cpu' })));
const webgpu = await webgpuName();
if (webgpu) cs.push(genTs(webgpu, gpujs({ mode: 'webgpu' })));
cs.push(genTs('gen-ts core cpu', cpu()));
const t = await compare(cs, 9, 1);
console.log(
  `per-op overhead: ${OPS} chained add(x, 1) on 16 elements, one read; median of round-robin runs\n`,
);
console.log('| implementation | µs/op |\n|---|---|');
for (const [n, ms] of t) console.log(`| ${n} | ${((ms * 1000) / OPS).toFixed(1)} |`);
process.exit(0);
