/**
 * Which path the cpu backend's products take and how it says so: the SIMD kernels by default
 * here, plain loops when asked or when WebAssembly or its SIMD is missing (with the reason), int32
 * products in plain loops; options are validated. Also the kernels' memory: it grows to what one
 * product needs (one matrix of each operand, the result and the packing buffers), is reused, and
 * stays flat over a training loop.
 */
import { describe, expect, it } from 'vitest';
import {
  cpu,
  key,
  matmul,
  mean,
  normal,
  ones,
  relu,
  square,
  sub,
  mul,
  tensor,
  valueAndGrad,
  withBackend,
  type Tensor,
} from '../../index.js';
import { compileKernels, globalWebAssembly, loadSingle, type WebAssemblyApi } from './api.js';
import { productLayout, TILINGS } from './gemm.js';
import { gemmModule } from './gemm-module.js';
import { elementwiseModule } from './elementwise.js';
import { operand } from '../views.js';
import { productOf } from '../matmul.js';

describe('the path products take', () => {
  it('runs float products on the SIMD kernels by default and counts them', () => {
    const b = cpu();
    expect(b.info()).toMatchObject({ kernels: 'wasm-simd', reason: null, threads: 1 });
    withBackend(b, () => {
      matmul(ones([2, 3]), ones([3, 4]));
      matmul(ones([2, 3], { dtype: 'float64' }), ones([3, 4], { dtype: 'float64' }));
    });
    expect(b.info().products).toEqual({ wasm: 2, threaded: 0, js: 0 });
  });

  it('runs int32 products in plain loops, exactly, and says so in the counts', () => {
    const b = cpu();
    const c = withBackend(b, () =>
      matmul(
        tensor([1, 2, 3, 4], { shape: [2, 2], dtype: 'int32' }),
        tensor([5, 6, 7, 8], { shape: [2, 2], dtype: 'int32' }),
      ),
    );
    expect(c.toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
    expect(b.info().products).toEqual({ wasm: 0, threaded: 0, js: 1 });
  });

  it("falls back to plain loops on kernels: 'js', and reports it", () => {
    const b = cpu({ kernels: 'js' });
    withBackend(b, () => matmul(ones([2, 3]), ones([3, 4])));
    expect(b.info()).toMatchObject({
      kernels: 'js',
      reason: "the option kernels: 'js' was given",
      wasmBytes: 0,
    });
    expect(b.info().products).toEqual({ wasm: 0, threaded: 0, js: 1 });
  });

  it('reports why the kernels cannot run: no WebAssembly, no SIMD, a refused compile', () => {
    expect(loadSingle(undefined)).toEqual({ ok: false, reason: 'this runtime has no WebAssembly' });
    const real = globalWebAssembly()!;
    const noSimd: WebAssemblyApi = { ...real, validate: () => false };
    expect(loadSingle(noSimd)).toEqual({
      ok: false,
      reason: 'this WebAssembly engine has no SIMD (128-bit vectors)',
    });
    const refuses: WebAssemblyApi = {
      ...real,
      validate: real.validate.bind(real),
      Module: class {
        constructor() {
          throw new RangeError('WebAssembly.Module(): buffer size exceeds the limit');
        }
      },
    };
    const r = loadSingle(refuses);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/compiling the WebAssembly kernels failed: .*exceeds the limit/);
  });

  it('validates options once, naming the option', () => {
    expect(() => cpu({ kernel: 'js' } as never)).toThrow(/cpu: unknown option 'kernel'/);
    expect(() => cpu({ kernels: 'simd' as never })).toThrow(
      /option 'kernels' must be 'auto', 'wasm-simd' or 'js'/,
    );
    expect(() => cpu({ threads: 2 as never })).toThrow(/option 'threads' must come from wasmThreads/);
    expect(cpu({ kernels: 'wasm-simd' }).info().kernels).toBe('wasm-simd');
  });

  it('keeps the module small enough for a synchronous compile on a browser main thread (4 KiB)', () => {
    expect(gemmModule({ initialPages: 1, shared: false }, TILINGS).length).toBeLessThan(4096);
    for (const p of ['f32', 'f64'] as const) expect(elementwiseModule(p).length).toBeLessThan(4096);
    expect('module' in compileKernels(globalWebAssembly(), true)).toBe(true);
  });
});

describe('the kernels memory', () => {
  it('grows to one product’s layout and is reused by products that fit', () => {
    const fresh = loadSingle(globalWebAssembly());
    if (!fresh.ok) throw new Error(fresh.reason);
    const g = fresh.gemm;
    const run = (m: number, k: number, n: number, nb = 1) => {
      const a = ones([nb, m, k], { dtype: 'float64' });
      const b = ones([k, n], { dtype: 'float64' });
      const p = productOf(a.shape, b.shape, [nb, m, n]);
      const res = new Float64Array(nb * m * n);
      expect(g.matmul('float64', operand(a), operand(b), p, res)).toBe(1);
      expect(res.every((v) => v === k)).toBe(true);
    };
    const pages = (m: number, n: number, k: number) =>
      Math.ceil(productLayout('float64', m, n, k, 1).end / 65536) * 65536;
    run(200, 300, 100);
    expect(g.bytes).toBe(pages(200, 100, 300));
    for (let i = 0; i < 5; i++) run(200, 300, 100);
    run(100, 100, 100, 8); // a batch reuses the room of one matrix
    run(3, 5, 7);
    expect(g.bytes).toBe(pages(200, 100, 300));
    run(400, 300, 100);
    expect(g.bytes).toBe(pages(400, 100, 300));
  });

  it('stays flat over 30 training steps of a two-layer MLP', () => {
    const b = cpu();
    const sizes: number[] = [];
    withBackend(b, () => {
      const x = normal(key(1), [32, 64]);
      const y = normal(key(2), [32, 10]);
      let w = [mul(normal(key(3), [64, 48]), 0.1), mul(normal(key(4), [48, 10]), 0.1)];
      const loss = (v: Tensor[]) => mean(square(sub(matmul(relu(matmul(x, v[0]!)), v[1]!), y)));
      for (let i = 0; i < 30; i++) {
        const [l, g] = valueAndGrad(loss)(w) as [Tensor, Tensor[]];
        w = w.map((t, j) => sub(t, mul(g[j]!, 0.1)));
        l.dataSync();
        sizes.push(b.info().wasmBytes);
      }
    });
    expect(new Set(sizes).size).toBe(1);
    // per step: 2 forward products, 3 backward (the input needs no gradient)
    expect(b.info().products).toEqual({ wasm: 30 * 5, threaded: 0, js: 0 });
  });
});
