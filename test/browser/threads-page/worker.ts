/**
 * The page's dedicated Worker: starts `wasmThreads(2)` of `@gen-ts/core/web` and runs every case
 * on the threaded backend and on one thread, then checks that products throw after terminate().
 */
import { cpu, key, matmul, mT, normal, ones, tensor, withBackend, type Tensor } from '@gen-ts/core';
import { wasmThreads, wasmThreadsStatus } from '@gen-ts/core/web';
import { CASES, type CaseResult, type WorkerResult } from './cases.js';

declare function postMessage(data: unknown): void;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function run(): Promise<WorkerResult> {
  const status = wasmThreadsStatus().reason;
  let pool;
  try {
    pool = await wasmThreads(2, { minMultiplyAdds: 0 });
  } catch (e) {
    return { status, error: message(e) };
  }
  const threaded = cpu({ threads: pool });
  const single = cpu({ kernels: 'wasm-simd' });
  const cases: CaseResult[] = CASES.map((c, i) => {
    const a = withBackend(single, () => normal(key(2 * i), c.a, { dtype: c.dtype }).dataSync());
    const b = withBackend(single, () => normal(key(2 * i + 1), c.b, { dtype: c.dtype }).dataSync());
    const product = (backend: ReturnType<typeof cpu>): Tensor =>
      withBackend(backend, () => {
        const x = tensor(a, { shape: c.a, dtype: c.dtype });
        const y = tensor(b, { shape: c.b, dtype: c.dtype });
        return matmul(c.ta ? mT(x) : x, c.tb ? mT(y) : y);
      });
    const t = product(threaded);
    return {
      a: Array.from(a),
      b: Array.from(b),
      shape: [...t.shape],
      threaded: Array.from(t.dataSync()),
      single: Array.from(product(single).dataSync()),
    };
  });
  const info = threaded.info();
  const singleInfo = single.info();
  await pool.terminate();
  let afterTerminate = 'no error';
  try {
    withBackend(threaded, () => matmul(ones([40, 40]), ones([40, 40])).dataSync());
  } catch (e) {
    afterTerminate = message(e);
  }
  return { status, error: null, cases, info, singleInfo, afterTerminate };
}

run().then(postMessage, (e: unknown) => postMessage({ status: null, error: `threw: ${message(e)}` }));
