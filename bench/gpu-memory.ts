/**
 * Memory that stays flat: 10,000 SGD steps of an MLP (64-64-10, batch 32) on gpu.js webasm, with
 * the step in `backend.tidy` (which releases the intermediates of the `grad`) and the old
 * parameters and the gradients disposed. Prints resident memory (RSS) and the live-buffer count at the start and
 * the end. Run: npx tsx bench/gpu-memory.ts   (STEPS=n to change the count)
 */
import { useBackend } from '@gen-ts/core';
import { gpujs } from '@gen-ts/gpu';
import { batch, initParams, sgdStep } from '../test/support/mlp.js';

const steps = Number(process.env['STEPS'] ?? 10_000);
const backend = gpujs({ mode: 'webasm', threads: 2 });
useBackend(backend);
const { x, y } = batch(32, 64, 10);
let p = initParams([64, 64, 10], 0);
const mb = (): string => (process.memoryUsage().rss / 2 ** 20).toFixed(1);
let first = 0;
let last = 0;
const t0 = performance.now();
for (let s = 0; s < steps; s++) {
  const r = backend.tidy(() => sgdStep(p, x, y, 0.05));
  p = r.params;
  const l = await r.loss.item();
  r.loss.dispose();
  if (s === 0) first = l;
  last = l;
  if (s === 99) console.log(`after 100 steps: rss ${mb()} MiB, live buffers ${backend.info().liveBuffers}`);
  if (s % 2000 === 1999)
    console.log(`after ${s + 1} steps: rss ${mb()} MiB, live buffers ${backend.info().liveBuffers}`);
}
const ms = (performance.now() - t0) / steps;
const i = backend.info();
console.log(`${steps} steps, ${ms.toFixed(2)} ms/step, loss ${first.toFixed(4)} -> ${last.toFixed(4)}`);
console.log(
  `end: rss ${mb()} MiB, live buffers ${i.liveBuffers}, kernels compiled ${i.compiles}, ran on ${i.ranOn.join(',')}`,
);
backend.destroy();
process.exit(0);
