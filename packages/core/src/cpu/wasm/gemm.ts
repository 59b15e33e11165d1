/**
 * Runs batched products on the WebAssembly kernels. Tensors stay plain typed arrays (the cpu
 * backend's buffers are garbage-collected JavaScript memory); a product copies its two operands
 * into the module's memory, runs `gemm` there and copies the result out. The copies cost O(mk +
 * kn + mn) against the product's O(mnk) (a few percent of the MLP's products, see BENCHMARKS.md),
 * and they keep WebAssembly memory a scratch area: it grows to the largest single product seen
 * (one matrix of each operand, the result, and the packing buffers) and is reused, never holding
 * a tensor, so nothing in it can leak or dangle. With worker threads the memory is shared and the
 * output is split between the calling thread and the workers by column or row panels.
 */
import type { TypedArray } from '../../dtype.js';
import { matrixStrides, type Product } from '../matmul.js';
import type { MatrixOperand } from '../views.js';
import { F32X4, F64X2, nrOf, packBytes, type Tiling } from './gemm-module.js';
import { Heap } from './heap.js';
import type { WasmMemory, WasmModule, WebAssemblyApi } from './api.js';

/** The register and cache blocking, per precision (chosen with bench/cpu-tiling.ts). */
export const TILINGS: { readonly f32: Tiling; readonly f64: Tiling } = {
  f32: { mr: 5, nv: 2, unroll: 1, kc: 256, mc: 120, nc: 4096 },
  f64: { mr: 5, nv: 2, unroll: 1, kc: 256, mc: 120, nc: 2048 },
};

/** Bytes at the start of memory kept for the thread control block (see `threads.ts`). */
export const CONTROL_BYTES = 4096;
const ALIGN = 64;
const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;
/** The kernels address memory with 32-bit offsets; a product needing more runs in JavaScript. */
const MAX_BYTES = 2 ** 31;

/** What a thread pool offers the products: run `gemm_<precision>(...args)` on worker `w`, then wait. */
export interface GemmWorkers {
  /** Number of workers (the calling thread is one more participant). */
  readonly count: number;
  /** Starts a call on worker `w` (0-based); returns at once. */
  start(w: number, precision: 0 | 1, args: readonly number[]): void;
  /** Blocks until worker `w` has finished its call; throws the worker's error, if any. */
  wait(w: number): void;
}

/**
 * Where one product's data sits in the memory (byte offsets): the control block, `parts` pairs of
 * packing buffers, then one matrix of A, one of B, and C with `mr`-padded rows of `ldc` bytes.
 */
export interface ProductLayout {
  readonly packs: number;
  /** Bytes per thread's pair of packing buffers; B's buffer starts `packA` bytes into the pair. */
  readonly packStride: number;
  readonly packA: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly ldc: number;
  /** The first byte past the layout: the memory the product needs. */
  readonly end: number;
}

/**
 * The memory layout of an `m x k @ k x n` product in `dtype` split `parts` ways; with `packedA`,
 * A's region holds it packed (`m` rounded up to whole panels), and `extra` bytes follow the layout.
 */
export function productLayout(
  dtype: 'float32' | 'float64',
  m: number,
  n: number,
  k: number,
  parts: number,
  packedA = false,
  extra = 0,
): ProductLayout {
  const [p, t] = dtype === 'float32' ? [F32X4, TILINGS.f32] : [F64X2, TILINGS.f64];
  const es = p.bytes;
  const nr = nrOf(p, t);
  const ldc = Math.ceil(n / nr) * nr * es;
  const pack = packBytes(p, t);
  const packStride = align(pack.a) + align(pack.b);
  const a = CONTROL_BYTES + parts * packStride;
  const b = a + align((packedA ? Math.ceil(m / t.mr) * t.mr : m) * k * es);
  const c = b + align(k * n * es);
  const end = c + Math.ceil(m / t.mr) * t.mr * ldc;
  return { packs: CONTROL_BYTES, packStride, packA: align(pack.a), a, b, c, ldc, end: end + extra };
}

type GemmFn = (...args: number[]) => void;

/**
 * The inner-dimension and row blocks of one product: the tiling's `kc` and `mc` at most, split
 * evenly (784 = 4 x 196, not 3 x 256 + 16: a thin last block packs and stores a whole C panel
 * for a few steps), `mc` a multiple of `mr`.
 */
function evenBlocks(dtype: 'float32' | 'float64', m: number, k: number): [number, number] {
  const t = dtype === 'float32' ? TILINGS.f32 : TILINGS.f64;
  const kc = Math.ceil(k / Math.ceil(k / t.kc));
  const rows = Math.ceil(m / Math.ceil(m / t.mc));
  return [kc, Math.min(t.mc, Math.ceil(rows / t.mr) * t.mr)];
}

/** Products on one WebAssembly memory (shared with `workers`, if any). */
export class WasmGemm {
  private readonly fns: [GemmFn, GemmFn];
  private readonly im2col: [GemmFn, GemmFn];
  private readonly heap: Heap;

  constructor(
    api: WebAssemblyApi,
    module: WasmModule,
    readonly memory: WasmMemory,
    private readonly workers: GemmWorkers | null = null,
    /** Products with fewer multiply-adds than this run on the calling thread alone. */
    private readonly threadMin = 0,
  ) {
    const e = new api.Instance(module, { env: { memory } }).exports as Record<string, GemmFn>;
    this.fns = [e['gemm_f32']!, e['gemm_f64']!];
    this.im2col = [e['im2col_f32']!, e['im2col_f64']!];
    this.heap = new Heap(memory);
  }

  /** Current size of the WebAssembly memory, in bytes. */
  get bytes(): number {
    return this.heap.bytes;
  }

  /** Threads available to one product (the calling thread included). */
  get threads(): number {
    return 1 + (this.workers?.count ?? 0);
  }

  /**
   * `res = a @ b` for float32 or float64 operands (`g.k` > 0); returns the number of threads that
   * ran it (1: the calling thread alone), or 0 when the product is too large for 32-bit
   * addressing (the caller then runs it in JavaScript).
   */
  matmul(
    dtype: 'float32' | 'float64',
    a: MatrixOperand,
    b: MatrixOperand,
    g: Product,
    res: TypedArray,
  ): number {
    const { m, n, k } = g;
    const parts = this.workers && m * n * k >= this.threadMin ? this.threads : 1;
    const L = productLayout(dtype, m, n, k, parts);
    if (L.end > MAX_BYTES) return 0;
    const heap = this.heap.view(dtype, L.end);
    const es = dtype === 'float32' ? 4 : 8;
    const [rsa, csa] = matrixStrides(a, m, k);
    const [rsb, csb] = matrixStrides(b, k, n);
    const args = [L.a, rsa * es, csa * es, L.b, rsb * es, csb * es, L.c, L.ldc, m, n, k];
    const blocks = evenBlocks(dtype, m, k);
    let [loadedA, loadedB, ran] = [-1, -1, 1];
    for (let t = 0; t < g.nb; t++) {
      const ta = g.ia ? g.ia[t]! : t;
      const tb = g.ib ? g.ib[t]! : t;
      if (ta !== loadedA) heap.set(a.data.subarray(ta * m * k, (ta + 1) * m * k), L.a / es);
      if (tb !== loadedB) heap.set(b.data.subarray(tb * k * n, (tb + 1) * k * n), L.b / es);
      [loadedA, loadedB] = [ta, tb];
      ran = this.run(dtype, parts, args, false, L, blocks);
      copyOut(heap, L, m, n, es, res, t * m * n);
    }
    return ran;
  }

  /**
   * A convolution's product `res = patches @ w` (`m x k @ k x n`, `k` > 0): `x`'s patch matrix is
   * written by the `im2col` kernel straight into A's packed layout (see `gemm-module.ts`), so it
   * is never built in JavaScript, copied in, or packed again. `table` holds, per output position
   * and tap, the element offset of the tap's `cg` channels in one image (`imageSize` elements), or
   * -1 for a hole. Returns the threads that ran it, or 0 when it is too large (the caller then
   * takes the general path).
   */
  conv(
    dtype: 'float32' | 'float64',
    x: TypedArray,
    table: Int32Array,
    im: {
      readonly positions: number;
      readonly taps: number;
      readonly cg: number;
      readonly imageSize: number;
    },
    w: MatrixOperand,
    g: { readonly m: number; readonly n: number; readonly k: number },
    res: TypedArray,
  ): number {
    const { m, n, k } = g;
    const es = dtype === 'float32' ? 4 : 8;
    const parts = this.workers && m * n * k >= this.threadMin ? this.threads : 1;
    const xAt = align(x.length * es);
    const L = productLayout(dtype, m, n, k, parts, true, xAt + table.length * 4);
    if (L.end > MAX_BYTES) return 0;
    const heap = this.heap.view(dtype, L.end);
    const [X, T] = [L.end - xAt - table.length * 4, L.end - table.length * 4];
    const mr = (dtype === 'float32' ? TILINGS.f32 : TILINGS.f64).mr;
    heap.set(x, X / es);
    const offsets = this.heap.i32(L.end).subarray(T / 4, T / 4 + table.length);
    for (let i = 0; i < table.length; i++) offsets[i] = table[i]! < 0 ? -1 : table[i]! * es;
    heap.fill(0, L.a / es, L.a / es + Math.ceil(m / mr) * mr * k);
    this.im2col[dtype === 'float32' ? 0 : 1](X, T, L.a, m, im.positions, im.taps, im.cg, im.imageSize * es, mr * k * es); // prettier-ignore
    heap.set(w.data, L.b / es);
    const [rsb, csb] = matrixStrides(w, k, n);
    const args = [L.a, k * es, 0, L.b, rsb * es, csb * es, L.c, L.ldc, m, n, k];
    const ran = this.run(dtype, parts, args, true, L, evenBlocks(dtype, m, k));
    copyOut(this.heap.view(dtype, 0), L, m, n, es, res, 0);
    return ran;
  }

  /**
   * One `gemm` over `parts` threads: the output is cut into `parts` strips of whole register
   * tiles along its longer side (in tiles), each thread with its own packing buffers. Returns the
   * number of threads that had a strip.
   */
  private run(
    dtype: 'float32' | 'float64',
    parts: number,
    args: readonly number[],
    packedA: boolean,
    L: ProductLayout,
    [kc, mc]: readonly [number, number],
  ): number {
    const [p, t] = dtype === 'float32' ? [F32X4, TILINGS.f32] : [F64X2, TILINGS.f64];
    const [a, rsa, csa, b, rsb, csb, c, ldc, m, n, k] = args as [
      number, number, number, number, number, number, number, number, number, number, number,
    ]; // prettier-ignore
    const nr = nrOf(p, t);
    const byCols = Math.ceil(n / nr) >= Math.ceil(m / t.mr);
    const unit = byCols ? nr : t.mr;
    const total = byCols ? n : m;
    const per = Math.ceil(Math.ceil(total / unit) / parts) * unit;
    const strip = (i: number): number[] => {
      const s = i * per;
      const len = Math.min(per, total - s);
      const pa = L.packs + i * L.packStride;
      const pb = pa + L.packA;
      const flag = packedA ? 1 : 0;
      if (byCols)
        return [a, rsa, csa, b + s * csb, rsb, csb, c + s * p.bytes, ldc, m, len, k, pa, pb, kc, mc, flag];
      // a row strip of packed panels starts `s * rsa` bytes in too (`s` is whole panels, `rsa` = k elements)
      return [a + s * rsa, rsa, csa, b, rsb, csb, c + s * ldc, ldc, len, n, k, pa, pb, kc, mc, flag];
    };
    const fn = dtype === 'float32' ? 0 : 1;
    let started = 0;
    for (let i = 1; i < parts && i * per < total; i++, started++) this.workers!.start(i - 1, fn, strip(i));
    this.fns[fn](...strip(0));
    for (let w = 0; w < started; w++) this.workers!.wait(w);
    return 1 + started;
  }
}

/** Copies C (rows `ldc` apart in the layout) into `res` from element `at`. */
function copyOut(
  heap: Float32Array | Float64Array,
  L: ProductLayout,
  m: number,
  n: number,
  es: number,
  res: TypedArray,
  at: number,
): void {
  const [c0, ldc] = [L.c / es, L.ldc / es];
  if (ldc === n) res.set(heap.subarray(c0, c0 + m * n), at);
  else for (let i = 0; i < m; i++) res.set(heap.subarray(c0 + i * ldc, c0 + i * ldc + n), at + i * n);
}
