/**
 * The slice of gpu.js this package uses, loaded with `require` (gpu.js is CommonJS) and typed
 * narrowly here, so the rest of the package never touches `any`. Kernel sources are strings, so
 * nothing of ours is ever serialised from a bundled function.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

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
}

/** gpu.js's worker pool for threaded webasm kernels (shared here by every kernel of a backend). */
export interface WorkerPool {
  readonly size: number;
  destroy(): void;
}

let lib: GpuJsModule | null = null;

/** Loads gpu.js once. */
export function gpujsLib(): GpuJsModule {
  lib ??= require('gpu.js') as GpuJsModule;
  return lib;
}

/**
 * A webasm worker pool of `size` threads. gpu.js gives every threaded kernel its own pool of
 * `hardwareConcurrency` workers; a backend with dozens of kernels would then hold dozens of idle
 * threads, so the backend hands one pool to all its kernels instead (entry ids are global in gpu.js,
 * so kernels cannot collide in a shared pool).
 */
export function createWorkerPool(size: number): WorkerPool {
  const mod = require('gpu.js/src/backend/web-assembly/worker-pool.js') as {
    WebAssemblyWorkerPool: new (size: number) => WorkerPool;
  };
  return new mod.WebAssemblyWorkerPool(size);
}
