/**
 * The slice of gpu.js this package uses, typed narrowly here so the rest of the package never
 * touches `any`. Each entry loads gpu.js its own way (`platform-node.ts`, `platform-browser.ts`).
 * Kernel sources are strings, so nothing of ours is ever serialised from a bundled function.
 */

/** A gpu.js kernel class, as `kernel.constructor` shows it. */
export interface KernelClass {
  readonly name: string;
}

/** The inner kernel object that a run shortcut wraps (the one that actually ran). */
export interface InnerKernel {
  constructor: KernelClass;
  fallbackReason?: string | null;
  _pool?: unknown;
  _shapeOutput?: (data: Float32Array, output: number[], components: number) => unknown;
  destroy(): void;
}

/** What `gpu.createKernel` returns: a callable with the live kernel on `.kernel`. */
export interface KernelShortcut {
  (...args: unknown[]): unknown;
  kernel: InnerKernel;
  destroy(): void;
}

/** The settings we pass to `createKernel`. */
export interface KernelSettings {
  output: number[];
  returnType?: string;
  pipeline?: boolean;
  immutable?: boolean;
  asyncMode?: boolean;
  precision?: 'single';
  loopMaxIterations?: number;
  tactic?: 'precision';
}

/** A `GPU` instance. */
export interface GpuInstance {
  readonly Kernel: KernelClass | null;
  createKernel(source: string, settings: KernelSettings): KernelShortcut;
  destroy(): Promise<void> | void;
}

/** The gpu.js module (only what is used). */
export interface GpuJsModule {
  GPU: new (settings: { mode: string }) => GpuInstance;
  /** Every kernel class by its name (`WebGL2Kernel`, `CPUKernel`, ...), as the library exports them. */
  readonly [kernelClass: string]: unknown;
}

/** gpu.js's worker pool for threaded webasm kernels (shared here by every kernel of a backend). */
export interface WorkerPool {
  readonly size: number;
  destroy(): void;
}
