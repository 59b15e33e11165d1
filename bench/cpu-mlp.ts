/**
 * The MLP 784-256-10, batch 128, one SGD training step (forward, backward, update, loss read back),
 * float32, on the CPU, side by side in one process and measured round-robin: gen-ts's default
 * backend (core cpu: WebAssembly SIMD products), the same backend with plain-JavaScript products
 * (`kernels: 'js'`, what the default was before), optionally with worker threads, against jax-js
 * (`jit` of the whole step, wasm device; single-threaded in Node, which has no global `Worker`)
 * and TensorFlow.js wasm (single-threaded in Node).
 * Run: npx tsx bench/cpu-mlp.ts   (ROUNDS=n, default 21; THREADS=n adds gen-ts with n threads;
 * JS=0 leaves out the plain-JavaScript contender; PROFILE=1 adds where the default backend's CPU
 * time goes, kernel by kernel, over STEPS=n steps, default 100). The load average is printed before and after,
 * and each step is timed by the wall clock and by CPU time (steadier on a shared machine; not
 * shown for the threaded contender, whose CPU time sums its threads).
 */
import { loadavg } from 'node:os';
import { cpu } from '@gen-ts/core';
import { wasmThreads } from '@gen-ts/core/node';
import * as jax from '@jax-js/jax';
import '@tensorflow/tfjs-backend-wasm';
import { batch, initParams, sgdStep } from '../test/support/mlp.js';
import { profileCpu } from './cpu-profile.js';
import { compareClocks, type Contender } from './harness.js';
import { B, genTsMlp, H, I, LR, O, tfjsMlp } from './mlp-contenders.js';

const rounds = Number(process.env['ROUNDS'] ?? 21);

type JaxParams = { w1: jax.Array; b1: jax.Array; w2: jax.Array; b2: jax.Array };

async function jaxJit(): Promise<Contender> {
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  const np = jax.numpy;
  const { xs, ys } = batch(B, I, O);
  const x = np.array(xs).reshape([B, I]);
  const y = jax.nn.oneHot(np.array(ys, { dtype: np.int32 }), O);
  const [k1, k2] = jax.random.split(jax.random.key(0));
  let p: JaxParams = {
    w1: jax.random.normal(k1!, [I, H]).mul(Math.sqrt(2 / I)),
    b1: np.zeros([H]),
    w2: jax.random.normal(k2!, [H, O]).mul(Math.sqrt(1 / H)),
    b2: np.zeros([O]),
  };
  // jax-js owns its arguments (reference counts): `.ref` keeps a value alive past a call
  const loss = (q: JaxParams, xb: jax.Array, yb: jax.Array): jax.Array => {
    const h = jax.nn.relu(np.matmul(xb, q.w1).add(q.b1));
    const logits = np.matmul(h, q.w2).add(q.b2);
    return jax.nn.logSoftmax(logits, -1).mul(yb).sum(-1).neg().mean();
  };
  const step = jax.jit((q: JaxParams, xb: jax.Array, yb: jax.Array) => {
    const [l, g] = jax.valueAndGrad(loss)(jax.tree.ref(q), xb, yb) as [jax.Array, JaxParams];
    const next = jax.tree.map((w: jax.Array, d: jax.Array) => w.sub(d.mul(LR)), q, g) as JaxParams;
    return [l, next] as [jax.Array, JaxParams];
  });
  return {
    name: 'jax-js (jit, wasm)',
    async run() {
      const [l, next] = step(p, x.ref, y.ref) as [jax.Array, JaxParams];
      p = next;
      await l.data();
    },
  };
}

const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
const loadBefore = load();
const threads = process.env['THREADS'] ? await wasmThreads(Number(process.env['THREADS'])) : null;
const backends: [string, ReturnType<typeof cpu>][] = [['gen-ts cpu (default: wasm-simd)', cpu()]];
if (process.env['JS'] !== '0')
  backends.push(["gen-ts cpu (kernels: 'js', the old default)", cpu({ kernels: 'js' })]);
if (threads) backends.push([`gen-ts cpu (wasm-simd, ${threads.threads} threads)`, cpu({ threads })]);
const contenders = [await jaxJit(), await tfjsMlp('wasm'), ...backends.map(([n, b]) => genTsMlp(n, b))];
const { wall, cpu: cpuTime } = await compareClocks(contenders, rounds, 3);
console.log(`MLP ${I}-${H}-${O}, batch ${B}, float32 SGD step; median of ${rounds} round-robin runs`);
console.log(`load average (1, 5, 15 min): before ${loadBefore}, after ${load()}\n`);
console.log(
  '| implementation | ms/step (wall) | ratio to jax-js | ratio to tfjs-wasm | ms/step (CPU) | CPU ratio to jax-js |',
);
console.log('|---|---|---|---|---|---|');
const [jw, tw, jc] = [
  wall.get('jax-js (jit, wasm)')!,
  wall.get('tfjs-wasm')!,
  cpuTime.get('jax-js (jit, wasm)')!,
];
for (const [n, ms] of wall) {
  const c = cpuTime.get(n)!;
  const cpuCols = threads && n.includes('threads') ? ['-', '-'] : [c.toFixed(2), (c / jc).toFixed(2)];
  console.log(
    `| ${n} | ${ms.toFixed(2)} | ${(ms / jw).toFixed(2)} | ${(ms / tw).toFixed(2)} | ${cpuCols.join(' | ')} |`,
  );
}
for (const [n, b] of backends) {
  const i = b.info();
  console.log(`${n}: kernels ${i.kernels}, threads ${i.threads}, products ${JSON.stringify(i.products)}`);
}
await threads?.terminate();
if (process.env['PROFILE'] === '1') {
  let xy: ReturnType<typeof batch>;
  await profileCpu(
    `gen-ts core cpu (float32), MLP ${I}-${H}-${O}, batch ${B}`,
    () => {
      xy = batch(B, I, O); // on the profiled backend
      return initParams([I, H, O], 0);
    },
    (p) => {
      const r = sgdStep(p, xy.x, xy.y, LR);
      return { state: r.params, loss: r.loss };
    },
    Number(process.env['STEPS'] ?? 100),
  );
}
process.exit(0);
