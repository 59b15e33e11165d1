/**
 * `@gen-ts/core/node`: additions that only Node offers, kept out of the main entry so that the
 * browser bundle needs no `node:` module. Today: worker threads for the cpu backend's products
 * (a browser's are in `@gen-ts/core/web`).
 *
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CpuThreads } from './cpu/options.js';
import { WORKER_LOOP } from './cpu/wasm/threads.js';
import { startWasmThreads, type WasmThreadsOptions, type WorkerHost } from './cpu/wasm/workers.js';

export type { WasmThreadsOptions } from './cpu/wasm/workers.js';

const WORKER_MAIN = `${WORKER_LOOP}
const { workerData, parentPort } = require('node:worker_threads');
workerLoop(workerData.module, workerData.memory, workerData.slot, (m) => parentPort.postMessage(m));`;

const NODE: WorkerHost = {
  unavailable: () => null,
  spawn(workerData) {
    const w = new Worker(WORKER_MAIN, { eval: true, workerData });
    const ready = new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    });
    return {
      // once started, the workers do not keep the process alive
      ready: ready.then(() => void w.unref()),
      terminate: () => {
        w.ref();
        return w.terminate();
      },
    };
  },
};

/**
 * Starts `threads - 1` worker threads that, with the calling thread, split large matrix products
 * of a cpu backend: pass the result as `cpu({ threads })`. The workers and the calling thread
 * share one WebAssembly memory; the calling thread blocks (`Atomics.wait`) until the workers
 * finish, so products stay synchronous. Threads pay only where cores are free: measure
 * (bench/cpu-matmul.ts) before turning them on. The workers do not keep the process alive;
 * `terminate()` stops them.
 *
 * @example
 * ```ts
 * import { cpu, matmul, ones, useBackend } from '@gen-ts/core';
 * import { wasmThreads } from '@gen-ts/core/node';
 *
 * const threads = await wasmThreads(2, { minMultiplyAdds: 0 });
 * const backend = cpu({ threads });
 * useBackend(backend);
 * matmul(ones([64, 64]), ones([64, 64]));
 * console.log(backend.info().threads, backend.info().products.threaded); // 2 1
 * await threads.terminate();
 * ```
 */
export function wasmThreads(
  threads: number = Math.min(4, availableParallelism()),
  options: WasmThreadsOptions = {},
): Promise<CpuThreads> {
  return startWasmThreads(threads, options, NODE);
}
