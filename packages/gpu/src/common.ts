/** What both entries export unchanged; each adds `gpujs`, `installWebGPU` and `webgpuStatus`. */
export { GpujsBackend, GPUJS_DTYPES, KEPT_CONSTANTS, type GpujsInfo } from './backend.js';
export { KERNEL_CLASS, type GpujsMode } from './engine.js';
export type { GpujsOptions } from './options.js';
export type { RandomArith } from './kernels/random.js';
export type { FeatureLevel, WebGPUShimOptions, WebGPUStatus } from './webgpu-status.js';
