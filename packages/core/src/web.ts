/**
 * `@gen-ts/core/web`: additions for browsers, kept out of the main entry. Today: Web Workers for
 * the cpu backend's matrix products, the browser's counterpart of `wasmThreads` in
 * `@gen-ts/core/node`, with the same signature and options.
 *
 * @packageDocumentation
 */
import type { CpuThreads } from './cpu/options.js';
import { WORKER_LOOP } from './cpu/wasm/threads.js';
import {
  prepareThreads,
  startWasmThreads,
  type WasmThreadsOptions,
  type WorkerHost,
} from './cpu/wasm/workers.js';

export type { WasmThreadsOptions } from './cpu/wasm/workers.js';

/** The slice of a browser's globals used here (core compiles without the DOM library). */
interface WebWorker {
  onmessage: ((e: unknown) => void) | null;
  onerror: ((e: { message?: string; preventDefault?(): void }) => void) | null;
  postMessage(data: unknown): void;
  terminate(): void;
}
interface WebGlobals {
  Worker?: new (url: string, options?: { name?: string }) => WebWorker;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL: { createObjectURL?(blob: object): string };
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
}
const web = globalThis as unknown as WebGlobals;

/**
 * A worker's script: the loop, entered on the one message that brings the module, the memory and
 * the slot. A message that cannot be received (the memory not shareable with this worker) throws,
 * which reaches the page as the worker's error event instead of a worker that never answers.
 */
const WORKER_SCRIPT = `${WORKER_LOOP}
onmessage = (e) => {
  onmessage = null;
  workerLoop(e.data.module, e.data.memory, e.data.slot, (m) => postMessage(m));
};
onmessageerror = () => {
  throw new Error('could not receive the kernels and the shared memory');
};`;

const ISOLATION =
  'shared memory needs a cross-origin isolated page, and crossOriginIsolated is false here: serve ' +
  "the page (and any worker script) with the headers 'Cross-Origin-Opener-Policy: same-origin' " +
  "and 'Cross-Origin-Embedder-Policy: require-corp'";

/** Why Web Workers on shared memory cannot run here, before any kernel is compiled. */
function unavailable(): string | null {
  if (typeof web.Worker !== 'function' || typeof web.Blob !== 'function' || !web.URL.createObjectURL) {
    return "this runtime has no Web Workers (in Node, use wasmThreads from '@gen-ts/core/node')";
  }
  return web.crossOriginIsolated === true ? null : ISOLATION;
}

/** The Blob URL of `WORKER_SCRIPT`: made on first use, kept for the page's life (it is small). */
let scriptUrl: string | null = null;

/** Web Workers started from `WORKER_SCRIPT`. */
const WEB: WorkerHost = {
  unavailable,
  spawn(init) {
    scriptUrl ??= web.URL.createObjectURL!(new web.Blob!([WORKER_SCRIPT], { type: 'text/javascript' }));
    const w = new web.Worker!(scriptUrl, { name: `gen-ts wasmThreads ${init.slot + 1}` });
    const ready = new Promise<void>((resolve, reject) => {
      w.onmessage = () => {
        w.onmessage = null; // later messages are a failed product's error text: the caller throws
        resolve();
      };
      w.onerror = (e) => {
        e.preventDefault?.();
        const why = 'its script did not load (a Content-Security-Policy must allow worker-src blob:)';
        reject(new Error(e.message || why));
      };
    });
    w.postMessage(init);
    return { ready, terminate: () => w.terminate() };
  },
};

/** Whether `wasmThreads` can run here, and if not, why. */
export interface WasmThreadsStatus {
  /** True where Web Workers, shared WebAssembly memory, SIMD and a blocking `Atomics.wait` are all there. */
  readonly available: boolean;
  /** Why not (what `wasmThreads` would reject with), or null when available. */
  readonly reason: string | null;
}

/**
 * Says whether `wasmThreads` can start here: the page must be cross-origin isolated (COOP
 * `same-origin` and COEP `require-corp`), and this must be a Worker, where `Atomics.wait` may
 * block (never a page's main thread). It compiles the kernels to check them too, and starts no
 * worker.
 *
 * @example
 * ```ts
 * import { cpu } from '@gen-ts/core';
 * import { wasmThreads, wasmThreadsStatus } from '@gen-ts/core/web';
 *
 * // in a dedicated Worker of a cross-origin isolated page this says { available: true, ... };
 * // elsewhere (Node, a page's main thread, no isolation) it says why not
 * const status = wasmThreadsStatus();
 * const backend = cpu(status.available ? { threads: await wasmThreads(2) } : {});
 * console.log(status.reason ?? 'threads', backend.info().threads);
 * ```
 */
export function wasmThreadsStatus(): WasmThreadsStatus {
  const p = prepareThreads(WEB);
  return 'reason' in p ? { available: false, reason: p.reason } : { available: true, reason: null };
}

/**
 * Starts `threads - 1` Web Workers that, with the calling thread, split large matrix products of
 * a cpu backend: pass the result as `cpu({ threads })`. The browser's counterpart of
 * `wasmThreads` in `@gen-ts/core/node`, with the same options: the workers and the calling
 * thread share one WebAssembly memory, and the calling thread blocks in `Atomics.wait` until the
 * workers finish, so products stay synchronous. That needs
 * - a cross-origin isolated page (served with `Cross-Origin-Opener-Policy: same-origin` and
 *   `Cross-Origin-Embedder-Policy: require-corp`), for shared memory;
 * - a dedicated Worker to call it from: a page's main thread may not block, so train in a Worker
 *   (which is where a long training loop belongs anyway);
 * - under a Content-Security-Policy, `worker-src blob:` (the workers start from a Blob URL).
 *
 * Where one is missing it rejects, saying which; it never falls back to one thread
 * (`wasmThreadsStatus()` tells beforehand). `terminate()` ends the workers; products of a backend
 * that uses them then throw.
 *
 * @param threads Threads one product may use, the calling thread included. Default:
 *   `navigator.hardwareConcurrency`, at most 4.
 * @example
 * ```ts
 * import { cpu, matmul, ones, useBackend } from '@gen-ts/core';
 * import { wasmThreads, wasmThreadsStatus } from '@gen-ts/core/web';
 *
 * // in a dedicated Worker of a cross-origin isolated page
 * if (wasmThreadsStatus().available) {
 *   const threads = await wasmThreads(2, { minMultiplyAdds: 0 });
 *   const backend = cpu({ threads });
 *   useBackend(backend);
 *   matmul(ones([64, 64]), ones([64, 64]));
 *   console.log(backend.info().threads, backend.info().products.threaded); // 2 1
 *   await threads.terminate();
 * }
 * ```
 */
export function wasmThreads(
  threads: number = Math.max(1, Math.min(4, web.navigator?.hardwareConcurrency ?? 1)),
  options: WasmThreadsOptions = {},
): Promise<CpuThreads> {
  return startWasmThreads(threads, options, WEB);
}
