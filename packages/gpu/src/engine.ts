/**
 * The engine: one gpu.js `GPU` instance, the kernel cache, and the plumbing that runs a kernel on
 * stores that may still be pending. It checks, on each kernel's first result, that the kernel
 * class which ran is the one the mode asked for: gpu.js degrades to its cpu kernel silently, and
 * a backend that says `webasm` while running JavaScript would be lying.
 */
import {
  createWorkerPool,
  gpujsLib,
  type GpuInstance,
  type KernelSettings,
  type KernelShortcut,
  type WorkerPool,
} from './gpujs-lib.js';
import { generate, kernelKey, type KernelArgs, type KernelName } from './kernels/index.js';
import type { KernelSpec } from './kernels/spec.js';
import { Store, StoreTracker, type DeviceBuffer, type StoreValue } from './store.js';

/** The gpu.js modes this backend runs on. */
export type GpujsMode = 'webasm' | 'webgpu' | 'headlessgl' | 'cpu';

/** The gpu.js kernel class each mode must run on. */
export const KERNEL_CLASS: Record<GpujsMode, string> = {
  webasm: 'WebAssemblyKernel',
  webgpu: 'WebGPUKernel',
  headlessgl: 'HeadlessGLKernel',
  cpu: 'CPUKernel',
};

interface Entry {
  readonly fn: KernelShortcut;
  readonly spec: KernelSpec;
  /** Results arrive as promises (webgpu; threaded webasm kernels). */
  readonly async: boolean;
  verified: boolean;
}

/**
 * webasm: kernels with at least this many multiply-adds go to the worker threads. A thread
 * round trip costs a wake-up on each worker, which an elementwise kernel never earns back (on two
 * busy cores it cost more than the whole computation), so only the products are threaded.
 */
const THREAD_WORK = 1 << 21;

/** Loops are bounded by literals; this only lifts gpu.js's cap so no literal bound is ever cut. */
const LOOP_CAP = 1 << 30;

/** Runs generated kernels for one backend (see the file header). */
export class Engine {
  /** Kernels compiled so far (one per distinct generator and arguments). */
  compiles = 0;
  /** Kernel launches so far. */
  launches = 0;
  /** The gpu.js kernel classes seen running (checked on each kernel's first result). */
  readonly classes = new Set<string>();
  readonly tracker: StoreTracker;
  readonly gpu: GpuInstance;
  /** True when kernel results arrive as promises (webgpu; webasm with threads). */
  readonly async: boolean;
  private readonly pool: WorkerPool | null;
  private readonly kernels = new Map<string, Entry>();
  private destroyed = false;

  constructor(
    readonly mode: GpujsMode,
    /** Worker threads (webasm only; 0 runs kernels synchronously on the calling thread). */
    readonly threads: number,
    finalize: boolean,
  ) {
    const { GPU } = gpujsLib();
    this.tracker = new StoreTracker(finalize);
    this.gpu = new GPU({ mode });
    const cls = this.gpu.Kernel?.name;
    if (cls !== KERNEL_CLASS[mode]) {
      throw new Error(
        `gpujs: mode '${mode}' selected ${cls ?? 'no kernel class'}, expected ${KERNEL_CLASS[mode]}`,
      );
    }
    this.async = mode === 'webgpu' || (mode === 'webasm' && threads > 0);
    this.pool = mode === 'webasm' && threads > 0 ? createWorkerPool(threads) : null;
  }

  private compile(key: string, spec: KernelSpec): Entry {
    const settings: KernelSettings = {
      output: spec.output.slice(),
      immutable: true,
      loopMaxIterations: LOOP_CAP,
    };
    if (spec.returnType) settings.returnType = spec.returnType;
    if (this.mode === 'webgpu') settings.pipeline = true;
    const threaded =
      this.mode === 'webasm' && this.threads > 0 && spec.size * (spec.work ?? 1) >= THREAD_WORK;
    if (threaded) settings.asyncMode = true;
    if (this.mode === 'headlessgl') {
      settings.precision = 'single';
      settings.tactic = 'precision';
    }
    const fn = this.gpu.createKernel(spec.source, settings);
    const inner = fn.kernel;
    // gpu.js would give each threaded kernel a pool of its own; share one (see gpujs-lib.ts)
    if (this.pool) inner._pool = this.pool;
    // Array(4) results: keep gpu.js's flat output instead of one subarray per cell (post reorders it)
    if (spec.returnType && this.mode === 'webasm' && typeof inner._shapeOutput === 'function') {
      inner._shapeOutput = (data: Float32Array) => data;
    }
    this.compiles++;
    const e: Entry = { fn, spec, async: threaded || this.mode === 'webgpu', verified: false };
    this.kernels.set(key, e);
    return e;
  }

  /**
   * Runs kernel `name` generated from `args` (compiled on the first use of those arguments, see
   * `kernels/index.ts`) on `inputs`. `check`, when given, sees the input values before the kernel
   * runs (on a pending or device-resident input: once they are computed, read back if need be);
   * an error it throws fails the result instead.
   */
  kernel<K extends KernelName>(
    name: K,
    args: KernelArgs<K>,
    inputs: readonly Store[],
    check?: (values: readonly StoreValue[]) => void | Promise<void>,
  ): Store {
    if (this.destroyed) throw new Error('gpujs: backend was destroyed');
    const key = kernelKey(name, args);
    const e = this.kernels.get(key) ?? this.compile(key, generate(name, args));
    this.launches++;
    let ready = true;
    for (const s of inputs) if (!s.value) ready = false;
    if (ready && !e.async && check === undefined)
      return new Store(
        this.tracker,
        e.spec.size,
        this.call(
          e,
          key,
          inputs.map((s) => s.value!),
        ) as StoreValue,
      );
    // Inputs stay referenced until the kernel has taken them: a tensor dropped meanwhile (and
    // finalized) must not free a device buffer that a queued kernel is about to bind.
    for (const s of inputs) s.ref();
    const release = (): void => {
      for (const s of inputs) s.unref();
    };
    // A check runs before the kernel, a microtask later, so its error always fails the result.
    const launch = (vals: StoreValue[]): StoreValue | Promise<StoreValue> =>
      check === undefined
        ? this.call(e, key, vals)
        : Promise.resolve()
            .then(() => check(vals))
            .then(() => this.call(e, key, vals));
    let p: Promise<StoreValue>;
    try {
      p = ready
        ? Promise.resolve(launch(inputs.map((s) => s.value!)))
        : Promise.all(inputs.map((s) => s.get())).then(launch);
    } catch (err) {
      release();
      throw err;
    }
    p.then(release, release);
    return new Store(this.tracker, e.spec.size, null, p);
  }

  private call(e: Entry, key: string, args: StoreValue[]): StoreValue | Promise<StoreValue> {
    const r = e.fn(...args);
    if (r instanceof Promise) return r.then((v) => this.accept(e, key, v));
    return this.accept(e, key, r);
  }

  /** Checks the kernel class (first result only) and brings the result into store form. */
  private accept(e: Entry, key: string, r: unknown): StoreValue {
    if (!e.verified) {
      const inner = e.fn.kernel;
      const cls = inner.constructor.name;
      if (cls !== KERNEL_CLASS[this.mode]) {
        const why = inner.fallbackReason ? `: ${inner.fallbackReason}` : '';
        throw new Error(
          `gpujs(${this.mode}): kernel ${key} ran on ${cls}, not ${KERNEL_CLASS[this.mode]}${why}`,
        );
      }
      e.verified = true;
      this.classes.add(cls);
    }
    if (this.mode === 'webgpu') return r as DeviceBuffer;
    let flat: Float32Array;
    if (r instanceof Float32Array)
      flat = r.length === e.spec.size || e.spec.post ? r : r.subarray(0, e.spec.size);
    else flat = Float32Array.from(r as ArrayLike<number>);
    return e.spec.post ? e.spec.post(flat) : flat;
  }

  /** A store holding `values` (on webgpu: copied into a device buffer). */
  upload(values: Float32Array): Store {
    if (this.mode !== 'webgpu' || values.length === 0) return new Store(this.tracker, values.length, values);
    const n = values.length;
    const host = new Store(this.tracker, n, values);
    const s = this.kernel('map', [[n], [[n]], ['copy']], [host]);
    host.unref();
    return s;
  }

  /** Reads a store back to the host. */
  async read(s: Store): Promise<Float32Array> {
    if (s.size === 0) return new Float32Array(0);
    const v = await s.get();
    if (v instanceof Float32Array) return v;
    const r = await v.toArray();
    return r instanceof Float32Array ? r : Float32Array.from(r as ArrayLike<number>);
  }

  /** Reads a store synchronously; throws where the value is not on the host yet. */
  readSync(s: Store): Float32Array {
    if (s.size === 0) return new Float32Array(0);
    const v = s.value;
    if (v instanceof Float32Array) return v;
    throw new Error(`gpujs(${this.mode}): this buffer is not on the host yet; use await x.data()`);
  }

  /** Destroys every kernel and the worker pool. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const e of this.kernels.values()) {
      e.fn.kernel._pool = null; // the shared pool is destroyed once, below
      e.fn.destroy();
    }
    this.kernels.clear();
    this.pool?.destroy();
    void this.gpu.destroy();
  }
}
