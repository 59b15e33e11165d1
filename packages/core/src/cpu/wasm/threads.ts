/**
 * The calling side of the worker protocol, shared by every host that can block on `Atomics.wait`
 * (Node's main thread, any worker). Each worker owns a slot of int32s at the start of the
 * shared memory: `[posted call number, finished call number (negative: it threw), precision,
 * the arguments of gemm]`. The caller writes the arguments and bumps the call number; the worker,
 * parked in `Atomics.wait` on it, runs the call and stores the number back into the second word.
 * No messages and no event loop are involved, so a synchronous kernel can use the workers.
 */
import type { GemmWorkers } from './gemm.js';
import { CONTROL_BYTES } from './gemm.js';
import { GEMM_ARGS } from './gemm-module.js';

/** int32s per worker slot: call number, finished number, precision, then gemm's arguments. */
export const SLOT = 32;
/** Most workers the control block has room for. */
export const MAX_WORKERS = CONTROL_BYTES / 4 / SLOT;
/** Call number that tells a worker to exit. */
export const EXIT = -0x7fffffff;

/**
 * The loop a worker runs (source text: a worker is started from it directly, with no module
 * resolution). `init` gives the module, the shared memory and the slot; it posts 'ready' once.
 */
export const WORKER_LOOP = `
function workerLoop(module, memory, slot, post) {
  const e = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const fns = [e.gemm_f32, e.gemm_f64];
  const ctl = new Int32Array(memory.buffer, 0, ${CONTROL_BYTES / 4});
  const base = slot * ${SLOT};
  post('ready');
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, base, seen);
    seen = Atomics.load(ctl, base);
    if (seen === ${EXIT}) return;
    let status = seen;
    try {
      fns[ctl[base + 2]](...ctl.slice(base + 3, base + ${3 + GEMM_ARGS}));
    } catch (err) {
      status = -seen;
      post(String(err && err.message || err));
    }
    Atomics.store(ctl, base + 1, status);
    Atomics.notify(ctl, base + 1);
  }
}`;

/** `GemmWorkers` over the control block of `buffer`, for `count` workers already running `WORKER_LOOP`. */
export class ControlBlock implements GemmWorkers {
  private readonly ctl: Int32Array;
  private readonly posted: number[];
  private closed = false;

  constructor(
    buffer: ArrayBufferLike,
    readonly count: number,
  ) {
    if (count > MAX_WORKERS) throw new RangeError(`wasmThreads: at most ${MAX_WORKERS + 1} threads`);
    this.ctl = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.posted = new Array<number>(count).fill(0);
  }

  start(w: number, precision: 0 | 1, args: readonly number[]): void {
    if (this.closed) throw new Error('cpu: the worker threads of this backend were terminated');
    const base = w * SLOT;
    this.ctl[base + 2] = precision;
    for (let i = 0; i < GEMM_ARGS; i++) this.ctl[base + 3 + i] = args[i]!;
    const n = (this.posted[w] = (this.posted[w]! % 0x3fffffff) + 1);
    Atomics.store(this.ctl, base, n);
    Atomics.notify(this.ctl, base, 1);
  }

  wait(w: number): void {
    const base = w * SLOT + 1;
    const n = this.posted[w]!;
    for (;;) {
      const done = Atomics.load(this.ctl, base);
      if (done === n) return;
      if (done === -n) throw new Error(`cpu: worker thread ${w + 1} failed in a matrix product`);
      Atomics.wait(this.ctl, base, done);
    }
  }

  /** Tells every worker to leave its loop. */
  exit(): void {
    this.closed = true;
    for (let w = 0; w < this.count; w++) {
      Atomics.store(this.ctl, w * SLOT, EXIT);
      Atomics.notify(this.ctl, w * SLOT, 1);
    }
  }
}
