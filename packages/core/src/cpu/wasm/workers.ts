/**
 * Starting the worker threads of `wasmThreads`, the part that Node (`@gen-ts/core/node`) and
 * browsers (`@gen-ts/core/web`) share: the options, the kernels compiled for a shared memory, the
 * check that this thread may block, and the pool over the control block of `threads.ts`. A host
 * only says whether it can run workers at all and how to start one on `WORKER_LOOP`.
 */
import { registerThreads, type CpuThreads } from '../options.js';
import { compileKernels, globalWebAssembly, SHARED_MAXIMUM_PAGES } from './api.js';
import type { WasmMemory, WasmModule, WebAssemblyApi } from './api.js';
import { WasmGemm } from './gemm.js';
import { ControlBlock, MAX_WORKERS } from './threads.js';

/** Options of `wasmThreads`. */
export interface WasmThreadsOptions {
  /**
   * Products with fewer multiply-adds (`m * n * k` per matrix) run on the calling thread alone:
   * below this, waking the workers costs more than they save. Default 2^20.
   */
  minMultiplyAdds?: number;
}

/** What a worker is started with: `WORKER_LOOP`'s arguments. */
export interface WorkerInit {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly slot: number;
}

/** A worker as the start-up code sees it. */
export interface StartedWorker {
  /** Settles on the worker's first message ('ready'), or rejects with why it failed to start. */
  readonly ready: Promise<void>;
  /** Ends the worker (called once it has left its loop, or when start-up failed). */
  terminate(): unknown;
}

/** How a runtime runs the workers. */
export interface WorkerHost {
  /** Why workers with shared memory cannot run here, or null. */
  unavailable(): string | null;
  /** Starts one worker running `WORKER_LOOP` with `init`. */
  spawn(init: WorkerInit): StartedWorker;
}

/** Validates the arguments of `wasmThreads`; returns `minMultiplyAdds`. */
function checkArguments(threads: number, options: WasmThreadsOptions): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WORKERS + 1) {
    throw new TypeError(`wasmThreads: threads must be an integer in [1, ${MAX_WORKERS + 1}], got ${threads}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('wasmThreads: options must be an object');
  }
  for (const k of Object.keys(options)) {
    if (k !== 'minMultiplyAdds') throw new TypeError(`wasmThreads: unknown option '${k}'`);
  }
  const min = options.minMultiplyAdds ?? 2 ** 20;
  if (!(min >= 0)) throw new TypeError(`wasmThreads: option 'minMultiplyAdds' must be >= 0, got ${min}`);
  return min;
}

/**
 * Why this thread cannot block in `Atomics.wait`, or null. The products wait for the workers
 * synchronously, and a browser's main thread refuses to: Chromium throws a TypeError ("cannot be
 * called in this context") before it even compares the value, so a wait on a value that is not
 * there (returns "not-equal" at once where waiting is allowed) tells the two apart.
 */
function cannotBlock(buffer: ArrayBufferLike): string | null {
  try {
    Atomics.wait(new Int32Array(buffer, 0, 1), 0, 1, 0); // the word is 0: never sleeps
    return null;
  } catch (e) {
    return (
      `this thread cannot block in Atomics.wait (${(e as Error).message}), as on a browser's main ` +
      'thread; the products wait for the workers synchronously, so create the threads and train ' +
      'in a dedicated Worker'
    );
  }
}

type Prepared = { api: WebAssemblyApi; module: WasmModule; memory: WasmMemory };

/** The kernels and the shared memory, or why threads cannot run here. */
export function prepareThreads(host: WorkerHost): Prepared | { reason: string } {
  const reason = host.unavailable();
  if (reason !== null) return { reason };
  const api = globalWebAssembly();
  const compiled = compileKernels(api, true);
  if ('reason' in compiled) return compiled;
  const memory = new api!.Memory({ initial: 1, maximum: SHARED_MAXIMUM_PAGES, shared: true });
  const blocked = cannotBlock(memory.buffer);
  return blocked === null ? { api: api!, module: compiled.module, memory } : { reason: blocked };
}

/**
 * `wasmThreads` on `host`: checks the arguments and the runtime, starts `threads - 1` workers,
 * waits until every one is ready (ending them all if one fails) and returns the pool.
 */
export async function startWasmThreads(
  threads: number,
  options: WasmThreadsOptions,
  host: WorkerHost,
): Promise<CpuThreads> {
  const min = checkArguments(threads, options);
  const prepared = prepareThreads(host);
  if ('reason' in prepared) throw new Error(`wasmThreads: ${prepared.reason}`);
  const { api, module, memory } = prepared;
  const workers: StartedWorker[] = [];
  try {
    for (let slot = 0; slot < threads - 1; slot++) workers.push(host.spawn({ module, memory, slot }));
  } catch (e) {
    for (const w of workers) w.terminate();
    throw new Error(`wasmThreads: worker ${workers.length + 1} failed to start: ${(e as Error).message}`);
  }
  const started = await Promise.allSettled(workers.map((w) => w.ready));
  const failed = started.findIndex((s) => s.status === 'rejected');
  if (failed >= 0) {
    await Promise.all(workers.map((w) => w.terminate()));
    const why = (started[failed] as PromiseRejectedResult).reason as Error;
    throw new Error(`wasmThreads: worker ${failed + 1} failed to start: ${why.message}`);
  }
  const control = new ControlBlock(memory.buffer, workers.length);
  const gemm = new WasmGemm(api, module, memory, control, min);
  return registerThreads(
    {
      threads,
      async terminate() {
        control.exit(); // the workers leave their wait loops; products on this pool now throw
        await Promise.all(workers.map((w) => w.terminate()));
      },
    },
    gemm,
  );
}
