/**
 * A small `navigator.gpu` for Node, backed by the npm `webgpu` package (Dawn). gpu.js looks for
 * `navigator.gpu` and calls `requestAdapter()` with no options; on a machine without a GPU, Dawn
 * finds an adapter only through its OpenGL ES backend on Mesa's software renderer, which needs the
 * `compatibility` feature level and a surfaceless EGL platform. The shim adds both for the OpenGL
 * backends; other Dawn backends (`vulkan` on a machine with a GPU driver) get the `core` level.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What the shim reports about the adapter it found (or why it found none). */
export interface WebGPUStatus {
  /** True when an adapter answered. */
  readonly available: boolean;
  /** Adapter description (e.g. `OpenGL ES 3.2 Mesa 22.3.6`), or why none was found. */
  readonly detail: string;
  /** The Dawn backend asked for (`opengles`, `vulkan`, ...). */
  readonly backend: string;
  /** The feature level asked for: `compatibility` on the OpenGL backends, else `core`. */
  readonly featureLevel: FeatureLevel;
  /** The adapter's `info` (vendor, architecture, device, description) when one answered. */
  readonly adapter?: Readonly<Record<string, string>>;
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
  info?: { vendor?: string; architecture?: string; description?: string; device?: string };
}

/** The WebGPU feature level the shim asks Dawn for. */
export type FeatureLevel = 'compatibility' | 'core';
const dawnBackend = (o: WebGPUShimOptions): string =>
  o.backend ?? process.env['GEN_TS_DAWN_BACKEND'] ?? 'opengles';
const featureLevelOf = (backend: string): FeatureLevel =>
  backend === 'opengles' || backend === 'opengl' ? 'compatibility' : 'core';

let installed: { gpu: DawnGpu; backend: string; featureLevel: FeatureLevel } | null = null;
let status: Promise<WebGPUStatus> | null = null;

/**
 * Installs `navigator.gpu` (once per process) and returns it. Idempotent; a `navigator.gpu` that
 * already exists (a browser, Deno, or a second install) is left alone.
 */
export function installWebGPU(options: WebGPUShimOptions = {}): void {
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
  status ??= (async (): Promise<WebGPUStatus> => {
    try {
      installWebGPU(options);
      const { gpu, backend, featureLevel } = installed!;
      const adapter = await gpu.requestAdapter();
      if (!adapter)
        return {
          available: false,
          detail: 'navigator.gpu.requestAdapter() returned null',
          backend,
          featureLevel,
        };
      const info = adapter.info ?? {};
      const fields = (['vendor', 'architecture', 'device', 'description'] as const).filter((k) => info[k]);
      return {
        available: true,
        detail: info.description || info.device || 'adapter',
        backend,
        featureLevel,
        adapter: Object.fromEntries(fields.map((k) => [k, String(info[k])])),
      };
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
