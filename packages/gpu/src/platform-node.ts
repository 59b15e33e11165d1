/**
 * gpu.js in Node: loaded with `require` (it is CommonJS), webasm threads on `worker_threads`
 * through gpu.js's own pool, and WebGPU through Dawn's `navigator.gpu` shim (`webgpu-node.ts`).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { GpuJsModule, WorkerPool } from './gpujs-lib.js';
import type { Platform } from './platform.js';
import { installWebGPU } from './webgpu-node.js';

const require = createRequire(import.meta.url);
let lib: GpuJsModule | null = null;

/** The Node platform. */
export const NODE: Platform = {
  name: 'node',
  unsupported: {
    webgl2: "needs a browser's WebGL2; in Node use 'headlessgl' (the optional gl package) or 'webgpu'",
  },
  gpujs: () => (lib ??= require('gpu.js') as GpuJsModule),
  defaultThreads: () => Math.min(4, availableParallelism()),
  /**
   * gpu.js gives every threaded kernel its own pool of `hardwareConcurrency` workers; a backend
   * with dozens of kernels would then hold dozens of idle threads, so the backend hands one pool to
   * all its kernels instead (entry ids are global in gpu.js, so kernels cannot collide in a pool).
   */
  workerPool: (size) => {
    const mod = require('gpu.js/src/backend/web-assembly/worker-pool.js') as {
      WebAssemblyWorkerPool: new (size: number) => WorkerPool;
    };
    return new mod.WebAssemblyWorkerPool(size);
  },
  webasmKernelLimit: null, // Node's V8 has no sandbox cage to run out of
  prepareWebGPU: () => installWebGPU(),
};
