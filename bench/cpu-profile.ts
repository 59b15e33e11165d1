/**
 * Where a training step's time goes on core's cpu backend: every backend method is timed by CPU
 * time (`process.cpuUsage`, steadier than the wall clock on a shared machine), exclusive of the
 * methods it calls (a convolution's patch product and a binary op's SIMD helper are listed apart),
 * per step. The rest of the step (autodiff, dispatch, option checks, the GC) is the remainder.
 * Used by bench/cnn.ts and bench/cpu-mlp.ts with PROFILE=1 (STEPS=n steps, default 5 and 100).
 */
import { cpu, useBackend, type Backend, type Tensor } from '@gen-ts/core';
import { loadavg } from 'node:os';

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** A cpu backend whose methods record their exclusive CPU time under `name (in parent)`. */
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
        const t0 = cpuMs();
        try {
          return (v as (...a: unknown[]) => unknown).apply(proxy, args);
        } finally {
          const dt = cpuMs() - t0;
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

/**
 * Prints the breakdown of `steps` steps (after 2 to warm up): `init` makes the state (and the
 * data) on the profiled backend, `step` runs one step and returns the new state and the loss (read back).
 */
export async function profileCpu<S>(
  label: string,
  init: () => S,
  step: (s: S) => { state: S; loss: Tensor },
  steps: number,
): Promise<void> {
  const stats = new Map<string, { n: number; ms: number }>();
  useBackend(timedCpu(stats));
  let s = init();
  for (let i = 0; i < 2; i++) s = step(s).state;
  stats.clear();
  const t0 = cpuMs();
  for (let i = 0; i < steps; i++) {
    const r = step(s);
    s = r.state;
    await r.loss.data();
    r.loss.dispose();
  }
  const total = (cpuMs() - t0) / steps;
  const rows = [...stats].sort((a, c) => c[1].ms - a[1].ms);
  const load = loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
  console.log(`\n${label}: where the step's CPU time goes (${steps} steps, load ${load})\n`);
  console.log('| backend method | calls/step | ms/step | share |\n|---|---|---|---|');
  let sum = 0;
  for (const [k, r] of rows) {
    sum += r.ms / steps;
    if ((100 * r.ms) / steps / total < 0.5) continue;
    console.log(
      `| ${k} | ${r.n / steps} | ${(r.ms / steps).toFixed(2)} | ${((100 * r.ms) / steps / total).toFixed(0)}% |`,
    );
  }
  console.log(
    `step ${total.toFixed(2)} ms; kernels ${sum.toFixed(2)} ms; rest (autodiff, dispatch, GC) ${(total - sum).toFixed(2)} ms`,
  );
}
