/**
 * Worker threads for the products (Node): a product above the threshold is split between the
 * calling thread and the workers and gives the same bits as on one thread (each element is still
 * summed in order by one thread); smaller ones stay on the calling thread; `info()` counts both;
 * terminated workers make products throw instead of hanging; bad arguments are refused.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { conv, cpu, matmul, mT, normal, key, withBackend, type Tensor } from '../../index.js';
import { wasmThreads } from '../../node.js';

const pool = await wasmThreads(3);
afterAll(() => pool.terminate());

function product(
  be: ReturnType<typeof cpu>,
  m: number,
  k: number,
  n: number,
  transposed: boolean,
): Float64Array {
  return withBackend(be, () => {
    const a = normal(key(m), [m, k], { dtype: 'float64' });
    const b: Tensor = transposed
      ? mT(normal(key(n), [n, k], { dtype: 'float64' }))
      : normal(key(n), [k, n], { dtype: 'float64' });
    return matmul(a, b).dataSync() as Float64Array;
  });
}

describe('wasmThreads', () => {
  it('splits large products across 3 threads, bit for bit as on one thread', () => {
    const threaded = cpu({ threads: pool });
    const single = cpu({ kernels: 'wasm-simd' });
    expect(threaded.info()).toMatchObject({ kernels: 'wasm-simd', threads: 3 });
    // split by columns (n wide), by rows (m tall), and with a transposed operand
    for (const [m, k, n, t] of [
      [128, 300, 1000, false],
      [1000, 300, 64, false],
      [200, 257, 200, true],
    ] as const) {
      const [got, want] = [product(threaded, m, k, n, t), product(single, m, k, n, t)];
      expect(got.length).toBe(m * n);
      const first = got.findIndex((v, i) => !Object.is(v, want[i]));
      expect(first, `first differing element of ${m}x${k} @ ${k}x${n}`).toBe(-1);
    }
    expect(threaded.info().products).toEqual({ wasm: 0, threaded: 3, js: 0 });
  });

  it("splits a convolution's patch product (A built packed in place) by rows and by columns, bit for bit", () => {
    const threaded = cpu({ threads: pool });
    const single = cpu({ kernels: 'wasm-simd' });
    const run = (be: ReturnType<typeof cpu>, xs: number[], ws: number[]) =>
      withBackend(be, () => {
        const x = normal(key(1), xs, { dtype: 'float64' });
        const w = normal(key(2), ws, { dtype: 'float64' });
        return conv(x, w, {
          padding: [
            [1, 0],
            [0, 2],
          ],
        }).dataSync();
      });
    // 2560 rows x 16 columns (split by rows), then 40 rows x 1200 columns (split by columns)
    for (const [xs, ws] of [
      [
        [8, 17, 20, 3],
        [3, 3, 3, 16],
      ],
      [
        [1, 6, 8, 4],
        [3, 3, 4, 1200],
      ],
    ]) {
      const [got, want] = [run(threaded, xs!, ws!), run(single, xs!, ws!)];
      expect(got.length).toBeGreaterThan(0);
      expect(
        Array.from(got).findIndex((v, i) => !Object.is(v, want[i])),
        `${xs} * ${ws}`,
      ).toBe(-1);
    }
    expect(threaded.info().products).toEqual({ wasm: 0, threaded: 2, js: 0 });
    expect(single.info().products).toEqual({ wasm: 2, threaded: 0, js: 0 });
  });

  it('keeps products under the threshold (2^20 multiply-adds) on the calling thread', () => {
    const b = cpu({ threads: pool });
    product(b, 64, 64, 64, false); // 2^18
    product(b, 128, 128, 128, false); // 2^21
    expect(b.info().products).toEqual({ wasm: 1, threaded: 1, js: 0 });
  });

  it('refuses bad arguments, and products after terminate() throw', async () => {
    await expect(wasmThreads(0)).rejects.toThrow(/threads must be an integer in \[1, 33\], got 0/);
    await expect(wasmThreads(2, { min: 1 } as never)).rejects.toThrow(/unknown option 'min'/);
    expect(() => cpu({ threads: pool, kernels: 'js' })).toThrow(/needs kernels 'wasm-simd' or 'auto'/);
    const own = await wasmThreads(2, { minMultiplyAdds: 0 });
    const b = cpu({ threads: own });
    product(b, 40, 40, 40, false);
    expect(b.info().products.threaded).toBe(1);
    await own.terminate();
    expect(() => product(b, 40, 40, 40, false)).toThrow(/worker threads of this backend were terminated/);
  });
});
