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
import { cpu } from '@gen-ts/core';
import { gpujs, type GpujsBackend } from '@gen-ts/gpu';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { compare, type Contender } from './harness.js';
import { B, genTsMlp, H, I, O, tfjsMlp } from './mlp-contenders.js';
import { webgpuName } from './webgpu-name.js';

const rounds = Number(process.env['ROUNDS'] ?? 15);
const genTs = genTsMlp;
const tfjs = tfjsMlp;

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
