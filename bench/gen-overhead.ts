/**
 * GeN's wall-clock overhead over its base optimizer on an MLP-sized problem: a 784-128-10 MLP,
 * batch 64, float32, cpu backend, built from core ops. Compares steps/s of SGD with GeN-SGD at
 * phi in {1, 4, 8}, probing either a fresh batch (the default: 3 extra forward passes per probe
 * step, L0 and two probes) or the gradient's own batch (2 extra: L0 is reused), or the own batch
 * with the slope from the gradient and one probe (`slope: 'gradient', factors: [0, 1]`: 1 extra),
 * or the lagged fit (`mode: 'lagged'`: 1 extra, on the step after the probe step), and the
 * recommended configuration (`preset: 'auto'`) of GeN-SGD against SGD and of GeN-AdamW (`fit`'s
 * default) against AdamW, next to the paper's estimate 3 / (3 + k / phi) (backward ~ 2 forwards).
 * Runs are interleaved in rounds after a warm-up; medians are reported, of the wall clock and of
 * the process's CPU time (steadier on a shared machine; it counts the kernels' worker threads). Run:
 * `npx tsx bench/gen-overhead.ts [rounds] [steps]` (`GEN_BENCH_BACKEND=webasm|webgpu` runs it on a
 * gpu.js backend instead of core's cpu backend; `GEN_BENCH_ONLY=auto` times only the configurations
 * whose names contain one of the comma-separated strings, with their bases).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  add,
  key,
  logSoftmax,
  matmul,
  mean,
  mul,
  normal,
  oneHot,
  randint,
  relu,
  split,
  sum,
  useBackend,
  type Tensor,
} from '@gen-ts/core';
import {
  adamw,
  genAdamW,
  genSgd,
  sgd,
  trainStep,
  type GeNOptions,
  type GradientTransformation,
} from '@gen-ts/gen';
import { gpujs } from '@gen-ts/gpu';

const BACKEND = process.env['GEN_BENCH_BACKEND'] ?? 'cpu';
if (BACKEND !== 'cpu' && BACKEND !== 'webasm' && BACKEND !== 'webgpu')
  throw new Error(`GEN_BENCH_BACKEND: expected cpu, webasm or webgpu, got ${BACKEND}`);
if (BACKEND !== 'cpu') {
  const b = gpujs({ mode: BACKEND });
  await b.ready();
  useBackend(b);
}

type Params = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
type Batch = { x: Tensor; y: Tensor };
const F32 = { dtype: 'float32' as const };
const [IN, HID, OUT, BATCH] = [784, 128, 10, 64];

function init(seed: number): Params {
  const [k1, k2] = split(key(seed));
  return {
    w1: normal(k1!, [IN, HID], { ...F32, stddev: Math.sqrt(2 / IN) }),
    b1: normal(k1!, [HID], { ...F32, stddev: 0 }),
    w2: normal(k2!, [HID, OUT], { ...F32, stddev: Math.sqrt(1 / HID) }),
    b2: normal(k2!, [OUT], { ...F32, stddev: 0 }),
  };
}

function batch(seed: number): Batch {
  const [kx, ky] = split(key(seed));
  return { x: normal(kx!, [BATCH, IN], F32), y: oneHot(randint(ky!, [BATCH], 0, OUT), OUT, 'float32') };
}

const loss = (p: Params, b: Batch): Tensor => {
  const h = relu(add(matmul(b.x, p.w1), p.b1));
  const logits = add(matmul(h, p.w2), p.b2);
  return mul(mean(sum(mul(b.y, logSoftmax(logits)), 1)), -1);
};

interface Config {
  name: string;
  opt: GradientTransformation<any, any>;
  fresh: boolean;
  k: number;
  phi: number;
  /** The base optimizer it is timed against (default SGD). */
  vs?: string;
}
/** How GeN probes: where, with which options, and the extra forwards `k` per probe step. */
const PROBES: { label: string; options: GeNOptions; fresh: boolean; k: number }[] = [
  { label: 'fresh batch', options: {}, fresh: true, k: 3 },
  { label: 'own batch', options: {}, fresh: false, k: 2 },
  {
    label: 'own batch, gradient slope, factors [0, 1]',
    options: { slope: 'gradient', factors: [0, 1] },
    fresh: false,
    k: 1,
  },
  {
    label: "lagged: the next step's own batch",
    options: { mode: 'lagged' },
    fresh: false,
    k: 1,
  },
];
const configs: Config[] = [{ name: 'SGD', opt: sgd({ lr: 0.01 }), fresh: false, k: 0, phi: 1 }];
for (const phi of [1, 4, 8]) {
  for (const { label, options, fresh, k } of PROBES) {
    configs.push({
      name: `GeN-SGD phi=${phi} ${label}`,
      opt: genSgd({ ...options, lr: 0.01, phi }),
      fresh,
      k,
      phi,
    });
  }
}
// The recommended configuration as users get it (phi 8, lagged fit, warm-up, horizon), timed after
// its warm-up (the warm-up block below runs past its 20 steps).
configs.push(
  {
    name: "GeN-SGD preset 'auto' (phi 8, lagged)",
    opt: genSgd({ preset: 'auto', lr: 0.01, horizon: 100_000 }),
    fresh: false,
    k: 1,
    phi: 8,
  },
  // what the blow-up guard's per-step check costs: the same without it
  {
    name: "GeN-SGD preset 'auto' (phi 8, lagged), blowUpRatio Infinity",
    opt: genSgd({ preset: 'auto', lr: 0.01, horizon: 100_000, blowUpRatio: Infinity }),
    fresh: false,
    k: 1,
    phi: 8,
  },
  // fit's default optimizer against its base
  { name: 'AdamW', opt: adamw({ lr: 1e-3 }), fresh: false, k: 0, phi: 1 },
  {
    name: "GeN-AdamW preset 'auto' (phi 8, lagged)",
    opt: genAdamW({ preset: 'auto', lr: 1e-3, horizon: 100_000 }),
    fresh: false,
    k: 1,
    phi: 8,
    vs: 'AdamW',
  },
  {
    name: "GeN-AdamW preset 'auto' (phi 8, lagged), blowUpRatio Infinity",
    opt: genAdamW({ preset: 'auto', lr: 1e-3, horizon: 100_000, blowUpRatio: Infinity }),
    fresh: false,
    k: 1,
    phi: 8,
    vs: 'AdamW',
  },
);
// GEN_BENCH_ONLY=auto,...: only the configurations whose names contain one of these, and their bases.
const only = process.env['GEN_BENCH_ONLY']?.split(',');
const picked = only === undefined ? configs : configs.filter((c) => only.some((o) => c.name.includes(o)));
const timed = configs.filter((c) => picked.includes(c) || picked.some((p) => (p.vs ?? 'SGD') === c.name));

const rounds = Number(process.argv[2] ?? 7);
const stepsPerRound = Number(process.argv[3] ?? 16); // a multiple of 8, so every phi sees whole periods
const batches = Array.from({ length: 4 }, (_, i) => batch(100 + i));
const runs = timed.map((c) => {
  const params = init(1);
  return {
    c,
    step: trainStep(loss, c.opt, { probe: c.fresh ? 'fresh' : 'own' }),
    params,
    state: c.opt.init(params),
    times: [] as number[],
    cpuTimes: [] as number[],
  };
});
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function block(r: (typeof runs)[number], n: number): Promise<[number, number]> {
  const t0 = performance.now();
  const c0 = cpuMs();
  for (let i = 0; i < n; i++) {
    const b = batches[i % batches.length]!;
    const probe = r.c.fresh ? batches[(i + 1) % batches.length] : undefined;
    const out = r.step(r.params, r.state, b, probe);
    r.state = out.state;
    await out.loss.data(); // one readback per step, as a training loop logging the loss would
  }
  return [(performance.now() - t0) / n, (cpuMs() - c0) / n];
}

const fwdTimes: number[] = [];
async function forwardBlock(n: number): Promise<number> {
  const p = runs[0]!.params;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await loss(p, batches[i % batches.length]!).data();
  return (performance.now() - t0) / n;
}
await forwardBlock(8);
for (const r of runs) await block(r, 24); // warm-up (JIT, allocator, and GeN's 20-step warm-up)
for (let round = 0; round < rounds; round++) {
  const order = runs.map((_, i) => (i + round) % runs.length); // rotate to spread drift evenly
  for (const i of order) {
    const [wall, cpu] = await block(runs[i]!, stepsPerRound);
    runs[i]!.times.push(wall);
    runs[i]!.cpuTimes.push(cpu);
  }
  fwdTimes.push(await forwardBlock(stepsPerRound));
}
function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(runs.find((r) => r.c.name === 'SGD')!.times);
const baseRun = (c: Config) => runs.find((r) => r.c.name === (c.vs ?? 'SGD'))!;
const baseOf = (c: Config) => median(baseRun(c).times);
const fwd = median(fwdTimes);
// The same model with this library's measured cost: one step = base ms, one forward = fwd ms.
const measuredModel = (k: number, phi: number, T: number) => T / (T + (k * fwd) / phi);
const lines = [
  `backend: ${BACKEND}`,
  `forward pass ${fwd.toFixed(2)} ms, SGD step (forward + backward + update) ${base.toFixed(2)} ms: ` +
    `step = ${(base / fwd).toFixed(2)} forwards (the paper assumes 3)`,
  '',
  `load average at the end: ${loadAverage()}`,
  '',
  '| optimizer | ms/step (median) | speed vs base (SGD unless named) | by CPU time | paper 3/(3+k/phi) | T/(T+kF/phi), measured T, F | k |',
  '|---|---|---|---|---|---|---|',
  ...runs.map((r) => {
    const m = median(r.times);
    const vs = baseOf(r.c);
    const formula = r.c.k === 0 ? 1 : 3 / (3 + r.c.k / r.c.phi);
    const model = r.c.k === 0 ? 1 : measuredModel(r.c.k, r.c.phi, vs);
    const byCpu = (100 * median(baseRun(r.c).cpuTimes)) / median(r.cpuTimes);
    return `| ${r.c.name} | ${m.toFixed(2)} | ${((100 * vs) / m).toFixed(1)}%${r.c.vs ? ` (vs ${r.c.vs})` : ''} | ${byCpu.toFixed(1)}% | ${(100 * formula).toFixed(1)}% | ${(100 * model).toFixed(1)}% | ${r.c.k} |`;
  }),
];
console.log(lines.join('\n'));
if (process.env.GEN_BENCH_OUT) writeFileSync(process.env.GEN_BENCH_OUT, lines.join('\n') + '\n');
