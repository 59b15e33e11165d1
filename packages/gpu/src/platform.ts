/**
 * What differs between Node and a browser: how gpu.js is loaded, how webasm's worker threads are
 * made, which modes exist, and how WebGPU is reached (Dawn through the npm `webgpu` package in
 * Node, the page's own `navigator.gpu` in a browser). Each entry (`index.ts` for Node, `browser.ts`)
 * hands its platform to `createGpujs`, so a browser bundle holds none of the Node code.
 */
import type { GpujsMode } from './engine.js';
import type { GpuJsModule, WorkerPool } from './gpujs-lib.js';

/** One runtime's way of running gpu.js. */
export interface Platform {
  /** `node` or `browser`, for messages. */
  readonly name: string;
  /** Why each mode that cannot exist here cannot (e.g. `headlessgl` in a browser). */
  readonly unsupported: Partial<Readonly<Record<GpujsMode, string>>>;
  /** gpu.js, loaded once. */
  gpujs(): GpuJsModule;
  /** webasm worker threads when the option is not given. */
  defaultThreads(): number;
  /** One pool of `size` webasm workers shared by a backend's kernels, or why there can be none here. */
  readonly workerPool: ((size: number) => WorkerPool) | { readonly unsupported: string };
  /**
   * The most webasm kernels a backend keeps compiled (the least recently used beyond it are
   * destroyed, and compiled again when next needed), or null for no limit. gpu.js gives every
   * webasm kernel a WebAssembly.Memory of its own, and a browser's V8 fits only about a hundred
   * of those in its address space (each reserves ~10 GiB of virtual memory); a training step of
   * the playground's MLP uses ~80 kernels.
   */
  readonly webasmKernelLimit: number | null;
  /** Makes `navigator.gpu` answer before a webgpu `GPU` is created. */
  prepareWebGPU(): void;
}
