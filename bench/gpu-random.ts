/**
 * Dropout masks on the gpu.js backend: drawn on the device from the key (Threefry with integer bit
 * operators on 16-bit halves, 'bits', or with floats only, 'limbs') against the old path, drawn
 * on the host and uploaded. Each run makes one `bernoulli(key, 0.9, shape)` mask, sums it on the
 * backend and reads the sum back; contenders interleave round by round.
 * Run: npx tsx bench/gpu-random.ts   (ROUNDS=n, default 15; WEBGPU=0 leaves webgpu out)
 */
import { loadavg } from 'node:os';
import { bernoulli, cast, cpu, foldIn, key, sum, tensor, withBackend, type Backend } from '@gen-ts/core';
import { gpujs, type GpujsOptions } from '@gen-ts/gpu';
import { compare, type Contender } from './harness.js';

const rounds = Number(process.env['ROUNDS'] ?? 15);
const host = cpu();
const shapes = [
  [64, 128],
  [64, 14, 14, 32],
];

function contender(name: string, b: Backend, shape: number[], onHost: boolean): Contender {
  let step = 0;
  return {
    name,
    async run() {
      const k = foldIn(key(1), step++);
      const mask = onHost
        ? tensor(withBackend(host, () => bernoulli(k, 0.9, shape)).dataSync(), {
            shape,
            dtype: 'bool',
            backend: b,
          })
        : withBackend(b, () => bernoulli(k, 0.9, shape));
      await withBackend(b, () => sum(cast(mask, 'float32'))).data();
    },
  };
}

const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
console.log(`bernoulli(key, 0.9) masks, median of ${rounds} interleaved rounds; load before ${load()}\n`);
console.log(
  '| mode | mask shape | on the host + upload (ms) | device, bits (ms) | device, limbs (ms) |\n|---|---|---|---|---|',
);
const modes: GpujsOptions[] = [
  { mode: 'webasm', threads: 0 },
  { mode: 'webasm', threads: 2 },
  { mode: 'cpu' },
];
if (process.env['WEBGPU'] !== '0') modes.push({ mode: 'webgpu' });
for (const m of modes) {
  const bits = gpujs({ ...m, randomArith: 'bits' });
  const limbs = gpujs({ ...m, randomArith: 'limbs' });
  try {
    await bits.ready();
    await limbs.ready();
  } catch (e) {
    console.log(`| ${m.mode} | unavailable: ${(e as Error).message.slice(0, 60)} | | | |`);
    continue;
  }
  for (const shape of shapes) {
    const t = await compare(
      [
        contender('host', bits, shape, true),
        contender('bits', bits, shape, false),
        contender('limbs', limbs, shape, false),
      ],
      rounds,
      2,
    );
    const label = `${m.mode}${m.mode === 'webasm' ? ` (${m.threads} threads)` : ''}`;
    console.log(
      `| ${label} | [${shape}] | ${t.get('host')!.toFixed(2)} | ${t.get('bits')!.toFixed(2)} | ${t.get('limbs')!.toFixed(2)} |`,
    );
  }
  bits.destroy();
  limbs.destroy();
}
console.log(`\nload after ${load()}`);
process.exit(0);
