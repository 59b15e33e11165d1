/**
 * The conformance suite on the cpu backend: first its plain loops in float64 (the reference the
 * others are judged against), then its WebAssembly SIMD products in float64 and float32, and split
 * across worker threads. After each test the backend must show that its products ran on the path
 * named (`info()`), so a silent fallback fails.
 */
import { cpu, type Backend, type CpuBackend, type CpuThreads } from '@gen-ts/core';
import { wasmThreads } from '@gen-ts/core/node';
import { describe, expect } from 'vitest';
import { conformance, type ConformanceBackend } from './suite.js';

type Path = 'js' | 'wasm' | 'threaded';

const threads = await wasmThreads(2, { minMultiplyAdds: 0 });

/**
 * One cpu configuration. After each test, every product so far ran on `path` (the suite's
 * products are all float); with threads, products too small to split run on the calling thread
 * (`wasm`), and at the end some must have been split.
 */
function cpuCase(
  name: string,
  dtype: 'float64' | 'float32',
  path: Path,
  create: () => Backend | Promise<Backend>,
  threads?: CpuThreads,
): ConformanceBackend {
  const info = (b: Backend) => (b as CpuBackend).info();
  return {
    name,
    create,
    dtype,
    rtol: dtype === 'float64' ? 1e-10 : 1e-4,
    atol: dtype === 'float64' ? 1e-12 : 1e-5,
    assertRan(b: Backend) {
      expect(b.name).toBe('cpu');
      const i = info(b);
      expect(i.kernels).toBe(path === 'js' ? 'js' : 'wasm-simd');
      expect(i.threads).toBe(threads?.threads ?? 1);
      expect(i.products.js, 'products in JavaScript').toBe(path === 'js' ? i.products.js : 0);
      if (path === 'js') expect(i.products.wasm + i.products.threaded).toBe(0);
      if (path === 'wasm') expect(i.products.threaded).toBe(0);
    },
    destroy(b: Backend) {
      // some products were split (unless a filtered run ran almost none)
      const p = info(b).products;
      if (path === 'threaded' && p.wasm + p.threaded > 10) expect(p.threaded).toBeGreaterThan(10);
      void threads?.terminate();
    },
  };
}

const cases = [
  cpuCase('cpu plain loops (float64 reference)', 'float64', 'js', () => cpu({ kernels: 'js' })),
  cpuCase('cpu wasm-simd float64', 'float64', 'wasm', () => cpu({ kernels: 'wasm-simd' })),
  cpuCase('cpu wasm-simd float32', 'float32', 'wasm', () => cpu({ kernels: 'wasm-simd' })),
  // threshold 0: every product with more than one column or row panel is split
  cpuCase('cpu wasm-simd float64, 2 threads', 'float64', 'threaded', () => cpu({ threads }), threads),
];

describe.each(cases)('conformance: $name', (c) => conformance(c));
