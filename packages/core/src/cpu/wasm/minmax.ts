/**
 * Elementwise `maximum` and `minimum` of float arrays on f32x4 / f64x2. In plain JavaScript,
 * `Math.max` compiles to compare-and-branch code, and on data with random signs (relu's input)
 * half the branches mispredict: 4x the time of a multiply (BENCHMARKS.md). The SIMD min/max are
 * branch-free with exactly `Math.max`'s semantics (NaN if either is NaN, -0 below +0). The two
 * inputs are copied into the module's own memory and the result out, as for the products.
 */
import type { TypedArray } from '../../dtype.js';
import type { WasmMemory, WasmModule, WebAssemblyApi } from './api.js';
import { Code, encodeModule, I32, type Op } from './emit.js';
import { Heap } from './heap.js';

const OPS: Record<string, Op> = {
  max_f32: 'f32x4.max',
  min_f32: 'f32x4.min',
  max_f64: 'f64x2.max',
  min_f64: 'f64x2.min',
};

/** `f(a, b, out, vectors, bStep)`: `out[i] = op(a[i], b[i])` per 16-byte vector; `bStep` 0 repeats b's first vector. */
function loop(op: Op): Code {
  const c = new Code([I32, I32, I32, I32, I32]);
  const [a, b, out, vectors, bStep] = [0, 1, 2, 3, 4];
  const i = c.local(I32);
  c.for(i, 0, { local: vectors }, 1, () => {
    c.get(out).get(a).mem('v128.load').get(b).mem('v128.load').op(op).mem('v128.store');
    c.bump(a, 16).bump(b, { local: bStep }).bump(out, 16);
  });
  return c;
}

/** The module's bytes (imports one plain memory). */
export function minmaxModule(): Uint8Array {
  return encodeModule(
    { initialPages: 1, shared: false },
    Object.entries(OPS).map(([name, op]) => ({ name, params: [I32, I32, I32, I32, I32], code: loop(op) })),
  );
}

/** Elements below which the copies cost more than the branches they save. */
const MIN_ELEMENTS = 64;
const round16 = (n: number): number => Math.ceil(n / 16) * 16;

/** The branch-free elementwise maximum and minimum, on their own memory. */
export class WasmMinMax {
  private readonly fns: Record<string, (...args: number[]) => void>;
  private readonly heap: Heap;

  constructor(api: WebAssemblyApi, module: WasmModule, memory: WasmMemory) {
    this.fns = new api.Instance(module, { env: { memory } }).exports as typeof this.fns;
    this.heap = new Heap(memory);
  }

  /**
   * `res = op(a, b)` for float arrays where `a` and `b` have `res.length` elements or one
   * (broadcast); returns false, doing nothing, for any other shape of input (the caller then
   * runs its loop).
   */
  run(
    op: 'maximum' | 'minimum',
    dtype: 'float32' | 'float64',
    a: TypedArray,
    b: TypedArray,
    res: TypedArray,
  ): boolean {
    const n = res.length;
    if (n < MIN_ELEMENTS) return false;
    // max and min are symmetric (both NaN-propagating, -0 < +0 either way): a broadcast scalar goes second
    if (a.length === 1 && b.length === n) [a, b] = [b, a];
    if (a.length !== n || (b.length !== n && b.length !== 1)) return false;
    const es = dtype === 'float32' ? 4 : 8;
    const lanes = 16 / es;
    const bytes = round16(n * es);
    const [pa, pb, pc] = [0, bytes, 2 * bytes];
    const heap = this.heap.view(dtype, 3 * bytes);
    heap.set(a, pa / es);
    if (b.length === n) heap.set(b, pb / es);
    else heap.fill(b[0]!, pb / es, pb / es + lanes);
    this.fns[`${op === 'maximum' ? 'max' : 'min'}_${dtype === 'float32' ? 'f32' : 'f64'}`]!(
      pa,
      pb,
      pc,
      bytes / 16,
      b.length === n ? 16 : 0,
    );
    res.set(heap.subarray(pc / es, pc / es + n));
    return true;
  }
}
