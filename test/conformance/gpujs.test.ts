/**
 * The conformance suite on every gpu.js mode that can run here: gpu.js `cpu`, `webasm` (worker
 * threads under the async contract, and synchronous), and `webgpu` through Dawn (on a machine
 * without a GPU: its OpenGL ES backend on Mesa's software renderer). A mode that cannot run is
 * skipped with its reason in the test name; `headlessgl` needs the optional `gl` build (see the
 * package README) and is listed only when `GEN_TS_HEADLESSGL=1`.
 */
import type { Backend } from '@gen-ts/core';
import {
  gpujs,
  KERNEL_CLASS,
  webgpuStatus,
  type GpujsBackend,
  type GpujsMode,
  type GpujsOptions,
} from '@gen-ts/gpu';
import { describe, expect, it } from 'vitest';
import { conformance, type ConformanceBackend } from './suite.js';

function gpuCase(name: string, options: GpujsOptions & { mode: GpujsMode }): ConformanceBackend {
  let launches = 0;
  return {
    name,
    create: async () => {
      const b = gpujs(options);
      await b.ready();
      return b;
    },
    dtype: 'float32',
    rtol: 1e-4,
    atol: 1e-5,
    assertRan(b: Backend) {
      const info = (b as GpujsBackend).info();
      expect(info.mode).toBe(options.mode);
      expect(info.ranOn).toEqual([KERNEL_CLASS[options.mode]]);
      expect(info.launches).toBeGreaterThan(launches); // this test ran kernels on this backend
      launches = info.launches;
    },
    destroy: (b) => (b as GpujsBackend).destroy(),
  };
}

/** Why a mode cannot run here, or null. */
async function unavailable(mode: GpujsMode): Promise<string | null> {
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

const cases: [ConformanceBackend, GpujsMode][] = [
  [gpuCase('gpu.js cpu', { mode: 'cpu' }), 'cpu'],
  [gpuCase('gpu.js webasm, 2 threads (async)', { mode: 'webasm', threads: 2 }), 'webasm'],
  [gpuCase('gpu.js webasm, synchronous', { mode: 'webasm', threads: 0 }), 'webasm'],
  [gpuCase('gpu.js webgpu (Dawn)', { mode: 'webgpu' }), 'webgpu'],
];
if (process.env['GEN_TS_HEADLESSGL'] === '1')
  cases.push([gpuCase('gpu.js headlessgl', { mode: 'headlessgl' }), 'headlessgl']);

// .ci/run sets this once it has installed the Mesa packages Dawn needs: from then on a missing
// webgpu adapter is a failure, not a skip.
const requireWebGPU = process.env['GEN_TS_REQUIRE_WEBGPU'] === '1';

const runnable: ConformanceBackend[] = [];
for (const [c, mode] of cases) {
  const why = await unavailable(mode);
  if (why === null) runnable.push(c);
  else if (mode === 'webgpu' && requireWebGPU) {
    describe(`conformance: ${c.name}`, () => {
      it('has an adapter (GEN_TS_REQUIRE_WEBGPU=1)', () => expect.fail(`webgpu unavailable: ${why}`));
    });
  } else describe.skip(`conformance: ${c.name} — unavailable here: ${why}`, () => undefined);
}

describe.each(runnable)('conformance: $name', (c) => conformance(c));
