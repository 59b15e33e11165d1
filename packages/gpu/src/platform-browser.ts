/**
 * gpu.js in a browser: bundlers resolve `gpu.js` to its browser build (its `browser` field), which
 * reaches WebGL2 and WebGPU (`navigator.gpu`) directly. Nothing here touches a Node module.
 */
import gpujsModule from 'gpu.js';
import type { GpuJsModule } from './gpujs-lib.js';
import type { Platform } from './platform.js';

/** The browser platform. */
export const BROWSER: Platform = {
  name: 'browser',
  unsupported: { headlessgl: "is Node's headless-gl; in a browser use 'webgl2'" },
  // The browser build's default export is the GPU class with the library on it (GPU.GPU, ...).
  gpujs: () => gpujsModule as unknown as GpuJsModule,
  defaultThreads: () => 0,
  // gpu.js's browser build does not export its worker pool, so one pool per backend cannot be made
  // here (and threaded webasm would need a cross-origin-isolated page for its shared memory).
  workerPool: { unsupported: "webasm runs on the page's thread; worker threads are Node-only" },
  // Chromium's V8 sandbox (1 TiB) ran out of room for webasm memories at ~100 live kernels.
  webasmKernelLimit: 64,
  prepareWebGPU: () => undefined, // gpu.js finds the page's navigator.gpu itself
};
