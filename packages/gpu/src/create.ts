/** `gpujs()` for a given platform; each entry (`index.ts`, `browser.ts`) binds its own. */
import { GpujsBackend } from './backend.js';
import { Engine } from './engine.js';
import { resolveOptions, type GpujsOptions } from './options.js';
import type { Platform } from './platform.js';

/** Validates `options`, reaches WebGPU when asked for, and builds the backend on `platform`. */
export function createGpujs(platform: Platform, options?: GpujsOptions): GpujsBackend {
  const o = resolveOptions(options, platform);
  if (o.mode === 'webgpu') platform.prepareWebGPU();
  return new GpujsBackend(new Engine(o.mode, o.threads, o.finalize, platform), o.randomArith);
}
