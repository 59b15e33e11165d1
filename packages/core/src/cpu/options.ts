/** Options of `cpu()`, validated once, and what its `info()` reports. */
import { resolveLoops, type CpuLoops } from './loops.js';
import { singleThreadKernels } from './wasm/api.js';
import type { WasmGemm } from './wasm/gemm.js';
import type { WasmElementwise } from './wasm/elementwise.js';

/**
 * Worker threads for the cpu backend's matrix products, on a shared WebAssembly memory. Create
 * them with `wasmThreads(n)`: from `@gen-ts/core/node` in Node, from `@gen-ts/core/web` in a
 * browser, where the page must be cross-origin isolated (COOP `same-origin`, COEP
 * `require-corp`) and the caller a dedicated Worker (a page's main thread may not block in
 * `Atomics.wait`, which the products do while the workers run).
 */
export interface CpuThreads {
  /** Threads one product may use, the calling thread included. */
  readonly threads: number;
  /** Stops the workers; products of a backend that uses them then throw. */
  terminate(): Promise<void>;
}

/** The products on the shared memory of each `CpuThreads` that `wasmThreads` made. */
const kernelsOf = new WeakMap<CpuThreads, WasmGemm>();

/** @internal Records the products behind a `CpuThreads` (called by `wasmThreads`). */
export function registerThreads(t: CpuThreads, gemm: WasmGemm): CpuThreads {
  kernelsOf.set(t, gemm);
  return t;
}

/** What `cpu()` accepts. */
export interface CpuOptions {
  /**
   * Where matrix products run: `'wasm-simd'` (WebAssembly SIMD kernels; throws at construction
   * where they cannot run), `'js'` (plain loops, float64 accumulation: the slow, simple reference)
   * or `'auto'` (the default: the SIMD kernels where they can run, else plain loops, with the
   * reason in `info().reason`).
   */
  kernels?: 'auto' | 'wasm-simd' | 'js';
  /**
   * Worker threads that large products are split across (from `wasmThreads` in
   * `@gen-ts/core/node` or, in a browser's Worker, `@gen-ts/core/web`). Default: none, every
   * product runs on the calling thread.
   */
  threads?: CpuThreads;
  /**
   * Elementwise loops: `'compiled'` (made with `new Function`, the fast path; throws at
   * construction where it is forbidden), `'closures'` (no code generation, for a strict
   * Content-Security-Policy; the same values, at about the same speed on Node 20), or `'auto'`
   * (the default: compiled where `new Function` is allowed, else closures). `'auto'` finds out by
   * calling `new Function` once, which a page's CSP reports as a violation; pass `'closures'` to
   * avoid that.
   */
  loops?: 'auto' | CpuLoops;
}

/** Matrix products run so far, by where they ran. */
export interface ProductCounts {
  /** On the WebAssembly SIMD kernels, on the calling thread. */
  wasm: number;
  /** On the WebAssembly SIMD kernels, split across worker threads. */
  threaded: number;
  /** In plain JavaScript (int32 products, the `'js'` option, or no SIMD here). */
  js: number;
}

/** What `cpu().info()` reports. */
export interface CpuInfo {
  /** The kernels float products run on. */
  readonly kernels: 'wasm-simd' | 'js';
  /** Why they run in JavaScript (null when on the SIMD kernels). */
  readonly reason: string | null;
  /** Threads a large product may use, the calling thread included (1 without worker threads). */
  readonly threads: number;
  /** Products run so far, by path. */
  readonly products: ProductCounts;
  /**
   * Binary ops, comparisons and `where` run so far on the SIMD kernels (`add`, `sub`, `mul`, `div`,
   * `maximum`, `minimum` and the six comparisons, on float operands that are full, scalars or
   * repeated rows; `where` with a full condition and full or scalar float branches; 64 elements or
   * more) and in plain loops (the rest; a `where` whose condition is one element picks a branch
   * whole and is not counted).
   */
  readonly elementwise: { readonly wasm: number; readonly js: number };
  /**
   * Windowed max and argmax (`reduceWindow`: max pooling and its gradient) run so far on the SIMD
   * kernel (float32, a window that moves along some axis with the axes after it, channels, in a
   * multiple of 4 elements, no window all padding, 64 outputs or more) and in plain loops (the
   * rest, float64 included).
   */
  readonly pooling: { readonly wasm: number; readonly js: number };
  /**
   * Size of the kernels' WebAssembly memories: they grow to the largest product and the largest
   * elementwise op, and are reused.
   */
  readonly wasmBytes: number;
  /** Bytes of disposed tensors' arrays kept for reuse by later results of the same size. */
  readonly pooledBytes: number;
  /** The elementwise loops: `compiled` or `closures` (see `CpuOptions.loops`). */
  readonly loops: CpuLoops;
}

const KEYS = ['kernels', 'threads', 'loops'];

/** Validates `cpu()` options into the kernels to use (null: plain loops) and the reason for plain loops. */
export function resolveCpuOptions(o: CpuOptions): {
  gemm: WasmGemm | null;
  elementwise: WasmElementwise | null;
  reason: string | null;
  loops: CpuLoops;
} {
  if (typeof o !== 'object' || o === null) throw new TypeError('cpu: options must be an object');
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw new TypeError(`cpu: unknown option '${k}'`);
  return { ...resolveKernels(o), loops: resolveLoops(o.loops) };
}

function resolveKernels(o: CpuOptions): {
  gemm: WasmGemm | null;
  elementwise: WasmElementwise | null;
  reason: string | null;
} {
  const kernels = o.kernels ?? 'auto';
  if (!['auto', 'wasm-simd', 'js'].includes(kernels)) {
    throw new TypeError(
      `cpu: option 'kernels' must be 'auto', 'wasm-simd' or 'js', got ${JSON.stringify(kernels)}`,
    );
  }
  if (o.threads !== undefined) {
    const gemm = typeof o.threads === 'object' && o.threads !== null ? kernelsOf.get(o.threads) : undefined;
    if (!gemm)
      throw new TypeError(
        `cpu: option 'threads' must come from wasmThreads() of '@gen-ts/core/node' or '@gen-ts/core/web'`,
      );
    if (kernels === 'js')
      throw new TypeError(`cpu: option 'threads' needs kernels 'wasm-simd' or 'auto', not 'js'`);
    const k = singleThreadKernels(); // compiled, or wasmThreads would have failed
    return { gemm, elementwise: k.ok ? k.elementwise : null, reason: null };
  }
  if (kernels === 'js')
    return { gemm: null, elementwise: null, reason: "the option kernels: 'js' was given" };
  const k = singleThreadKernels();
  if (k.ok) return { gemm: k.gemm, elementwise: k.elementwise, reason: null };
  if (kernels === 'wasm-simd') throw new Error(`cpu: kernels 'wasm-simd' cannot run here: ${k.reason}`);
  return { gemm: null, elementwise: null, reason: k.reason };
}
