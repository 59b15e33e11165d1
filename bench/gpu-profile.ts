/**
 * Where the MLP 784-256-10 / batch 128 step's time goes on gpu.js webasm (synchronous, so every
 * kernel's time is its own): per kernel key, launches per step and ms per step, split into the
 * gpu.js call (argument copies into wasm memory, the kernel, the copy out) and `post` (the
 * blocked matmul's reordering). The rest of the step (autodiff, dispatch) is the remainder.
 * Run: npx tsx bench/gpu-profile.ts   (STEPS=n, default 20; THREADS=2 to profile the threaded mode)
 */
import { useBackend } from '@gen-ts/core';
import { gpujs } from '@gen-ts/gpu';
import { loadavg } from 'node:os';
import { batch, initParams, sgdStep } from '../test/support/mlp.js';

const steps = Number(process.env['STEPS'] ?? 20);
const threads = Number(process.env['THREADS'] ?? 0);
const b = gpujs({ mode: 'webasm', threads });
useBackend(b);
interface Entry {
  fn: ((...a: unknown[]) => unknown) & { kernel: unknown };
  spec: { post?: (f: Float32Array) => Float32Array };
}
const engine = (b as any).engine as { call: (e: Entry, key: string, args: unknown[]) => unknown };
const stats = new Map<string, { n: number; ms: number; post: number }>();
let on = false;
const call = engine.call.bind(engine);
engine.call = (e: Entry, key: string, args: unknown[]) => {
  if (!on) return call(e, key, args);
  const post = e.spec.post;
  let pt = 0;
  if (post)
    e.spec.post = (f) => {
      const s = performance.now();
      const r = post(f);
      pt += performance.now() - s;
      return r;
    };
  const s = performance.now();
  const r = call(e, key, args);
  const st = stats.get(key) ?? { n: 0, ms: 0, post: 0 };
  st.n++;
  st.ms += performance.now() - s - pt;
  st.post += pt;
  stats.set(key, st);
  if (post) e.spec.post = post;
  return r;
};

const { x, y } = batch(128, 784, 10);
let p = initParams([784, 256, 10], 0);
for (let i = 0; i < 3; i++) {
  const r = sgdStep(p, x, y, 0.05);
  p = r.params;
  await r.loss.data();
}
on = true;
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const r = sgdStep(p, x, y, 0.05);
  p = r.params;
  await r.loss.data();
  r.loss.dispose();
}
const total = (performance.now() - t0) / steps;
const rows = [...stats].sort((a, c) => c[1].ms + c[1].post - a[1].ms - a[1].post);
let sum = 0;
console.log(
  `load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}; threads ${threads}`,
);
console.log('| kernel | launches/step | ms/step (call) | ms/step (post) |\n|---|---|---|---|');
for (const [k, s] of rows) {
  sum += (s.ms + s.post) / steps;
  console.log(`| ${k} | ${s.n / steps} | ${(s.ms / steps).toFixed(2)} | ${(s.post / steps).toFixed(2)} |`);
}
const launches = rows.reduce((a, [, s]) => a + s.n, 0) / steps;
console.log(
  `step ${total.toFixed(1)} ms; kernels ${sum.toFixed(1)} ms in ${launches} launches; rest ${(total - sum).toFixed(1)} ms`,
);
b.destroy();
process.exit(0);
