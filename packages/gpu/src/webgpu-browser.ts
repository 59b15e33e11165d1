/**
 * WebGPU in a browser: the page's own `navigator.gpu`, which gpu.js finds by itself. There is
 * nothing to install; the status asks it for an adapter as gpu.js will.
 */
import {
  adapterStatus,
  checkShimOptions,
  type AdapterLike,
  type WebGPUShimOptions,
  type WebGPUStatus,
} from './webgpu-status.js';

interface NavigatorGpu {
  requestAdapter(): Promise<AdapterLike | null>;
}

const navigatorGpu = (): NavigatorGpu | undefined =>
  (globalThis as { navigator?: { gpu?: NavigatorGpu } }).navigator?.gpu;

let status: Promise<WebGPUStatus> | null = null;

/**
 * Browser entry: a no-op (the page's `navigator.gpu` is what gpu.js uses), kept so code written
 * for Node runs unchanged. Rejects the Node-only `backend` option.
 */
export function installWebGPU(options: WebGPUShimOptions = {}): void {
  checkShimOptions('installWebGPU', options, false);
}

/**
 * Asks the page's `navigator.gpu` for an adapter. Resolves (never rejects) with whether one
 * answered and its description, or why there is none (no `navigator.gpu`: WebGPU is off or
 * unsupported in this browser, or the page is not a secure context); cached for the page.
 */
export function webgpuStatus(options: WebGPUShimOptions = {}): Promise<WebGPUStatus> {
  checkShimOptions('webgpuStatus', options, false);
  status ??= (async (): Promise<WebGPUStatus> => {
    const gpu = navigatorGpu();
    if (!gpu)
      return {
        available: false,
        detail:
          'navigator.gpu is undefined (WebGPU is off or unsupported here, or the page is not a secure context)',
        backend: 'native',
        featureLevel: 'core',
      };
    try {
      return adapterStatus(await gpu.requestAdapter(), 'native', 'core');
    } catch (e) {
      return {
        available: false,
        detail: `navigator.gpu.requestAdapter() threw: ${(e as Error).message}`,
        backend: 'native',
        featureLevel: 'core',
      };
    }
  })();
  return status;
}
