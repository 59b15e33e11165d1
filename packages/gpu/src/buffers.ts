/**
 * The backend's buffers: handles (what a tensor's `buf` is), uploads and the kept constants, and
 * readback conversion. Every kernel result passes through `Device.kernel`, so every handle is
 * watched by the tracker. Scopes are core's `tidy`, which disposes tensors (and so their handles).
 */
import type { DType, TensorInfo, TypedArray } from '@gen-ts/core';
import type { Engine } from './engine.js';
import type { KernelArgs, KernelName } from './kernels/index.js';
import { Handle, type Store, type StoreValue } from './store.js';

/** The dtypes this backend stores (float64 is refused: gpu.js computes in float32 only). */
export const GPUJS_DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/** Integers float32 holds exactly; int32 values beyond this are refused on upload. */
const INT_LIMIT = 2 ** 24;

/**
 * How many one-element constants a webgpu backend keeps on the device. Every upload there is a
 * kernel launch (~65 µs on an H200, more than most small ops), and the numbers of `mul(x, 2)` or
 * `scalar(1)` are uploaded on every call; a training step uses a fixed handful of them.
 */
export const KEPT_CONSTANTS = 64;

/** A check run on a kernel's input values before it runs (see `Engine.kernel`). */
export type InputCheck = (values: readonly StoreValue[]) => void | Promise<void>;

/** Buffers and scopes of one backend (see the file header). */
export class Device {
  /** Kept one-element constants by dtype and value, least recently used first (webgpu only). */
  readonly constants = new Map<string, Store>();

  constructor(
    readonly engine: Engine,
    /** The backend's name, for errors. */
    readonly name: string,
  ) {}

  /** The handle behind `x`, checked to be this backend's and alive. */
  handle(x: TensorInfo): Handle {
    const h = x.buf;
    if (!(h instanceof Handle)) throw new TypeError(`${this.name}: tensor data belongs to another backend`);
    if (h.disposed) throw new Error(`${this.name}: tensor used after dispose()`);
    return h;
  }

  /** A new handle on `store` (which it takes over), watched by the tracker. */
  wrap(store: Store, swapped = false): Handle {
    const h = new Handle(store, swapped);
    this.engine.tracker.watch(h);
    return h;
  }

  /** Runs kernel `(name, args)` on `inputs` and wraps its result. */
  kernel<K extends KernelName>(
    name: K,
    args: KernelArgs<K>,
    inputs: readonly Store[],
    check?: InputCheck,
  ): Handle {
    return this.wrap(this.engine.kernel(name, args, inputs, check));
  }

  /** An empty result. */
  empty(): Handle {
    return this.wrap(this.engine.upload(new Float32Array(0)));
  }

  /** `n` copies of `v`. */
  fill(n: number, v: number): Handle {
    return this.wrap(this.engine.upload(new Float32Array(n).fill(v)));
  }

  /** Copies host values of `dtype` to the device (int32 checked to be exact in float32). */
  upload(values: TypedArray, dtype: DType): Handle {
    checkDType(this.name, dtype);
    const f = values instanceof Float32Array ? values : Float32Array.from(values);
    if (dtype === 'int32') {
      for (let i = 0; i < f.length; i++) {
        if (Math.abs(f[i]!) > INT_LIMIT) {
          throw new RangeError(
            `${this.name}: int32 value ${f[i]} at ${i} is beyond ±2^24, the integers float32 holds exactly`,
          );
        }
      }
    }
    if (f.length === 1 && this.engine.mode === 'webgpu') return this.wrap(this.constant(f, dtype));
    return this.wrap(this.uploadStore(f, dtype));
  }

  private uploadStore(f: Float32Array, dtype: DType): Store {
    const s = this.engine.upload(f);
    // kept (a reference, not a copy) so take/scatterAdd indices are checked without a readback
    if (dtype === 'int32') s.host = f;
    return s;
  }

  /**
   * A one-element upload, shared with earlier uploads of the same dtype and value (tensors are
   * immutable, and stores are reference-counted): the last {@link KEPT_CONSTANTS} stay on the device.
   */
  private constant(f: Float32Array, dtype: DType): Store {
    const v = f[0]!;
    const key = `${dtype}:${Object.is(v, -0) ? '-0' : v}`;
    let s = this.constants.get(key);
    if (s)
      this.constants.delete(key); // re-inserted below: most recently used last
    else {
      s = this.uploadStore(f, dtype);
      if (this.constants.size >= KEPT_CONSTANTS) {
        const [oldest, old] = this.constants.entries().next().value as [string, Store];
        this.constants.delete(oldest);
        old.unref();
      }
    }
    this.constants.set(key, s);
    return s.ref();
  }

  /** Releases `x`'s buffers now (a second dispose, or another backend's tensor, is ignored). */
  dispose(x: TensorInfo): void {
    const h = x.buf;
    if (!(h instanceof Handle) || h.disposed) return;
    this.engine.tracker.unwatch(h);
    h.release();
  }
}

/** Throws unless this backend stores `dtype`. */
export function checkDType(where: string, dtype: DType): void {
  if (!GPUJS_DTYPES.includes(dtype)) {
    throw new TypeError(
      `${where}: dtype ${dtype} is not supported (gpu.js computes in float32; this backend stores ${GPUJS_DTYPES.join(', ')}). ` +
        `Use the cpu backend for float64.`,
    );
  }
}

/**
 * Converts float32 device values to the host array of `dtype`. int32 values are clamped into the
 * int32 range: 2^31 - 1, the top of a saturating cast, is 2^31 in float32, which an Int32Array
 * would wrap to -2^31.
 */
export function toDType(v: Float32Array, dtype: DType): TypedArray {
  if (dtype === 'int32') return Int32Array.from(v, (x) => (x >= 2147483647 ? 2147483647 : x));
  if (dtype === 'bool') return Uint8Array.from(v, (x) => (x !== 0 ? 1 : 0));
  return v.slice();
}
