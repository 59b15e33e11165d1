/**
 * The gpu.js modes the gpu suites run on, and the one rule for whether a mode runs here: a mode
 * that cannot run is skipped with its reason in the suite's name, except webgpu once `.ci/run` has
 * installed the Mesa packages Dawn needs and set GEN_TS_REQUIRE_WEBGPU=1: then a missing adapter
 * is a failing test. `headlessgl` needs the optional `gl` build (see packages/gpu/README.md) and is
 * listed only when GEN_TS_HEADLESSGL=1; that run leaves webgpu out, because headless-gl's ANGLE and
 * Dawn's Mesa EGL cannot share a process (Dawn finds no adapter once `gl` is loaded).
 */
import { gpujs, webgpuStatus, type GpujsMode, type GpujsOptions } from '@gen-ts/gpu';
import { describe, expect, it } from 'vitest';

const HEADLESSGL = process.env['GEN_TS_HEADLESSGL'] === '1';

/** One gpu.js configuration under test. */
export interface GpuMode {
  readonly name: string;
  readonly options: GpujsOptions & { mode: GpujsMode };
}

/** Every mode the suites cover, in order. */
export const GPU_MODES: readonly GpuMode[] = [
  { name: 'gpu.js cpu', options: { mode: 'cpu' } },
  { name: 'gpu.js webasm, 2 threads (async)', options: { mode: 'webasm', threads: 2 } },
  { name: 'gpu.js webasm, synchronous', options: { mode: 'webasm', threads: 0 } },
  { name: 'gpu.js webgpu (Dawn)', options: { mode: 'webgpu' } },
  ...(HEADLESSGL ? [{ name: 'gpu.js headlessgl', options: { mode: 'headlessgl' as const } }] : []),
];

/** Why a mode cannot run here, or null. */
export async function unavailable(mode: GpujsMode): Promise<string | null> {
  if (mode === 'webgpu' && HEADLESSGL)
    return 'left out of the GEN_TS_HEADLESSGL=1 run (ANGLE and Mesa EGL in one process)';
  if (mode === 'webgpu') {
    const s = await webgpuStatus();
    return s.available ? null : s.detail;
  }
  try {
    gpujs({ mode }).destroy();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** `describe(prefix + mode.name, () => body(mode))` for every mode that runs here (see the header). */
export async function describeModes(prefix: string, body: (m: GpuMode) => void): Promise<void> {
  const requireWebGPU = process.env['GEN_TS_REQUIRE_WEBGPU'] === '1';
  for (const m of GPU_MODES) {
    const why = await unavailable(m.options.mode);
    if (why === null) describe(`${prefix}${m.name}`, () => body(m));
    else if (m.options.mode === 'webgpu' && requireWebGPU && !HEADLESSGL) {
      describe(`${prefix}${m.name}`, () => {
        it('has an adapter (GEN_TS_REQUIRE_WEBGPU=1)', () => expect.fail(`webgpu unavailable: ${why}`));
      });
    } else describe.skip(`${prefix}${m.name} — unavailable here: ${why}`, () => undefined);
  }
}
