/**
 * `@gen-ts/core/node`: additions that only Node offers, kept out of the main entry so that the
 * browser bundle needs no `node:` module. Today: worker threads for the cpu backend's products.
 *
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { registerThreads, type CpuThreads } from './cpu/options.js';
import { compileKernels, globalWebAssembly, SHARED_MAXIMUM_PAGES } from './cpu/wasm/api.js';
import { WasmGemm } from './cpu/wasm/gemm.js';
import { ControlBlock, MAX_WORKERS, WORKER_LOOP } from './cpu/wasm/threads.js';

/** Options of `wasmThreads`. */
export interface WasmThreadsOptions {
  /**
   * Products with fewer multiply-adds (`m * n * k` per matrix) run on the calling thread alone:
   * below this, waking the workers costs more than they save. Default 2^20.
   */
  minMultiplyAdds?: number;
}

const WORKER_MAIN = `${WORKER_LOOP}
const { workerData, parentPort } = require('node:worker_threads');
workerLoop(workerData.module, workerData.memory, workerData.slot, (m) => parentPort.postMessage(m));`;

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
export async function wasmThreads(
  threads: number = Math.min(4, availableParallelism()),
  options: WasmThreadsOptions = {},
): Promise<CpuThreads> {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WORKERS + 1) {
    throw new TypeError(`wasmThreads: threads must be an integer in [1, ${MAX_WORKERS + 1}], got ${threads}`);
  }
  for (const k of Object.keys(options)) {
    if (k !== 'minMultiplyAdds') throw new TypeError(`wasmThreads: unknown option '${k}'`);
  }
  const min = options.minMultiplyAdds ?? 2 ** 20;
  if (!(min >= 0)) throw new TypeError(`wasmThreads: option 'minMultiplyAdds' must be >= 0, got ${min}`);
  const api = globalWebAssembly();
  const compiled = compileKernels(api, true);
  if ('reason' in compiled) throw new Error(`wasmThreads: ${compiled.reason}`);
  const memory = new api!.Memory({ initial: 1, maximum: SHARED_MAXIMUM_PAGES, shared: true });
  const workers = Array.from(
    { length: threads - 1 },
    (_, slot) =>
      new Worker(WORKER_MAIN, { eval: true, workerData: { module: compiled.module, memory, slot } }),
  );
  await Promise.all(
    workers.map(
      (w, i) =>
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', (e) =>
            reject(new Error(`wasmThreads: worker ${i + 1} failed to start: ${e.message}`)),
          );
        }),
    ),
  );
  for (const w of workers) w.unref();
  const control = new ControlBlock(memory.buffer, workers.length);
  const gemm = new WasmGemm(api!, compiled.module, memory, control, min);
  return registerThreads(
    {
      threads,
      async terminate() {
        control.exit(); // leaves the wait loops; terminate() then ends the threads
        for (const w of workers) w.ref();
        await Promise.all(workers.map((w) => w.terminate()));
      },
    },
    gemm,
  );
}
