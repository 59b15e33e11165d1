/**
 * The backends the page can run on, and what it tells about the one running: the Backend's name,
 * and for gpu.js the kernel classes that actually ran (gpu.js falls back to its JavaScript kernels
 * silently; `@gen-ts/gpu` checks each kernel's class, and the page shows what it saw). A backend
 * that cannot run here is reported with the reason, never swapped for another.
 */
import { cpu, type Backend } from '@gen-ts/core';
import { gpujs, webgpuStatus, type GpujsBackend, type GpujsMode } from '@gen-ts/gpu';

/** The page's backend choices. */
export type BackendId = 'webgpu' | 'webgl2' | 'webasm' | 'cpu';

/** Menu entries. */
export const BACKENDS: readonly { id: BackendId; label: string }[] = [
  { id: 'webgpu', label: 'webgpu (gpu.js on navigator.gpu)' },
  { id: 'webgl2', label: 'webgl2 (gpu.js on WebGL2)' },
  { id: 'webasm', label: 'webasm (gpu.js WebAssembly + SIMD)' },
  { id: 'cpu', label: 'cpu (the reference backend)' },
];

/** A backend that answered, with what the page shows about it. */
export interface RunningBackend {
  readonly id: BackendId;
  readonly backend: Backend;
  /** One line: the device or engine behind it. */
  readonly detail: string;
  /** The kernel classes seen running so far (gpu.js), or the backend's name (cpu). */
  ranOn(): readonly string[];
  /** Releases what it holds (gpu.js kernels and device memory). */
  destroy(): void;
}

/** Starts backend `id`; rejects with the reason when it cannot run in this browser. */
export async function startBackend(id: BackendId): Promise<RunningBackend> {
  if (id === 'cpu') {
    // WebAssembly SIMD products where the page may compile them; compiled loops, or closures where
    // the page's CSP forbids new Function
    const backend = cpu();
    return {
      id,
      backend,
      detail: `on the page thread: products on ${backend.info().kernels}, elementwise loops ${backend.loops}`,
      ranOn: () => [backend.name],
      destroy() {},
    };
  }
  let detail = `gpu.js ${id}`;
  if (id === 'webgpu') {
    const s = await webgpuStatus();
    if (!s.available) throw new Error(`webgpu: ${s.detail}`);
    detail = `adapter: ${Object.values(s.adapter ?? {}).join(' ') || s.detail}`;
  }
  const b: GpujsBackend = gpujs({ mode: id satisfies GpujsMode });
  try {
    await b.ready(); // one kernel end to end: rejects if the mode cannot run or fell back
  } catch (e) {
    b.destroy();
    throw e;
  }
  if (id === 'webasm') detail = `gpu.js webasm, ${b.info().threads} worker threads (on the page thread)`;
  if (id === 'webgl2') detail = `renderer: ${webgl2Renderer()}`;
  return { id, backend: b, detail, ranOn: () => b.info().ranOn, destroy: () => b.destroy() };
}

/** The WebGL2 renderer string (SwiftShader, ANGLE on a GPU, ...), as the page's WebGL2 reports it. */
function webgl2Renderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'unknown (no WebGL2 context)';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}
