/**
 * A small `navigator.gpu` for Node, backed by the npm `webgpu` package (Dawn). gpu.js looks for
 * `navigator.gpu` and calls `requestAdapter()` with no options; on a machine without a GPU, Dawn
 * finds an adapter only through its OpenGL ES backend on Mesa's software renderer, which needs the
 * `compatibility` feature level and a surfaceless EGL platform. The shim adds both for the OpenGL
 * backends; other Dawn backends (`vulkan` on a machine with a GPU driver) get the `core` level.
 * Node entry only: a browser has its own `navigator.gpu` (see `webgpu-browser.ts`).
 */
import { createRequire } from 'node:module';
import {
  adapterStatus,
  checkShimOptions,
  type AdapterLike,
  type FeatureLevel,
  type WebGPUShimOptions,
  type WebGPUStatus,
} from './webgpu-status.js';

const require = createRequire(import.meta.url);

interface DawnGpu {
  requestAdapter(o?: Record<string, unknown>): Promise<AdapterLike | null>;
  getPreferredCanvasFormat?(): string;
  wgslLanguageFeatures?: unknown;
}

const dawnBackend = (o: WebGPUShimOptions): string =>
  o.backend ?? process.env['GEN_TS_DAWN_BACKEND'] ?? 'opengles';
const featureLevelOf = (backend: string): FeatureLevel =>
  backend === 'opengles' || backend === 'opengl' ? 'compatibility' : 'core';

let installed: { gpu: DawnGpu; backend: string; featureLevel: FeatureLevel } | null = null;
let status: Promise<WebGPUStatus> | null = null;

/**
 * Installs `navigator.gpu` (once per process) on Dawn. Idempotent; a `navigator.gpu` that already
 * exists (Deno, or a second install) is left alone. Throws when the `webgpu` package cannot load.
 */
export function installWebGPU(options: WebGPUShimOptions = {}): void {
  checkShimOptions('installWebGPU', options, true);
  if (installed) return;
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) {
    installed = { gpu: g.navigator.gpu as DawnGpu, backend: 'native', featureLevel: 'core' };
    return;
  }
  // Mesa reads this when Dawn opens its EGL display; without an X or Wayland display it must be set.
  process.env['EGL_PLATFORM'] ??= 'surfaceless';
  const webgpu = require('webgpu') as { create(flags: string[]): DawnGpu; globals: Record<string, unknown> };
  Object.assign(globalThis, webgpu.globals);
  const backend = dawnBackend(options);
  const dawn = webgpu.create([`backend=${backend}`]);
  const featureLevel = featureLevelOf(backend);
  const gpu: DawnGpu = {
    requestAdapter: (o) => dawn.requestAdapter({ featureLevel, ...o }),
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: dawn.wgslLanguageFeatures,
  };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  installed = { gpu, backend, featureLevel };
}

/**
 * Installs the shim and asks for an adapter. Resolves (never rejects) with whether one answered
 * and its description, or the reason there is none; the answer is cached for the process.
 */
export function webgpuStatus(options: WebGPUShimOptions = {}): Promise<WebGPUStatus> {
  checkShimOptions('webgpuStatus', options, true);
  status ??= (async (): Promise<WebGPUStatus> => {
    try {
      installWebGPU(options);
      const { gpu, backend, featureLevel } = installed!;
      return adapterStatus(await gpu.requestAdapter(), backend, featureLevel);
    } catch (e) {
      return {
        available: false,
        detail: `webgpu package failed to load: ${(e as Error).message}`,
        backend: installed?.backend ?? dawnBackend(options),
        featureLevel: installed?.featureLevel ?? featureLevelOf(dawnBackend(options)),
      };
    }
  })();
  return status;
}
