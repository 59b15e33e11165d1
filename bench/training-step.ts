/**
 * What the training-step benchmarks (bench/gpu-mlp.ts, bench/cnn.ts) share: a gen-ts contender
 * that runs one step on a backend and reads the loss back, the tfjs passes (tfjs keeps one engine,
 * so its wasm and cpu backends are timed in separate passes, each round-robin with gen-ts), and the
 * table of ratios with the load average.
 */
import { loadavg } from 'node:os';
import { useBackend, type Backend, type Tensor } from '@gen-ts/core';
import { gpujs, type GpujsBackend } from '@gen-ts/gpu';
import type * as tf from '@tensorflow/tfjs-core';
import { compareClocks, type Contender } from './harness.js';
import { webgpuName } from './webgpu-name.js';

/** The load average (1, 5, 15 min) as text. */
export const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

/** A contender running `step` on `backend` from `init()` (both called with it selected). */
export function stepContender<S>(
  name: string,
  backend: Backend,
  init: () => S,
  step: (state: S) => { state: S; loss: Tensor },
): Contender {
  useBackend(backend);
  let state = init();
  return {
    name,
    async run() {
      useBackend(backend);
      const r = step(state);
      state = r.state;
      await r.loss.data();
      r.loss.dispose();
    },
  };
}

/** Median wall and CPU milliseconds per step, by name. */
export interface StepTimes {
  wall: Map<string, number>;
  cpu: Map<string, number>;
}

/**
 * Medians by name: each tfjs backend in its own pass with every gen-ts contender (`rounds` for
 * wasm, a third of them for the slow cpu backend); the gen-ts figures are the first pass's.
 */
export async function tfjsPasses(
  tfjs: (be: 'wasm' | 'cpu') => Promise<Contender>,
  gens: readonly Contender[],
  rounds: number,
): Promise<StepTimes> {
  const out: StepTimes = { wall: new Map(), cpu: new Map() };
  const passes = process.env['TFJS_CPU'] === '0' ? (['wasm'] as const) : (['wasm', 'cpu'] as const);
  for (const be of passes) {
    const t = await compareClocks(
      [await tfjs(be), ...gens],
      be === 'wasm' ? rounds : Math.ceil(rounds / 3),
      1,
    );
    for (const clock of ['wall', 'cpu'] as const) {
      for (const [n, ms] of t[clock]) if (!out[clock].has(n) || n.startsWith('tfjs')) out[clock].set(n, ms);
    }
  }
  return out;
}

/**
 * Prints ms/step and the ratio to tfjs-wasm by wall clock and by CPU time (steadier on a shared
 * machine for the single-threaded contenders; a threaded one's CPU time counts every thread), then
 * what each gpu.js backend ran on, and destroys them.
 */
export function report(t: StepTimes, gpus: readonly (GpujsBackend | null)[]): void {
  const [w0, c0] = [t.wall.get('tfjs-wasm')!, t.cpu.get('tfjs-wasm')!];
  console.log('| implementation | ms/step (wall) | ratio | ms/step (CPU) | ratio |\n|---|---|---|---|---|');
  for (const [n, ms] of t.wall) {
    const c = t.cpu.get(n)!;
    console.log(
      `| ${n} | ${ms.toFixed(1)} | ${(ms / w0).toFixed(2)} | ${c.toFixed(1)} | ${(c / c0).toFixed(2)} |`,
    );
  }
  for (const b of gpus) {
    if (!b) continue;
    const i = b.info();
    console.log(
      `${b.name}: ran on ${i.ranOn.join(',')}, threads ${i.threads}, ${i.compiles} kernels compiled, ${i.liveBuffers} live buffers`,
    );
    b.destroy();
  }
}

/** A tfjs contender: one `opt.minimize(loss)` on backend `be`, the loss read back. */
export function tfjsStep(
  engine: typeof tf,
  be: 'wasm' | 'cpu',
  opt: tf.Optimizer,
  loss: () => tf.Scalar,
): Contender {
  return {
    name: `tfjs-${be}`,
    async run() {
      if (engine.getBackend() !== be) await engine.setBackend(be);
      const l = opt.minimize(loss, true)!;
      await l.data();
      l.dispose();
    },
  };
}

/**
 * gen-ts on gpu.js: webasm with 2 worker threads, webasm synchronous, and webgpu when an adapter
 * answers (WEBGPU=0 leaves it out), each made into a contender by `make`.
 */
export async function gpujsContenders(
  make: (name: string, backend: Backend) => Contender,
): Promise<{ gens: Contender[]; gpus: (GpujsBackend | null)[] }> {
  const threaded = gpujs({ mode: 'webasm', threads: 2 });
  const sync = gpujs({ mode: 'webasm', threads: 0 });
  const gens = [make('gen-ts gpujs webasm (2 threads)', threaded), make('gen-ts gpujs webasm (sync)', sync)];
  const label = process.env['WEBGPU'] !== '0' ? await webgpuName('gen-ts gpujs webgpu') : null;
  const webgpu = label ? gpujs({ mode: 'webgpu' }) : null;
  if (webgpu) gens.push(make(label!, webgpu));
  return { gens, gpus: [threaded, sync, webgpu] };
}
