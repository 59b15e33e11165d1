/**
 * The conformance suite on every gpu.js mode that can run here: gpu.js `cpu`, `webasm` (worker
 * threads under the async contract, and synchronous), and `webgpu` through Dawn (on a machine
 * without a GPU: its OpenGL ES backend on Mesa's software renderer). A mode that cannot run is
 * skipped with its reason in the test name; `headlessgl` needs the optional `gl` build (see the
 * package README) and is listed only when `GEN_TS_HEADLESSGL=1`.
 */
import type { Backend } from '@gen-ts/core';
import { gpujs, KERNEL_CLASS, type GpujsBackend, type GpujsMode, type GpujsOptions } from '@gen-ts/gpu';
import { expect } from 'vitest';
import { describeModes } from '../support/gpu-modes.js';
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

await describeModes('conformance: ', (m) => conformance(gpuCase(m.name, m.options)));
