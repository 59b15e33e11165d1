/**
 * How the matmul kernels' register and cache blocking was chosen: the module built with other
 * tilings, run on the MLP's two large products and on square ones, interleaved, GFLOP/s by CPU
 * time (median of 9 rounds; the kernels only: no copies in or out, no dispatch).
 * Run: npx tsx bench/cpu-tiling.ts   (DT=f64 for float64; V='[{"mr":4},{"unroll":4}]' lists the
 * variants, each a change to the shipped tiling, `{}` being the shipped one).
 */
import { globalWebAssembly } from '../packages/core/src/cpu/wasm/api.js';
import {
  F32X4,
  F64X2,
  gemmModule,
  nrOf,
  packBytes,
  type Tiling,
} from '../packages/core/src/cpu/wasm/gemm-module.js';
import { TILINGS } from '../packages/core/src/cpu/wasm/gemm.js';
import { median } from './harness.js';

const api = globalWebAssembly()!;
const dt = (process.env['DT'] ?? 'f32') as 'f32' | 'f64';
const variants: Partial<Tiling>[] = JSON.parse(
  process.env['V'] ?? '[{}, {"mr": 4}, {"mr": 2, "nv": 4}, {"unroll": 4}]',
);
// [m, n, k, A transposed]: x @ W1 and x^T @ dh of the MLP step, then squares
const shapes: [number, number, number, boolean][] = [
  [128, 256, 784, false],
  [784, 256, 128, true],
  [512, 512, 512, false],
  [1024, 1024, 1024, false],
];

/** A runner of one shape on one tiling (its own module and memory). */
function runner(t: Tiling, [m, n, k, ta]: [number, number, number, boolean]): () => void {
  const p = dt === 'f32' ? F32X4 : F64X2;
  const memory = new api.Memory({ initial: 1 });
  const e = new api.Instance(
    new api.Module(gemmModule({ initialPages: 1, shared: false }, { f32: t, f64: t })),
    {
      env: { memory },
    },
  ).exports as Record<string, (...a: number[]) => void>;
  const es = p.bytes;
  const pk = packBytes(p, t);
  const ldc = Math.ceil(n / nrOf(p, t)) * nrOf(p, t) * es;
  let end = 0;
  const at = (bytes: number) => ((end += Math.ceil(bytes / 64) * 64), end - Math.ceil(bytes / 64) * 64);
  const [pa, pb, a, b, c] = [
    at(pk.a),
    at(pk.b),
    at(m * k * es),
    at(k * n * es),
    at(Math.ceil(m / t.mr) * t.mr * ldc),
  ];
  memory.grow(Math.ceil(end / 65536));
  if (dt === 'f32') new Float32Array(memory.buffer).fill(0.5);
  else new Float64Array(memory.buffer).fill(0.5);
  const [rsa, csa] = ta ? [es, m * es] : [k * es, es];
  const kc = Math.ceil(k / Math.ceil(k / t.kc));
  const mc = Math.min(t.mc, Math.ceil(Math.ceil(m / Math.ceil(m / t.mc)) / t.mr) * t.mr);
  const f = e[`gemm_${dt}`]!;
  return () => f(a, rsa, csa, b, n * es, es, c, ldc, m, n, k, pa, pb, kc, mc);
}

const shipped = TILINGS[dt];
console.log(`${dt} GFLOP/s by CPU time (shipped tiling ${JSON.stringify(shipped)})\n`);
console.log(
  `| variant | ${shapes.map(([m, n, k, ta]) => `${m}x${k}${ta ? 'ᵀ' : ''} @ ${k}x${n}`).join(' | ')} |`,
);
console.log(`|---|${shapes.map(() => '---').join('|')}|`);
const rows = variants.map((v) => ({ name: JSON.stringify(v), cells: [] as string[] }));
for (const shape of shapes) {
  const [m, n, k] = shape;
  const runs = variants.map((v) => runner({ ...shipped, ...v }, shape));
  const reps = Math.max(1, Math.round(3e7 / (m * n * k)));
  const rates = runs.map(() => [] as number[]);
  for (let r = 0; r < 9; r++) {
    runs.forEach((f, i) => {
      const u0 = process.cpuUsage();
      for (let q = 0; q < reps; q++) f();
      const u = process.cpuUsage(u0);
      rates[i]!.push((2 * m * n * k * reps) / ((u.user + u.system) / 1000) / 1e6);
    });
  }
  rates.forEach((r, i) => rows[i]!.cells.push(median(r).toFixed(1)));
}
for (const r of rows) console.log(`| ${r.name} | ${r.cells.join(' | ')} |`);
