/**
 * Where the CNN step's time goes on core's cpu backend: every backend method is timed (exclusive
 * of the methods it calls, so a convolution's im2col and its matrix product are listed apart),
 * per step. The rest of the step (autodiff, dispatch, option checks) is the remainder.
 * Run alone: npx tsx bench/cnn-profile.ts   (STEPS=n, default 5), or PROFILE=1 with bench/cnn.ts.
 */
import { cpu, useBackend, type Backend } from '@gen-ts/core';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { cnnBatch, cnnStep, initCnn } from '../test/support/cnn.js';

/** A cpu backend whose methods record their exclusive time under `name (in parent)`. */
function timedCpu(stats: Map<string, { n: number; ms: number }>): Backend {
  const stack: { name: string; child: number }[] = [];
  const inner = cpu();
  const proxy: Backend = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || prop === 'constructor') return v;
      return (...args: unknown[]) => {
        const parent = stack[stack.length - 1];
        const name = parent ? `${String(prop)} (in ${parent.name})` : String(prop);
        stack.push({ name: String(prop), child: 0 });
        const t0 = performance.now();
        try {
          return (v as (...a: unknown[]) => unknown).apply(proxy, args);
        } finally {
          const dt = performance.now() - t0;
          const me = stack.pop()!;
          if (parent) parent.child += dt;
          const s = stats.get(name) ?? { n: 0, ms: 0 };
          s.n++;
          s.ms += dt - me.child;
          stats.set(name, s);
        }
      };
    },
  });
  return proxy;
}

/** Prints the breakdown of `steps` steps of batch `b`. */
export async function profileCpu(b: number, steps = Number(process.env['STEPS'] ?? 5)): Promise<void> {
  const stats = new Map<string, { n: number; ms: number }>();
  const backend = timedCpu(stats);
  useBackend(backend);
  const { x, y } = cnnBatch(b);
  let p = initCnn(0);
  for (let i = 0; i < 2; i++) p = cnnStep(p, x, y, 0.05).params; // warm-up
  stats.clear();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const r = cnnStep(p, x, y, 0.05);
    p = r.params;
    await r.loss.data();
  }
  const total = (performance.now() - t0) / steps;
  const rows = [...stats].sort((a, c) => c[1].ms - a[1].ms);
  const load = loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
  console.log(`\ngen-ts core cpu (float32), batch ${b}: where the step's time goes (load ${load})\n`);
  console.log('| backend method | calls/step | ms/step | share |\n|---|---|---|---|');
  let sum = 0;
  for (const [k, s] of rows) {
    sum += s.ms / steps;
    if (s.ms / steps < 0.05) continue;
    console.log(
      `| ${k} | ${s.n / steps} | ${(s.ms / steps).toFixed(1)} | ${((100 * s.ms) / steps / total).toFixed(0)}% |`,
    );
  }
  console.log(
    `step ${total.toFixed(1)} ms; kernels ${sum.toFixed(1)} ms; rest (autodiff, dispatch) ${(total - sum).toFixed(1)} ms`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  await profileCpu(64);
  process.exit(0);
}
