/** Options of `gpujs()`, validated once into a typed object with documented defaults. */
import type { GpujsMode } from './engine.js';
import type { RandomArith } from './kernels/random.js';
import type { Platform } from './platform.js';

/** What `gpujs()` accepts. */
export interface GpujsOptions {
  /**
   * The gpu.js backend: `webasm` (WebAssembly + SIMD; the default without a GPU), `webgpu` (in
   * Node: Dawn through the npm `webgpu` package; in a browser: `navigator.gpu`), `webgl2` (browser
   * only), `headlessgl` (Node only; needs the optional `gl` package built), or `cpu` (gpu.js's
   * JavaScript fallback, explicit only).
   */
  mode?: GpujsMode;
  /**
   * webasm only: worker threads. Above 0, the backend runs under gpu.js's async contract: matrix
   * products of at least 2^21 multiply-adds are split across that many threads (smaller kernels
   * run on the calling thread, where a thread round trip would cost more than it saves), and reads
   * are async only. 0 runs every
   * kernel synchronously on the calling thread (then `dataSync()` works). Default: in Node the
   * number of CPUs, at most 4; in a browser 0, the only value it accepts.
   */
  threads?: number;
  /**
   * Release the buffers of tensors that are garbage-collected without `dispose()` (a
   * `FinalizationRegistry`). Default true; with false, only `dispose()` releases.
   */
  finalize?: boolean;
  /**
   * How the Threefry kernels behind `uniform` and `bernoulli` do 32-bit integer arithmetic:
   * `'bits'` with integer bit operators on 16-bit halves, `'limbs'` with float arithmetic alone
   * (5-20x slower, measured; for targets without integer bit operators). Both give the cpu backend's numbers exactly.
   * Default: `'bits'`, measured exact on cpu, webasm and webgpu; `'limbs'` on headlessgl, which has
   * not been measured (GLSL ES 1.0 has no integer bit operators; gpu.js emulates them).
   */
  randomArith?: RandomArith;
}

/** Options after validation. */
export interface ResolvedOptions {
  readonly mode: GpujsMode;
  readonly threads: number;
  readonly finalize: boolean;
  readonly randomArith: RandomArith;
}

const MODES: readonly GpujsMode[] = ['webasm', 'webgpu', 'webgl2', 'headlessgl', 'cpu'];

/** Validates `gpujs()` options for `platform`; a bad option throws naming it. */
export function resolveOptions(o: GpujsOptions = {}, platform: Platform): ResolvedOptions {
  if (typeof o !== 'object' || o === null) throw new TypeError('gpujs: options must be an object');
  for (const k of Object.keys(o)) {
    if (!['mode', 'threads', 'finalize', 'randomArith'].includes(k))
      throw new TypeError(`gpujs: unknown option '${k}'`);
  }
  const mode = o.mode ?? 'webasm';
  if (!MODES.includes(mode))
    throw new TypeError(
      `gpujs: option 'mode' must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`,
    );
  const why = platform.unsupported[mode];
  if (why !== undefined) throw new Error(`gpujs: mode '${mode}' cannot run in ${platform.name}: it ${why}`);
  let threads = 0;
  if (mode === 'webasm') {
    threads = o.threads ?? platform.defaultThreads();
    if (!Number.isInteger(threads) || threads < 0) {
      throw new TypeError(`gpujs: option 'threads' must be a non-negative integer, got ${o.threads}`);
    }
    if (threads > 0 && typeof platform.workerPool !== 'function')
      throw new TypeError(
        `gpujs: option 'threads' must be 0 in ${platform.name} (${platform.workerPool.unsupported}), got ${threads}`,
      );
  } else if (o.threads !== undefined && o.threads !== 0) {
    throw new TypeError(`gpujs: option 'threads' applies to mode 'webasm' only (mode is '${mode}')`);
  }
  const finalize = o.finalize ?? true;
  if (typeof finalize !== 'boolean') throw new TypeError(`gpujs: option 'finalize' must be a boolean`);
  const randomArith = o.randomArith ?? (mode === 'headlessgl' || mode === 'webgl2' ? 'limbs' : 'bits');
  if (randomArith !== 'bits' && randomArith !== 'limbs')
    throw new TypeError(
      `gpujs: option 'randomArith' must be 'bits' or 'limbs', got ${JSON.stringify(o.randomArith)}`,
    );
  return { mode, threads, finalize, randomArith };
}
