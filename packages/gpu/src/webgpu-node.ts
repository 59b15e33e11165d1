/**
 * A small `navigator.gpu` for Node, backed by the npm `webgpu` package (Dawn). gpu.js looks for
 * `navigator.gpu` and calls `requestAdapter()` with no options; on a machine without a GPU, Dawn
 * finds an adapter only through its OpenGL ES backend on Mesa's software renderer, which needs the
 * `compatibility` feature level and a surfaceless EGL platform. The shim adds both.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What the shim reports about the adapter it found (or why it found none). */
export interface WebGPUStatus {
  /** True when an adapter answered. */
  readonly available: boolean;
  /** Adapter description (e.g. `OpenGL ES 3.2 Mesa 22.3.6`), or why none was found. */
  readonly detail: string;
}

/** Options for {@link installWebGPU}. */
export interface WebGPUShimOptions {
  /** Dawn backend to use (`opengles`, `vulkan`, ...). Default: `GEN_TS_DAWN_BACKEND`, else `opengles`. */
  backend?: string;
}

interface DawnGpu {
  requestAdapter(o?: Record<string, unknown>): Promise<DawnAdapter | null>;
  getPreferredCanvasFormat?(): string;
  wgslLanguageFeatures?: unknown;
}
interface DawnAdapter {
  info?: { description?: string; device?: string };
}

let installed: { gpu: DawnGpu } | null = null;
let status: Promise<WebGPUStatus> | null = null;

/**
 * Installs `navigator.gpu` (once per process) and returns it. Idempotent; a `navigator.gpu` that
 * already exists (a browser, Deno, or a second install) is left alone.
 */
export function installWebGPU(options: WebGPUShimOptions = {}): void {
  if (installed) return;
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) {
    installed = { gpu: g.navigator.gpu as DawnGpu };
    return;
  }
  // Mesa reads this when Dawn opens its EGL display; without an X or Wayland display it must be set.
  process.env['EGL_PLATFORM'] ??= 'surfaceless';
  const webgpu = require('webgpu') as { create(flags: string[]): DawnGpu; globals: Record<string, unknown> };
  Object.assign(globalThis, webgpu.globals);
  const backend = options.backend ?? process.env['GEN_TS_DAWN_BACKEND'] ?? 'opengles';
  const dawn = webgpu.create([`backend=${backend}`]);
  const gpu: DawnGpu = {
    requestAdapter: (o) => dawn.requestAdapter({ featureLevel: 'compatibility', ...o }),
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: dawn.wgslLanguageFeatures,
  };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  installed = { gpu };
}

/**
 * Installs the shim and asks for an adapter. Resolves (never rejects) with whether one answered
 * and its description, or the reason there is none; the answer is cached for the process.
 */
export function webgpuStatus(options: WebGPUShimOptions = {}): Promise<WebGPUStatus> {
  status ??= (async (): Promise<WebGPUStatus> => {
    try {
      installWebGPU(options);
      const adapter = await installed!.gpu.requestAdapter();
      if (!adapter) return { available: false, detail: 'navigator.gpu.requestAdapter() returned null' };
      return { available: true, detail: adapter.info?.description || adapter.info?.device || 'adapter' };
    } catch (e) {
      return { available: false, detail: `webgpu package failed to load: ${(e as Error).message}` };
    }
  })();
  return status;
}
