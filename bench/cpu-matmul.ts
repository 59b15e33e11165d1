/**
 * Matrix-product GFLOP/s on one CPU thread, n x n @ n x n for n = 128 .. 1024 (result read back),
 * side by side in one process and measured round-robin: gen-ts's cpu backend (WebAssembly SIMD,
 * float32 and float64; plain JavaScript float32 for reference), TensorFlow.js wasm (XNNPACK,
 * float32) and jax-js (wasm device, eager `matmul`, float32 and float64). Beside them, this
 * machine's single-thread SIMD multiply-add peak, sampled between the rounds (bench/simd-peak.ts).
 * Run: npx tsx bench/cpu-matmul.ts   (SIZES=128,512 to choose; THREADS=n adds gen-ts with n threads;
 * JS=0 leaves out the plain-JavaScript contender). Load average printed before and after.
 * Single-thread rates are computed from each call's CPU time (this machine is shared: wall time
 * would count the time other jobs held the core); the threaded row from wall time.
 */
import { loadavg } from 'node:os';
import { cpu, matmul, normal, key, withBackend, type Tensor } from '@gen-ts/core';
import { wasmThreads } from '@gen-ts/core/node';
import * as jax from '@jax-js/jax';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { compareClocks, median, type Contender } from './harness.js';
import { peakLoops } from './simd-peak.js';

const sizes = (process.env['SIZES'] ?? '128,256,512,1024').split(',').map(Number);
const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

function genTs(
  name: string,
  backend: ReturnType<typeof cpu>,
  n: number,
  dtype: 'float32' | 'float64',
): Contender {
  const [a, b] = withBackend(backend, () => [
    normal(key(1), [n, n], { dtype }),
    normal(key(2), [n, n], { dtype }),
  ]);
  return {
    name,
    async run() {
      const c: Tensor = withBackend(backend, () => matmul(a, b));
      await c.data();
    },
  };
}

function tfjs(n: number): Contender {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  return {
    name: 'tfjs-wasm f32',
    async run() {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    },
  };
}

function jaxjs(n: number, dtype: 'float32' | 'float64'): Contender {
  const np = jax.numpy;
  const d = dtype === 'float32' ? np.float32 : np.float64;
  const a = jax.random.normal(jax.random.key(1), [n, n]).astype(d);
  const b = jax.random.normal(jax.random.key(2), [n, n]).astype(d);
  return {
    name: `jax-js ${dtype === 'float32' ? 'f32' : 'f64'}`,
    async run() {
      await np.matmul(a.ref, b.ref).data();
    },
  };
}

await tf.setBackend('wasm');
await tf.ready();
await jax.init('wasm');
jax.defaultDevice('wasm');
const loadBefore = load();
const simd = cpu({ kernels: 'wasm-simd' });
const js = cpu({ kernels: 'js' });
const threads = process.env['THREADS'] ? await wasmThreads(Number(process.env['THREADS'])) : null;
const threaded = threads ? cpu({ threads }) : null;
const peak = peakLoops();
const samples: ReturnType<typeof peak.sample>[] = [peak.sample()];
const table = new Map<string, string[]>();
for (const n of sizes) {
  const rounds = n <= 256 ? 15 : n === 512 ? 7 : 5;
  const cs = [
    genTs('gen-ts wasm-simd f32', simd, n, 'float32'),
    genTs('gen-ts wasm-simd f64', simd, n, 'float64'),
    tfjs(n),
    jaxjs(n, 'float32'),
    jaxjs(n, 'float64'),
  ];
  if (threaded) cs.push(genTs(`gen-ts wasm-simd f32, ${threads!.threads} threads`, threaded, n, 'float32'));
  if (process.env['JS'] !== '0') cs.push(genTs('gen-ts plain JS f32 (before)', js, n, 'float32'));
  const { wall, cpu: cpuTime } = await compareClocks(cs, rounds, 1);
  // one thread: by CPU time (steady under load); threads: by the wall clock (CPU time sums them)
  for (const [name, w] of wall) {
    const ms = name.includes('threads') ? w : cpuTime.get(name)!;
    table.set(name, [...(table.get(name) ?? []), ((2 * n ** 3) / (ms * 1e6)).toFixed(1)]);
  }
  samples.push(peak.sample());
  console.error(`n=${n} done`);
}
const med = (k: keyof ReturnType<typeof peak.sample>): number => median(samples.map((s) => s[k]));
console.log(
  'matmul GFLOP/s, n x n @ n x n, result read back; median of round-robin runs; one thread by CPU time, threads by wall time',
);
console.log(`load average (1, 5, 15 min): before ${loadBefore}, after ${load()}\n`);
console.log(`| implementation | ${sizes.join(' | ')} |\n|---|${sizes.map(() => '---').join('|')}|`);
for (const [name, v] of table) console.log(`| ${name} | ${v.join(' | ')} |`);
console.log(
  `\nsingle-thread SIMD peak (median of ${samples.length} samples between rounds): ` +
    `f32x4 multiply-add chains ${med('f32Chains').toFixed(1)}, f64x2 ${med('f64Chains').toFixed(1)}; ` +
    `micro-kernel on L1-resident panels f32 ${med('f32Kernel').toFixed(1)}, f64 ${med('f64Kernel').toFixed(1)}`,
);
const last = sizes[sizes.length - 1]!;
const f32 = Number(table.get('gen-ts wasm-simd f32')!.at(-1));
const f64 = Number(table.get('gen-ts wasm-simd f64')!.at(-1));
const p32 = Math.max(med('f32Chains'), med('f32Kernel'));
const p64 = Math.max(med('f64Chains'), med('f64Kernel'));
console.log(
  `at ${last}: f32 ${((100 * f32) / p32).toFixed(0)}% of the f32 peak (${p32.toFixed(1)}), ` +
    `f64 ${((100 * f64) / p64).toFixed(0)}% of the f64 peak (${p64.toFixed(1)})`,
);
await threads?.terminate();
process.exit(0);
