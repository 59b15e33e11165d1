/**
 * The slice of the WebAssembly JavaScript API the kernels use, typed here (core compiles without
 * the DOM library), and the one place that decides whether they can run: WebAssembly present, the
 * SIMD module valid on this engine, and compiled. The answer is kept with its reason, so the
 * backend can report which path runs instead of falling back silently.
 */
import { gemmModule } from './gemm-module.js';
import { TILINGS, WasmGemm } from './gemm.js';
import { elementwiseModule, WasmElementwise } from './elementwise.js';

/** A compiled module (`WebAssembly.Module`). */
export type WasmModule = object;

/** `WebAssembly.Memory`. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** The constructors and functions of the global `WebAssembly` object used here. */
export interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** Whether the kernels can run here: the products if so, the reason if not. */
export type KernelAvailability =
  | { readonly ok: true; readonly gemm: WasmGemm; readonly elementwise: WasmElementwise }
  | { readonly ok: false; readonly reason: string };

/** The global `WebAssembly`, if this runtime has one. */
export function globalWebAssembly(): WebAssemblyApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
}

/** Largest shared memory the threaded kernels may grow to: 4 GiB, all of 32-bit addressing. */
export const SHARED_MAXIMUM_PAGES = 65536;

/**
 * Compiles the kernel module for a plain (`shared` false) or shared memory, or says why not.
 * The module is compiled synchronously, which a browser's main thread allows only for small
 * modules: there the backend reports the refusal and runs in JavaScript.
 */
export function compileKernels(
  api: WebAssemblyApi | undefined,
  shared: boolean,
): { module: WasmModule } | { reason: string } {
  if (api === undefined) return { reason: 'this runtime has no WebAssembly' };
  const bytes = gemmModule(
    shared ? { initialPages: 1, maximumPages: SHARED_MAXIMUM_PAGES, shared } : { initialPages: 1, shared },
    TILINGS,
  );
  if (!api.validate(bytes)) return { reason: 'this WebAssembly engine has no SIMD (128-bit vectors)' };
  try {
    return { module: new api.Module(bytes) };
  } catch (e) {
    return { reason: `compiling the WebAssembly kernels failed: ${(e as Error).message}` };
  }
}

let single: KernelAvailability | null = null;

/** The single-threaded products, on one memory that every cpu backend of this realm shares. */
export function singleThreadKernels(): KernelAvailability {
  if (single === null) single = loadSingle(globalWebAssembly());
  return single;
}

/** @internal As `singleThreadKernels`, for a given API (tests pass a stand-in). */
export function loadSingle(api: WebAssemblyApi | undefined): KernelAvailability {
  const c = compileKernels(api, false);
  if ('reason' in c) return { ok: false, reason: c.reason };
  // valid and small wherever the products compiled
  const vector = [
    new api!.Module(elementwiseModule('f32')),
    new api!.Module(elementwiseModule('f64')),
  ] as const;
  return {
    ok: true,
    gemm: new WasmGemm(api!, c.module, new api!.Memory({ initial: 1 })),
    elementwise: new WasmElementwise(api!, vector, new api!.Memory({ initial: 1 })),
  };
}
