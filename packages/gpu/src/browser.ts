/**
 * `@gen-ts/gpu` for browsers (the `browser` export condition): the same API as the Node entry, on
 * the page's own WebGL2 and `navigator.gpu`, with no Node module in its import graph.
 */
import type { GpujsBackend } from './backend.js';
import { createGpujs } from './create.js';
import type { GpujsOptions } from './options.js';
import { BROWSER } from './platform-browser.js';

export * from './common.js';
export { installWebGPU, webgpuStatus } from './webgpu-browser.js';

/**
 * Creates a gpu.js backend in a browser: `webgl2`, `webgpu` (`navigator.gpu`), `webasm` (on the
 * page's thread: `threads` must be 0) or `cpu`. Throws when the mode's kernel class is not
 * supported in this browser; `await backend.ready()` checks that a kernel runs.
 */
export function gpujs(options?: GpujsOptions): GpujsBackend {
  return createGpujs(BROWSER, options);
}
