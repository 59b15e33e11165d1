/**
 * Reuse of the arrays of disposed tensors. A fresh large typed array is expensive here (for 800
 * KB, allocating and first touching its pages cost 3-4x the elementwise loop that fills it: see
 * BENCHMARKS.md), and a training step allocates the same sizes every step while it disposes the
 * previous parameters and gradients. So `dispose()` hands a large array back, and the next
 * result of the same dtype and length gets it (zeroed). Only an array that exactly one tensor
 * holds is kept. The backend passes every kernel's result through `track`, so an array handed out
 * twice (a reshape, a transposed view, `where` picking an operand whole, any future kernel that
 * shares) is seen to have two holders and is never reused; arrays that came from the caller
 * (`upload`) are never owned in the first place.
 */
import { allocArray, type DType, type TypedArray } from '../dtype.js';
import { Swapped } from './views.js';

/** Arrays below this many bytes are cheap to allocate and are not kept. */
export const MIN_POOLED_BYTES = 1 << 16;
/** At most this many bytes wait in the pool; beyond it a disposed array is left to the GC. */
export const MAX_POOLED_BYTES = 1 << 26;

/** The backend's allocator: zero-filled unless `zero` is false (for a kernel that writes every element). */
export type Alloc = (dtype: DType, n: number, zero?: boolean) => TypedArray;

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** A pool of typed arrays by dtype and length, for one backend. */
export class ArrayPool {
  /** Arrays allocated here that at most one tensor holds so far. */
  private readonly owned = new WeakSet<TypedArray>();
  /** Arrays some tensor holds (handed out by a kernel). */
  private readonly handed = new WeakSet<object>();
  private readonly free = new Map<string, TypedArray[]>();
  private held = 0;

  /** Bytes waiting in the pool. */
  get bytes(): number {
    return this.held;
  }

  /**
   * An array for a new result (from the pool when one of this dtype and length waits), zero-filled
   * unless `zero` is false (for a kernel that writes every element).
   */
  alloc(dtype: DType, n: number, zero = true): TypedArray {
    const list = n * BYTES[dtype] >= MIN_POOLED_BYTES ? this.free.get(`${dtype}:${n}`) : undefined;
    const reused = list?.pop();
    const a = reused ? (zero ? reused.fill(0) : reused) : allocArray(dtype, n);
    if (reused) this.held -= a.byteLength;
    if (a.byteLength >= MIN_POOLED_BYTES) this.owned.add(a);
    return a;
  }

  /**
   * A kernel hands `result` (an array, or a view of one) to a new tensor. If some tensor already
   * holds that array, it now has two holders and must never be reused.
   */
  track<T>(result: T): T {
    const a = result instanceof Swapped ? result.base : result;
    if (typeof a === 'object' && a !== null) {
      if (this.handed.has(a)) this.owned.delete(a as TypedArray);
      else this.handed.add(a);
    }
    return result;
  }

  /** The tensor holding `a` was disposed: keep `a` if that tensor was its only holder. */
  release(a: unknown, dtype: DType): void {
    if (!ArrayBuffer.isView(a) || !this.owned.has(a as TypedArray)) return;
    const t = a as TypedArray;
    this.owned.delete(t);
    this.handed.delete(t);
    if (this.held + t.byteLength > MAX_POOLED_BYTES) return;
    const key = `${dtype}:${t.length}`;
    const list = this.free.get(key);
    if (list) list.push(t);
    else this.free.set(key, [t]);
    this.held += t.byteLength;
  }
}
