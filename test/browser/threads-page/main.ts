/**
 * The page: tries `wasmThreads` on its own main thread (which must refuse), records what
 * Chromium's `Atomics.wait` does there, then runs `worker.ts` in a dedicated Worker and puts
 * everything, as JSON, in `document.body.dataset.result`.
 */
import { wasmThreads, wasmThreadsStatus } from '@gen-ts/core/web';
import type { PageResult, WorkerResult } from './cases.js';

declare const document: { body: { dataset: Record<string, string> } };
declare const crossOriginIsolated: boolean;
declare const Worker: new (
  url: URL,
  options: { type: 'module' },
) => {
  onmessage: ((e: { data: WorkerResult }) => void) | null;
  onerror: ((e: { message: string }) => void) | null;
};

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function main(): Promise<void> {
  let error: string | null = null;
  try {
    const pool = await wasmThreads(2);
    await pool.terminate();
  } catch (e) {
    error = message(e);
  }
  let rawWait: string;
  try {
    rawWait = `returned ${Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0)}`;
  } catch (e) {
    rawWait = `${(e as Error).name}: ${message(e)}`;
  }
  const worker = await new Promise<PageResult['worker']>((resolve) => {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => resolve({ failed: e.message });
  });
  const result: PageResult = {
    main: { status: wasmThreadsStatus().reason, error },
    rawWait,
    crossOriginIsolated,
    worker,
  };
  document.body.dataset['result'] = JSON.stringify(result);
}

void main();
