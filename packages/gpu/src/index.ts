/**
 * `@gen-ts/gpu`: a `@gen-ts/core` Backend whose kernels are compiled by gpu.js, in float32.
 *
 * ```ts
 * import { useBackend } from '@gen-ts/core';
 * import { gpujs } from '@gen-ts/gpu';
 * useBackend(gpujs({ mode: 'webasm' }));
 * ```
 *
 * @packageDocumentation
 */
import { Engine } from './engine.js';
import { GpujsBackend } from './backend.js';
import { resolveOptions, type GpujsOptions } from './options.js';
import { installWebGPU } from './webgpu-node.js';

export { GpujsBackend, GPUJS_DTYPES, KEPT_CONSTANTS, type GpujsInfo } from './backend.js';
export { KERNEL_CLASS, type GpujsMode } from './engine.js';
export type { GpujsOptions } from './options.js';
export type { RandomArith } from './kernels/random.js';
export {
  installWebGPU,
  webgpuStatus,
  type FeatureLevel,
  type WebGPUShimOptions,
  type WebGPUStatus,
} from './webgpu-node.js';

/**
 * Creates a gpu.js backend. Throws when the mode's kernel class is not supported here (e.g.
 * `headlessgl` without the `gl` package). On `webgpu` the adapter is only asked for on the first
 * kernel; `await backend.ready()` checks that one answers.
 */
export function gpujs(options?: GpujsOptions): GpujsBackend {
  const o = resolveOptions(options);
  if (o.mode === 'webgpu') installWebGPU();
  return new GpujsBackend(new Engine(o.mode, o.threads, o.finalize), o.randomArith);
}
