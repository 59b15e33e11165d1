/**
 * The products the threads page runs, shared by the page's worker (which runs them) and the test
 * (which recomputes them in float64): odd sizes, a batch broadcast, transposed operands read in
 * place, in both float dtypes.
 */
import type { CpuInfo } from '@gen-ts/core';

/** One product: `op(a) @ op(b)`, where `op` is `mT` when the flag is set (stored shapes given). */
export interface ProductCase {
  readonly name: string;
  readonly dtype: 'float32' | 'float64';
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly ta: boolean;
  readonly tb: boolean;
}

const SHAPES: readonly Omit<ProductCase, 'dtype'>[] = [
  { name: '17x127 @ 127x33', a: [17, 127], b: [127, 33], ta: false, tb: false },
  { name: '1x127 @ 127x3', a: [1, 127], b: [127, 3], ta: false, tb: false },
  { name: 'batch [2,1] x [3]: 17x31 @ 31x19', a: [2, 1, 17, 31], b: [3, 31, 19], ta: false, tb: false },
  { name: 'mT(31x17) @ mT(19x31)', a: [31, 17], b: [19, 31], ta: true, tb: true },
  { name: 'batch [3] x []: mT(3x(23x17)) @ 23x129', a: [3, 23, 17], b: [23, 129], ta: true, tb: false },
];

/** Every shape in float32 and float64. */
export const CASES: readonly ProductCase[] = (['float32', 'float64'] as const).flatMap((dtype) =>
  SHAPES.map((s) => ({ ...s, dtype })),
);

/** What the worker reports for one case: its inputs and the two results, as plain numbers. */
export interface CaseResult {
  readonly a: number[];
  readonly b: number[];
  readonly shape: number[];
  readonly threaded: number[];
  readonly single: number[];
}

/** What the page reports (the `data-result` attribute of its body). */
export interface PageResult {
  /** On the page's main thread: `wasmThreadsStatus().reason` and what `wasmThreads(2)` threw. */
  readonly main: { readonly status: string | null; readonly error: string | null };
  /** What Chromium's `Atomics.wait` does on the main thread, raw. */
  readonly rawWait: string;
  readonly crossOriginIsolated: boolean;
  /** From the dedicated Worker. */
  readonly worker: WorkerResult | { readonly failed: string };
}

/** What the dedicated Worker reports. */
export interface WorkerResult {
  readonly status: string | null;
  /** What `wasmThreads(2, { minMultiplyAdds: 0 })` threw, or null. */
  readonly error: string | null;
  readonly cases?: CaseResult[];
  readonly info?: CpuInfo;
  readonly singleInfo?: CpuInfo;
  /** What a product on the pool threw after `terminate()`. */
  readonly afterTerminate?: string;
}
