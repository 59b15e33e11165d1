/**
 * `@gen-ts/gpu`: a `@gen-ts/core` Backend whose kernels are compiled by gpu.js, in float32. This
 * is the Node entry (Dawn for WebGPU, worker threads for webasm); bundlers that honour the
 * `browser` export condition get `browser.ts` instead, with the same API.
 *
 * ```ts
 * import { useBackend } from '@gen-ts/core';
 * import { gpujs } from '@gen-ts/gpu';
 * useBackend(gpujs({ mode: 'webasm' }));
 * ```
 *
 * @packageDocumentation
 */
import type { GpujsBackend } from './backend.js';
import { createGpujs } from './create.js';
import type { GpujsOptions } from './options.js';
import { NODE } from './platform-node.js';

export * from './common.js';
export { installWebGPU, webgpuStatus } from './webgpu-node.js';

/**
 * Creates a gpu.js backend. Throws when the mode's kernel class is not supported here (e.g.
 * `headlessgl` without the `gl` package, `webgl2` outside a browser). On `webgpu` the adapter is
 * only asked for on the first kernel; `await backend.ready()` checks that one answers.
 */
export function gpujs(options?: GpujsOptions): GpujsBackend {
  return createGpujs(NODE, options);
}
