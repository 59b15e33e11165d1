/**
 * The engine: one gpu.js `GPU` instance, the kernel cache, and the plumbing that runs a kernel on
 * stores that may still be pending. It checks, on each kernel's first result, that the kernel
 * class which ran is the one the mode asked for: gpu.js degrades to its cpu kernel silently, and
 * a backend that says `webasm` while running JavaScript would be lying.
 */
import type { GpuInstance, GpuJsModule, KernelSettings, KernelShortcut, WorkerPool } from './gpujs-lib.js';
import { generate, kernelKey, type KernelArgs, type KernelName } from './kernels/index.js';
import type { Platform } from './platform.js';
import type { KernelSpec } from './kernels/spec.js';
import { Store, StoreTracker, type DeviceBuffer, type StoreValue } from './store.js';

/** The gpu.js modes this backend runs on. */
export type GpujsMode = 'webasm' | 'webgpu' | 'webgl2' | 'headlessgl' | 'cpu';

/** The gpu.js kernel class each mode must run on. */
export const KERNEL_CLASS: Record<GpujsMode, string> = {
  webasm: 'WebAssemblyKernel',
  webgpu: 'WebGPUKernel',
  webgl2: 'WebGL2Kernel',
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

/** The most memory a webasm kernel can address (wasm32: 65536 pages of 64 KiB). */
const WASM_MEMORY = 2 ** 32;

/** Loops are bounded by literals; this only lifts gpu.js's cap so no literal bound is ever cut. */
const LOOP_CAP = 1 << 30;

/** Runs generated kernels for one backend (see the file header). */
export class Engine {
  /** Kernels compiled so far (one per distinct generator and arguments). */
  compiles = 0;
  /** Kernel launches so far. */
  launches = 0;
  /** Values copied from the host into stores so far (uploads of every kind). */
  uploaded = 0;
  /** Kernels destroyed to stay within the platform's webasm limit (compiled again when needed). */
  evictions = 0;
  /** The gpu.js kernel classes seen running (checked on each kernel's first result). */
  readonly classes = new Set<string>();
  readonly tracker: StoreTracker;
  readonly gpu: GpuInstance;
  /** True when kernel results arrive as promises (webgpu; webasm with threads). */
  readonly async: boolean;
  private readonly pool: WorkerPool | null;
  private readonly lib: GpuJsModule;
  /** The kernel class this mode must run on (the library's export). */
  private readonly expected: unknown;
  private readonly kernels = new Map<string, Entry>();
  /** The most kernels kept (least recently used evicted first), or null; see `Platform.webasmKernelLimit`. */
  private readonly limit: number | null;
  private destroyed = false;

  constructor(
    readonly mode: GpujsMode,
    /** Worker threads (webasm only; 0 runs kernels synchronously on the calling thread). */
    readonly threads: number,
    finalize: boolean,
    platform: Platform,
  ) {
    const lib = platform.gpujs();
    this.lib = lib;
    this.tracker = new StoreTracker(finalize);
    this.gpu = new lib.GPU({ mode });
    // Classes are compared by identity with the library's exports, not by `name`: a minifier
    // renames classes in a browser bundle.
    this.expected = lib[KERNEL_CLASS[mode]];
    if (this.gpu.Kernel !== this.expected) {
      throw new Error(
        `gpujs: mode '${mode}' selected ${this.className(this.gpu.Kernel)}, expected ${KERNEL_CLASS[mode]}`,
      );
    }
    this.async = mode === 'webgpu' || (mode === 'webasm' && threads > 0);
    // only synchronous kernels are evicted: no queued run can still need one
    this.limit = mode === 'webasm' && !this.async ? platform.webasmKernelLimit : null;
    const pool = platform.workerPool;
    this.pool = mode === 'webasm' && threads > 0 && typeof pool === 'function' ? pool(threads) : null;
  }

  /** The library's name for kernel class `cls` (its export key), whatever a minifier made of `cls.name`. */
  private className(cls: unknown): string {
    if (!cls) return 'no kernel class';
    const key = Object.keys(this.lib).find((k) => k.endsWith('Kernel') && this.lib[k] === cls);
    return key ?? (cls as { name?: string }).name ?? 'an unknown kernel class';
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
    if (this.mode === 'headlessgl' || this.mode === 'webgl2') {
      settings.precision = 'single';
      settings.tactic = 'precision';
    }
    const fn = this.gpu.createKernel(spec.source, settings);
    const inner = fn.kernel;
    // gpu.js would give each threaded kernel a pool of its own; share one (see platform-node.ts)
    if (this.pool) inner._pool = this.pool;
    // Array(4) results: keep gpu.js's flat output instead of one subarray per cell (post reorders it)
    if (spec.returnType && this.mode === 'webasm' && typeof inner._shapeOutput === 'function') {
      inner._shapeOutput = (data: Float32Array) => data;
    }
    this.compiles++;
    const e: Entry = { fn, spec, async: threaded || this.mode === 'webgpu', verified: false };
    this.kernels.set(key, e);
    if (this.limit !== null && this.kernels.size > this.limit) {
      const [oldest, victim] = this.kernels.entries().next().value as [string, Entry];
      this.kernels.delete(oldest);
      victim.fn.destroy(); // drops its WebAssembly.Memory, which V8 reclaims when it runs short
      this.evictions++;
    }
    return e;
  }

  /**
   * Throws a `RangeError` (which core reports with the op, shape and bytes) for a webasm kernel
   * whose inputs and result exceed WebAssembly's 4 GiB of memory: gpu.js would otherwise fail
   * with "generated module failed validation".
   */
  private fits(spec: KernelSpec, inputs: readonly Store[]): KernelSpec {
    if (this.mode !== 'webasm') return spec;
    const bytes = 4 * (spec.size + inputs.reduce((n, s) => n + s.size, 0));
    if (bytes > WASM_MEMORY)
      throw new RangeError(
        `gpujs(webasm): cannot allocate ${bytes} bytes for a kernel's inputs and result: WebAssembly memory holds at most 4 GiB`,
      );
    return spec;
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
    let e = this.kernels.get(key);
    if (e === undefined) e = this.compile(key, this.fits(generate(name, args), inputs));
    else if (this.limit !== null) {
      this.kernels.delete(key); // Map order is the LRU order: refresh on a hit
      this.kernels.set(key, e);
    }
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
      if (inner.constructor !== this.expected) {
        const why = inner.fallbackReason ? `: ${inner.fallbackReason}` : '';
        throw new Error(
          `gpujs(${this.mode}): kernel ${key} ran on ${this.className(inner.constructor)}, not ${KERNEL_CLASS[this.mode]}${why}`,
        );
      }
      e.verified = true;
      this.classes.add(KERNEL_CLASS[this.mode]);
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
    this.uploaded += values.length;
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
