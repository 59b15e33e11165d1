/** What `webgpuStatus()` reports, in Node (Dawn) and in a browser (the page's `navigator.gpu`). */

/** What the shim reports about the adapter it found (or why it found none). */
export interface WebGPUStatus {
  /** True when an adapter answered. */
  readonly available: boolean;
  /** Adapter description (e.g. `OpenGL ES 3.2 Mesa 22.3.6`), or why none was found. */
  readonly detail: string;
  /**
   * The Dawn backend asked for (`opengles`, `vulkan`, ...), or `native` where `navigator.gpu` is
   * the runtime's own (a browser).
   */
  readonly backend: string;
  /** The feature level asked for: `compatibility` on Dawn's OpenGL backends, else `core`. */
  readonly featureLevel: FeatureLevel;
  /** The adapter's `info` (vendor, architecture, device, description) when one answered. */
  readonly adapter?: Readonly<Record<string, string>>;
}

/** Options for `installWebGPU` and `webgpuStatus`. */
export interface WebGPUShimOptions {
  /**
   * Node only: the Dawn backend to use (`opengles`, `vulkan`, ...). Default: `GEN_TS_DAWN_BACKEND`,
   * else `opengles`. A browser has its own WebGPU and rejects this option.
   */
  backend?: string;
}

/** The WebGPU feature level the shim asks Dawn for. */
export type FeatureLevel = 'compatibility' | 'core';

/** The part of a WebGPU adapter that is reported. */
export interface AdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; device?: string };
}

/** The status for the adapter `requestAdapter()` answered with (null: none). */
export function adapterStatus(
  adapter: AdapterLike | null,
  backend: string,
  featureLevel: FeatureLevel,
): WebGPUStatus {
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
}

/** Rejects options other than `backend` (and, where `allowBackend` is false, `backend` too). */
export function checkShimOptions(fn: string, o: WebGPUShimOptions, allowBackend: boolean): void {
  if (typeof o !== 'object' || o === null) throw new TypeError(`${fn}: options must be an object`);
  for (const k of Object.keys(o)) {
    if (k !== 'backend') throw new TypeError(`${fn}: unknown option '${k}'`);
    if (!allowBackend)
      throw new TypeError(`${fn}: option 'backend' picks a Dawn backend, which exists in Node only`);
  }
}
