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
import { cpu } from '@gen-ts/core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { B, genTsMlp, H, I, O, tfjsMlp } from './mlp-contenders.js';
import { gpujsContenders, load, report, tfjsPasses } from './training-step.js';

const rounds = Number(process.env['ROUNDS'] ?? 15);
const { gens, gpus } = await gpujsContenders(genTsMlp);
gens.push(genTsMlp('gen-ts core cpu (float32)', cpu()));

const loadBefore = load();
const results = await tfjsPasses(tfjsMlp, gens, rounds);
console.log(`MLP ${I}-${H}-${O}, batch ${B}, SGD step; median of ${rounds} round-robin runs`);
console.log(`load average (1, 5, 15 min): before ${loadBefore}, after ${load()}\n`);
report(results, gpus);
process.exit(0);
