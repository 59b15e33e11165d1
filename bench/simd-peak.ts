/**
 * The single-thread WebAssembly SIMD multiply-add peak of this machine, measured with loops built
 * by the same emitter as the kernels: (1) 13 independent chains `acc = acc * y + z` in f32x4
 * (f64x2), registers only; every multiply and add depends on the previous step, so the engine can
 * neither hoist nor merge them (a loop of `acc += x * y` with loop-invariant `x * y` is not a
 * measure: V8 hoists the multiply out of the loop and only the adds remain); (2) the matmul
 * micro-kernel itself on packed panels that stay in L1, the kernel's own ceiling. Used by
 * bench/cpu-matmul.ts; `npx tsx bench/simd-peak.ts` prints both.
 */
import { Code, encodeModule, I32, V128, type Op } from '../packages/core/src/cpu/wasm/emit.js';
import { globalWebAssembly } from '../packages/core/src/cpu/wasm/api.js';
import { gemmModule, nrOf, F32X4, F64X2 } from '../packages/core/src/cpu/wasm/gemm-module.js';
import { TILINGS } from '../packages/core/src/cpu/wasm/gemm.js';

const CHAINS = 13; // 13 accumulators + y + z fill the 15 vector registers V8 allocates on x64
const STEPS = 4; // chain steps per loop iteration

function chains(mul: Op, add: Op): Code {
  const c = new Code([I32]);
  const acc = Array.from({ length: CHAINS }, () => c.local(V128));
  const [y, z] = [c.local(V128), c.local(V128)];
  c.i32(0).mem('v128.load', 0).set(y);
  c.i32(0).mem('v128.load', 16).set(z);
  c.loop(() => {
    for (let s = 0; s < STEPS; s++) for (const a of acc) c.get(a).get(y).op(mul).get(z).op(add).set(a);
    c.bump(0, -1).get(0).brIf(0);
  });
  acc.forEach((a, i) =>
    c
      .i32(64 + 16 * i)
      .get(a)
      .mem('v128.store'),
  );
  return c;
}

/** The measured loops, ready to call. */
export interface PeakLoops {
  /** GFLOP/s (by CPU time) of one timed run of each loop (about 5-10 ms each). */
  sample(): { f32Chains: number; f64Chains: number; f32Kernel: number; f64Kernel: number };
}

/** Compiles the peak loops. */
export function peakLoops(): PeakLoops {
  const api = globalWebAssembly()!;
  const mem = new api.Memory({ initial: 1 });
  const chainMod = encodeModule({ initialPages: 1, shared: false }, [
    { name: 'f32', params: [I32], code: chains('f32x4.mul', 'f32x4.add') },
    { name: 'f64', params: [I32], code: chains('f64x2.mul', 'f64x2.add') },
  ]);
  const ch = new api.Instance(new api.Module(chainMod), { env: { memory: mem } }).exports as Record<
    string,
    (n: number) => void
  >;
  const kmem = new api.Memory({ initial: 4 });
  const kern = new api.Instance(new api.Module(gemmModule({ initialPages: 1, shared: false }, TILINGS)), {
    env: { memory: kmem },
  }).exports as Record<string, (...a: number[]) => void>;
  // CPU time, not the wall clock: on a shared machine a preempted loop would read as a slow one
  const time = (f: () => void, flops: number): number => {
    const u0 = process.cpuUsage();
    f();
    const u = process.cpuUsage(u0);
    return flops / ((u.user + u.system) / 1000) / 1e6;
  };
  const kc = 256;
  const kernel = (dt: 'f32' | 'f64', reps: number): number => {
    const [p, t] = dt === 'f32' ? [F32X4, TILINGS.f32] : [F64X2, TILINGS.f64];
    const f = kern[`micro_${dt}`]!;
    // packed A panel at 0, B panel at 64 KiB, C tile at 128 KiB: all in L1
    return time(
      () => {
        for (let r = 0; r < reps; r++) f(kc, 0, 65536 + 1088, 131072 + 2240, 1024, 1);
      },
      2 * t.mr * nrOf(p, t) * kc * reps,
    );
  };
  const sample = () => {
    // y slightly below 1, z small: the chains converge to z / (1 - y), far from overflow
    new Float32Array(mem.buffer, 0, 8).set([0.999, 0.999, 0.999, 0.999, 1e-3, 1e-3, 1e-3, 1e-3]);
    const iters = 200_000;
    const f32Chains = time(() => ch['f32']!(iters), 2 * 4 * CHAINS * STEPS * iters);
    new Float64Array(mem.buffer, 0, 4).set([0.999, 0.999, 1e-3, 1e-3]);
    const f64Chains = time(() => ch['f64']!(iters), 2 * 2 * CHAINS * STEPS * iters);
    new Float32Array(kmem.buffer).fill(1e-3);
    const f32Kernel = kernel('f32', 20_000);
    new Float64Array(kmem.buffer).fill(1e-3);
    const f64Kernel = kernel('f64', 20_000);
    return { f32Chains, f64Chains, f32Kernel, f64Kernel };
  };
  return { sample };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const loops = peakLoops();
  const runs = Array.from({ length: 11 }, () => loops.sample());
  const med = (k: keyof ReturnType<PeakLoops['sample']>) =>
    runs
      .map((r) => r[k])
      .sort((a, b) => a - b)[5]!
      .toFixed(1);
  console.log(
    `GFLOP/s, one thread, median of 11: f32x4 chains ${med('f32Chains')}, f64x2 chains ${med('f64Chains')}, ` +
      `f32 micro-kernel in L1 ${med('f32Kernel')}, f64 micro-kernel in L1 ${med('f64Kernel')}`,
  );
}
