/**
 * Memory that stays flat: 10,000 SGD steps of an MLP (64-64-10, batch 32) on gpu.js webasm, with
 * the step in `backend.tidy` (which releases the intermediates of the `grad`) and the old
 * parameters and the gradients disposed. Prints resident memory (RSS) and the live-buffer count at the start and
 * the end. Run: npx tsx bench/gpu-memory.ts   (STEPS=n to change the count; GPU_MODE=webgpu runs it
 * on webgpu, whose buffers live on the device: there the live-buffer count is the measure;
 * `npx tsx --expose-gc bench/gpu-memory.ts` collects garbage before each reading)
 */
import { useBackend } from '@gen-ts/core';
import { gpujs } from '@gen-ts/gpu';
import { batch, initParams, sgdStep } from '../test/support/mlp.js';

const steps = Number(process.env['STEPS'] ?? 10_000);
const mode = process.env['GPU_MODE'] ?? 'webasm';
if (mode !== 'webasm' && mode !== 'webgpu')
  throw new Error(`GPU_MODE: expected webasm or webgpu, got ${mode}`);
const backend = mode === 'webasm' ? gpujs({ mode, threads: 2 }) : gpujs({ mode });
await backend.ready();
useBackend(backend);
const { x, y } = batch(32, 64, 10);
let p = initParams([64, 64, 10], 0);
// With `--expose-gc` each reading follows a full collection: RSS then shows what is held, not what
// V8 has yet to collect (native handles, e.g. Dawn's, are freed only when their wrappers are).
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (): string => {
  gc?.();
  const m = process.memoryUsage();
  return `${(m.rss / 2 ** 20).toFixed(1)} MiB (JS heap ${(m.heapUsed / 2 ** 20).toFixed(1)})`;
};
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
  if (s === 99) console.log(`after 100 steps: rss ${mb()}, live buffers ${backend.info().liveBuffers}`);
  if (s % 2000 === 1999)
    console.log(`after ${s + 1} steps: rss ${mb()}, live buffers ${backend.info().liveBuffers}`);
}
const ms = (performance.now() - t0) / steps;
const i = backend.info();
console.log(
  `${mode}${gc ? ', collected before each reading' : ''}: ${steps} steps, ${ms.toFixed(2)} ms/step, loss ${first.toFixed(4)} -> ${last.toFixed(4)}`,
);
console.log(
  `end: rss ${mb()}, live buffers ${i.liveBuffers}, kernels compiled ${i.compiles}, ran on ${i.ranOn.join(',')}`,
);
backend.destroy();
process.exit(0);
