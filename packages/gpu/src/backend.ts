/**
 * `GpujsBackend`: the core `Backend` interface on gpu.js kernels. Each method turns shapes into a
 * compact cache key and, on a miss, into kernel source (see `kernels/`); the engine compiles each
 * key once. Values are float32 on the device whatever the dtype: int32 and bool tensors hold exact
 * integers there and are converted on upload and readback.
 */
import type {
  Backend,
  BinaryOp,
  CompareOp,
  ConvGeometry,
  DType,
  ReduceOp,
  Shape,
  TensorInfo,
  TypedArray,
  UnaryOp,
  WindowGeometry,
  WindowOp,
} from '@gen-ts/core';
import {
  bernoulliThresholds,
  broadcastStrides,
  everyWindowReadsInput,
  stridesOf,
  windowAxes,
} from '@gen-ts/core';
import { Engine, KERNEL_CLASS, type GpujsMode } from './engine.js';
import { mapSpec } from './kernels/elementwise.js';
import { matmulBlockedSpec, matmulScalarSpec, type MatmulGeometry } from './kernels/matmul.js';
import { concatSpec, gatherSpec, padSpec, scatterAddSpec } from './kernels/movement.js';
import { BINARY_SRC, COMPARE_SRC, INT_TRUNCATES, UNARY_SRC } from './kernels/ops.js';
import { argmaxSpec, reduceIdentity, reducePartialSpec, reduceRuns, reduceSpec } from './kernels/reduce.js';
import type { KernelSpec } from './kernels/spec.js';
import { randomInput, randomSpec, type RandomArith } from './kernels/random.js';
import { im2colSpec, reduceWindowSpec, windowGatherSpec, windowScatterSpec } from './kernels/window.js';
import { Handle, Store, type StoreValue } from './store.js';

/** The dtypes this backend stores (float64 is refused: gpu.js computes in float32 only). */
export const GPUJS_DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/** Integers float32 holds exactly; int32 values beyond this are refused on upload. */
const INT_LIMIT = 2 ** 24;

/** What `info()` reports: what actually runs. */
export interface GpujsInfo {
  /** The gpu.js mode. */
  readonly mode: GpujsMode;
  /** The gpu.js kernel class every kernel of this backend was checked to run on. */
  readonly kernel: string;
  /** Worker threads (webasm under the async contract), else 0. */
  readonly threads: number;
  /** Whether kernel results arrive asynchronously (then only `read` works, not `readSync`). */
  readonly async: boolean;
  /** Kernels compiled so far, one per (op, shape signature). */
  readonly compiles: number;
  /** Kernel launches so far. */
  readonly launches: number;
  /** Values uploaded from the host so far (a training step's dropout masks add none: only their keys). */
  readonly uploaded: number;
  /** Device buffers allocated and not yet released (the kept constants included). */
  readonly liveBuffers: number;
  /** One-element constants kept on the device for reuse (webgpu only, at most {@link KEPT_CONSTANTS}). */
  readonly constants: number;
  /** The gpu.js kernel classes actually seen running (only `kernel`, or an error was thrown). */
  readonly ranOn: readonly string[];
  /** How the random kernels do 32-bit arithmetic (the `randomArith` option). */
  readonly randomArith: RandomArith;
}

/**
 * How many one-element constants a webgpu backend keeps on the device. Every upload there is a
 * kernel launch (~65 µs on an H200, more than most small ops), and the numbers of `mul(x, 2)` or
 * `scalar(1)` are uploaded on every call; a training step uses a fixed handful of them.
 */
export const KEPT_CONSTANTS = 64;

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const sig = (s: readonly number[]): string => s.join('x');

/** A core `Backend` whose kernels gpu.js compiles. Create one with `gpujs()`. */
export class GpujsBackend implements Backend {
  readonly name: string;
  readonly dtypes: readonly DType[] = GPUJS_DTYPES;
  /** Synchronous readback; present only on the synchronous modes (cpu, headlessgl, webasm without threads). */
  readonly readSync?: (x: TensorInfo) => TypedArray;

  private readonly scopes: Handle[][] = [];
  /** Kept one-element constants by dtype and value, least recently used first (webgpu only). */
  private readonly constants = new Map<string, Store>();

  /** @internal Use `gpujs()`. */
  constructor(
    private readonly engine: Engine,
    private readonly randomArith: RandomArith = 'bits',
  ) {
    this.name = `gpujs:${engine.mode}`;
    if (!engine.async) this.readSync = (x) => toDType(this.engine.readSync(this.contiguous(x)), x.dtype);
  }

  /** What runs: mode, kernel class, threads, compile and live-buffer counts. */
  info(): GpujsInfo {
    const e = this.engine;
    return {
      mode: e.mode,
      kernel: KERNEL_CLASS[e.mode],
      threads: e.threads,
      async: e.async,
      compiles: e.compiles,
      launches: e.launches,
      uploaded: e.uploaded,
      liveBuffers: e.tracker.live,
      constants: this.constants.size,
      ranOn: [...e.classes],
      randomArith: this.randomArith,
    };
  }

  /**
   * Runs one small kernel end to end and resolves with `info()`; rejects with the reason when this
   * mode cannot run here (no WebGPU adapter, no `gl` build, or a kernel that fell back).
   */
  async ready(): Promise<GpujsInfo> {
    const s = this.engine.upload(new Float32Array([1, 2, 3, 4]));
    const t = this.engine.run('probe:4', () => mapSpec([4], [{ strides: [1] }], (v) => `${v[0]} * 2.0`), [s]);
    s.unref();
    const out = await this.engine.read(t);
    t.unref();
    if (out[3] !== 8)
      throw new Error(`gpujs(${this.engine.mode}): probe kernel computed ${Array.from(out).join(',')}`);
    return this.info();
  }

  /**
   * Runs `fn` and then releases every buffer created during it, except those of the tensors it
   * returns (any pytree of tensors). This is what keeps a training loop's memory flat: the
   * intermediates of a `grad` are released at the end of the step instead of whenever the garbage
   * collector finds them. Using one of those intermediates afterwards throws. Scopes nest.
   */
  tidy<T>(fn: () => T): T {
    const created: Handle[] = [];
    this.scopes.push(created);
    let out: T;
    try {
      out = fn();
    } finally {
      this.scopes.pop();
    }
    const keep = new Set<Handle>();
    collectHandles(out, keep, new Set());
    const outer = this.scopes[this.scopes.length - 1];
    for (const h of created) {
      if (keep.has(h)) outer?.push(h);
      else if (!h.disposed) {
        this.engine.tracker.unwatch(h);
        h.release();
      }
    }
    return out;
  }

  /** Destroys every kernel (and the worker threads); later use throws. */
  destroy(): void {
    this.constants.clear();
    this.engine.destroy();
  }

  // ------------------------------------------------------------------ buffers

  private handle(x: TensorInfo): Handle {
    const h = x.buf;
    if (!(h instanceof Handle)) throw new TypeError(`${this.name}: tensor data belongs to another backend`);
    if (h.disposed) throw new Error(`${this.name}: tensor used after dispose()`);
    return h;
  }

  private wrap(store: Store, swapped = false): Handle {
    const h = new Handle(store, swapped);
    this.engine.tracker.watch(h);
    this.scopes[this.scopes.length - 1]?.push(h);
    return h;
  }

  private empty(): Handle {
    return this.wrap(this.engine.upload(new Float32Array(0)));
  }

  private fill(n: number, v: number): Handle {
    return this.wrap(this.engine.upload(new Float32Array(n).fill(v)));
  }

  /** The contiguous store behind `x` (a swapped view is copied once, then reused). */
  private contiguous(x: TensorInfo): Store {
    const h = this.handle(x);
    if (!h.swapped) return h.store;
    if (!h.materialized) {
      const r = x.shape.length;
      const phys = [...x.shape.slice(0, -2), x.shape[r - 1]!, x.shape[r - 2]!];
      const ps = stridesOf(phys);
      const strides = [...ps.slice(0, -2), 1, x.shape[r - 2]!];
      h.materialized = this.strided(x.shape, strides, 0, h.store);
    }
    return h.materialized;
  }

  private run(
    key: string,
    build: () => KernelSpec,
    inputs: readonly Store[],
    check?: (values: readonly StoreValue[]) => Promise<void>,
  ): Handle {
    return this.wrap(this.engine.run(key, build, inputs, check));
  }

  /** A contiguous copy of `store` read through `strides` from `base`, shaped `out`. */
  private strided(out: readonly number[], strides: readonly number[], base: number, store: Store): Store {
    const key = `copy:${sig(out)}:${strides.join(',')}:${base}`;
    return this.engine.run(key, () => mapSpec(out, [{ strides, base }], (v) => v[0]!), [store]);
  }

  upload(values: TypedArray, shape: Shape, dtype: DType): unknown {
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
    void shape;
    if (f.length === 1 && this.engine.mode === 'webgpu') return this.wrap(this.constant(f, dtype));
    return this.wrap(this.uploadStore(f, dtype));
  }

  private uploadStore(f: Float32Array, dtype: DType): Store {
    const s = this.engine.upload(f);
    // kept (a reference, not a copy) so gather/scatter indices are checked without a readback
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

  async read(x: TensorInfo): Promise<TypedArray> {
    return toDType(await this.engine.read(this.contiguous(x)), x.dtype);
  }

  dispose(x: TensorInfo): void {
    const h = x.buf;
    if (!(h instanceof Handle) || h.disposed) return;
    this.engine.tracker.unwatch(h);
    h.release();
  }

  // ------------------------------------------------------------------ elementwise

  unary(op: UnaryOp, x: TensorInfo): unknown {
    const n = sizeOf(x.shape);
    if (n === 0) return this.empty();
    const trunc = x.dtype === 'int32' && INT_TRUNCATES.has(op);
    const key = `unary:${op}:${trunc ? 'i' : 'f'}:${n}`;
    return this.run(
      key,
      () =>
        mapSpec([n], [{ strides: [1] }], (v) =>
          trunc ? `Math.trunc(${UNARY_SRC[op](v[0]!)})` : UNARY_SRC[op](v[0]!),
        ),
      [this.contiguous(x)],
    );
  }

  binary(op: BinaryOp, a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    if (sizeOf(out) === 0) return this.empty();
    const trunc = a.dtype === 'int32' && INT_TRUNCATES.has(op);
    const key = `binary:${op}:${trunc ? 'i' : 'f'}:${sig(a.shape)}:${sig(b.shape)}:${sig(out)}`;
    const body = (v: string[]): string => {
      const e = BINARY_SRC[op](v[0]!, v[1]!);
      return trunc ? `Math.trunc(${e})` : e;
    };
    return this.run(key, () => mapSpec(out, [reads(a, out), reads(b, out)], body), [
      this.contiguous(a),
      this.contiguous(b),
    ]);
  }

  compare(op: CompareOp, a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    if (sizeOf(out) === 0) return this.empty();
    const key = `compare:${op}:${sig(a.shape)}:${sig(b.shape)}:${sig(out)}`;
    return this.run(
      key,
      () => mapSpec(out, [reads(a, out), reads(b, out)], (v) => COMPARE_SRC[op](v[0]!, v[1]!)),
      [this.contiguous(a), this.contiguous(b)],
    );
  }

  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    if (sizeOf(out) === 0) return this.empty();
    const key = `where:${sig(cond.shape)}:${sig(a.shape)}:${sig(b.shape)}:${sig(out)}`;
    return this.run(
      key,
      () =>
        mapSpec(
          out,
          [reads(cond, out), reads(a, out), reads(b, out)],
          (v) => `(${v[0]} != 0.0 ? ${v[1]} : ${v[2]})`,
        ),
      [this.contiguous(cond), this.contiguous(a), this.contiguous(b)],
    );
  }

  cast(x: TensorInfo, dtype: DType): unknown {
    checkDType(`${this.name} cast`, dtype);
    const from = x.dtype;
    // int32 and bool already hold integers, and every dtype is float32 underneath
    const exact = dtype === from || dtype === 'float32' || (dtype === 'int32' && from === 'bool');
    if (exact) return this.share(x);
    const n = sizeOf(x.shape);
    if (n === 0) return this.empty();
    // truncation of (-1, 0) gives -0, which is not an int32: map it to +0
    const body =
      dtype === 'bool'
        ? (v: string[]) => `(${v[0]} != 0.0 ? 1.0 : 0.0)`
        : (v: string[]) => `(Math.abs(${v[0]}) < 1.0 ? 0.0 : Math.trunc(${v[0]}))`;
    return this.run(`cast:${dtype}:${n}`, () => mapSpec([n], [{ strides: [1] }], body), [this.contiguous(x)]);
  }

  /** A new handle on the same data (reshape, exact casts). */
  private share(x: TensorInfo): Handle {
    const h = this.handle(x);
    if (h.swapped) return this.wrap(this.contiguous(x).ref());
    return this.wrap(h.store.ref());
  }

  // ------------------------------------------------------------------ reductions

  reduce(op: ReduceOp, x: TensorInfo, axes: readonly number[]): unknown {
    const outShape = x.shape.filter((_, i) => !axes.includes(i));
    const n = sizeOf(outShape);
    if (n === 0) return this.empty();
    const reduced = sizeOf(axes.map((a) => x.shape[a]!));
    if (reduced === 0) return this.fill(n, reduceIdentity(op));
    const runs = reduceRuns(x.shape, axes);
    if (!runs.some((r) => r.red)) return this.share(x); // only size-1 axes: same values
    const src = this.contiguous(x);
    const last = runs[runs.length - 1]!;
    const single = runs.filter((r) => r.red).length === 1 && last.red;
    if (single && last.size > 4096 && n <= 64) {
      // two passes: `chunks` partial results per output, then one more reduction
      const len = Math.max(64, Math.ceil(Math.sqrt(last.size)));
      const chunks = Math.ceil(last.size / len);
      const key1 = `reduce1:${op}:${n}:${last.size}`;
      const part = this.engine.run(key1, () => reducePartialSpec(op, n, last.size, len, chunks), [src]);
      const runs2 =
        n === 1
          ? [{ size: chunks, red: true }]
          : [
              { size: n, red: false },
              { size: chunks, red: true },
            ];
      const h = this.run(`reduce:${op}:${runSig(runs2)}`, () => reduceSpec(op, runs2), [part]);
      part.unref();
      return h;
    }
    return this.run(`reduce:${op}:${runSig(runs)}`, () => reduceSpec(op, runs), [src]);
  }

  argmax(x: TensorInfo, axis: number): unknown {
    const outer = sizeOf(x.shape.slice(0, axis));
    const n = x.shape[axis]!;
    const inner = sizeOf(x.shape.slice(axis + 1));
    if (outer * inner === 0) return this.empty();
    return this.run(`argmax:${outer}:${n}:${inner}`, () => argmaxSpec(outer, n, inner), [this.contiguous(x)]);
  }

  // ------------------------------------------------------------------ matmul

  matmul(a: TensorInfo, b: TensorInfo, out: Shape): unknown {
    const r = out.length;
    const g: MatmulGeometry = {
      batch: out.slice(0, r - 2),
      m: out[r - 2]!,
      n: out[r - 1]!,
      k: a.shape[a.shape.length - 1]!,
      aBatch: a.shape.slice(0, -2),
      bBatch: b.shape.slice(0, -2),
      aSwapped: this.handle(a).swapped,
      bSwapped: this.handle(b).swapped,
    };
    const size = sizeOf(out);
    if (size === 0) return this.empty();
    if (g.k === 0) return this.fill(size, 0);
    const blocked = this.engine.mode === 'webasm';
    const key = `matmul:${blocked ? 'b' : 's'}:${sig(g.batch)}:${g.m}:${g.k}:${g.n}:${sig(g.aBatch)}:${sig(g.bBatch)}:${+g.aSwapped}${+g.bSwapped}`;
    const build = blocked ? () => matmulBlockedSpec(g) : () => matmulScalarSpec(g);
    return this.run(key, build, [this.handle(a).store, this.handle(b).store]);
  }

  // ------------------------------------------------------------------ movement

  reshape(x: TensorInfo): unknown {
    return this.share(x);
  }

  transpose(x: TensorInfo, perm: readonly number[]): unknown {
    const r = perm.length;
    if (perm.every((p, i) => p === i)) return this.share(x);
    const h = this.handle(x);
    const swapsLastTwo =
      r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1 && perm.slice(0, -2).every((p, i) => p === i);
    // a swap of the last two axes is a view: matmul reads it in place, anything else copies it once
    if (swapsLastTwo) return this.wrap(h.store.ref(), !h.swapped);
    const s = stridesOf(x.shape);
    const out = perm.map((p) => x.shape[p]!);
    if (sizeOf(out) === 0) return this.empty();
    return this.wrap(
      this.strided(
        out,
        perm.map((p) => s[p]!),
        0,
        this.contiguous(x),
      ),
    );
  }

  broadcastTo(x: TensorInfo, shape: Shape): unknown {
    if (sizeOf(shape) === sizeOf(x.shape)) return this.share(x);
    if (sizeOf(shape) === 0) return this.empty();
    return this.wrap(this.strided(shape, broadcastStrides(x.shape, shape), 0, this.contiguous(x)));
  }

  slice(x: TensorInfo, begin: readonly number[], size: readonly number[]): unknown {
    if (sizeOf(size) === 0) return this.empty();
    if (size.every((d, i) => d === x.shape[i])) return this.share(x);
    const s = stridesOf(x.shape);
    const base = begin.reduce((acc, b, i) => acc + b * s[i]!, 0);
    return this.wrap(this.strided(size, s, base, this.contiguous(x)));
  }

  pad(x: TensorInfo, widths: readonly (readonly [number, number])[], value: number): unknown {
    const out = x.shape.map((d, i) => d + widths[i]![0] + widths[i]![1]);
    if (sizeOf(out) === 0) return this.empty();
    if (sizeOf(x.shape) === 0) return this.fill(sizeOf(out), value);
    const key = `pad:${sig(x.shape)}:${widths.map((w) => w.join('.')).join(',')}:${value}`;
    return this.run(key, () => padSpec(x.shape, widths, value), [this.contiguous(x)]);
  }

  concat(xs: readonly TensorInfo[], axis: number, out: Shape): unknown {
    const outer = sizeOf(out.slice(0, axis));
    if (sizeOf(out) === 0) return this.empty();
    let parts = xs
      .map((x) => ({ store: this.contiguous(x), width: sizeOf(x.shape.slice(axis)), owned: false }))
      .filter((p) => p.width > 0);
    // webgpu binds at most 8 storage buffers per kernel: join at most 4 operands at a time
    while (parts.length > 4) {
      const group = parts.slice(0, 4);
      const widths = group.map((p) => p.width);
      const store = this.engine.run(
        `concat:${outer}:${widths.join(',')}`,
        () => concatSpec(outer, widths),
        group.map((p) => p.store),
      );
      for (const p of group) if (p.owned) p.store.unref();
      parts = [{ store, width: widths.reduce((a, b) => a + b, 0), owned: true }, ...parts.slice(4)];
    }
    if (parts.length === 1) return this.wrap(parts[0]!.owned ? parts[0]!.store : parts[0]!.store.ref());
    const widths = parts.map((p) => p.width);
    const h = this.run(
      `concat:${outer}:${widths.join(',')}`,
      () => concatSpec(outer, widths),
      parts.map((p) => p.store),
    );
    for (const p of parts) if (p.owned) p.store.unref();
    return h;
  }

  gather(x: TensorInfo, indices: TensorInfo, axis: number, out: Shape): unknown {
    const outer = sizeOf(x.shape.slice(0, axis));
    const n = x.shape[axis]!;
    const inner = sizeOf(x.shape.slice(axis + 1));
    const count = sizeOf(indices.shape);
    const idx = this.contiguous(indices);
    const check = checkIndices('take', idx, n);
    if (sizeOf(out) === 0) return this.empty();
    return this.run(
      `gather:${outer}:${n}:${inner}:${count}`,
      () => gatherSpec(outer, n, inner, count),
      [this.contiguous(x), idx],
      check && ((v) => check(v[1]!)),
    );
  }

  scatterAdd(indices: TensorInfo, updates: TensorInfo, axis: number, out: Shape): unknown {
    const outer = sizeOf(out.slice(0, axis));
    const n = out[axis]!;
    const inner = sizeOf(out.slice(axis + 1));
    const count = sizeOf(indices.shape);
    const idx = this.contiguous(indices);
    const check = checkIndices('scatterAdd', idx, n);
    if (sizeOf(out) === 0) return this.empty();
    if (count === 0) return this.fill(sizeOf(out), 0);
    return this.run(
      `scatter:${outer}:${n}:${inner}:${count}`,
      () => scatterAddSpec(outer, n, inner, count),
      [idx, this.contiguous(updates)],
      check && ((v) => check(v[0]!)),
    );
  }

  // ------------------------------------------------------------------ windows

  conv(x: TensorInfo, w: TensorInfo, g: ConvGeometry, out: Shape): unknown {
    const n = x.shape.length - 2;
    const kernel = w.shape.slice(0, n);
    const G = g.featureGroupCount;
    const O = w.shape[n + 1]!;
    const row = sizeOf(kernel) * w.shape[n]!;
    const M = sizeOf(out.slice(0, n + 1));
    if (sizeOf(out) === 0) return this.empty();
    if (row === 0) return this.fill(sizeOf(out), 0);
    // im2col, then the backend's own product (blocked on webasm) on the patch matrix
    const key = `im2col:${JSON.stringify([x.shape, kernel, g, out])}`;
    const patches = new Handle(
      this.engine.run(key, () => im2colSpec(x.shape, kernel, g, out), [this.contiguous(x)]),
    );
    const wk = new Handle(this.contiguous(w).ref());
    const dtype = x.dtype;
    try {
      if (G === 1)
        return this.matmul({ shape: [M, row], dtype, buf: patches }, { shape: [row, O], dtype, buf: wk }, [
          M,
          O,
        ]);
      const wg = this.transpose({ shape: [row, G, O / G], dtype, buf: wk }, [1, 0, 2]);
      const y = this.matmul(
        { shape: [G, M, row], dtype, buf: patches },
        { shape: [G, row, O / G], dtype, buf: wg },
        [G, M, O / G],
      );
      const res = this.transpose({ shape: [G, M, O / G], dtype, buf: y }, [1, 0, 2]);
      this.dispose({ shape: [], dtype, buf: wg });
      this.dispose({ shape: [], dtype, buf: y });
      return res;
    } finally {
      patches.release();
      wk.release();
    }
  }

  reduceWindow(op: WindowOp, x: TensorInfo, g: WindowGeometry, out: Shape): unknown {
    const size = sizeOf(out);
    if (size === 0) return this.empty();
    const holes = !windowAxes(x.shape, g).every(everyWindowReadsInput);
    if (sizeOf(x.shape) === 0) return this.fill(size, op === 'max' ? -Infinity : 0);
    const inputs = [this.contiguous(x)];
    // -Infinity for windows of holes only, as data: a kernel literal cannot spell it
    const negInf = op === 'max' && holes ? this.engine.upload(Float32Array.of(-Infinity)) : null;
    if (negInf) inputs.push(negInf);
    const key = `window:${op}:${JSON.stringify([x.shape, g, out, holes])}`;
    const store = this.engine.run(key, () => reduceWindowSpec(op, x.shape, g, out, holes), inputs);
    negInf?.unref();
    if (op === 'argmax') store.indexBound = sizeOf(g.window);
    return this.wrap(store);
  }

  windowGather(x: TensorInfo, idx: TensorInfo, g: WindowGeometry, out: Shape): unknown {
    if (sizeOf(out) === 0) return this.empty();
    const taps = sizeOf(g.window);
    const t = this.contiguous(idx);
    const check = checkIndices('windowGather', t, taps, tapRange(taps));
    if (sizeOf(x.shape) === 0) return this.fill(sizeOf(out), 0);
    const key = `wgather:${JSON.stringify([x.shape, g, out])}`;
    return this.run(
      key,
      () => windowGatherSpec(x.shape, g, out),
      [this.contiguous(x), t],
      check && ((v) => check(v[1]!)),
    );
  }

  windowScatter(idx: TensorInfo, upd: TensorInfo, g: WindowGeometry, out: Shape): unknown {
    if (sizeOf(out) === 0) return this.empty();
    const taps = sizeOf(g.window);
    const t = this.contiguous(idx);
    const check = checkIndices('windowScatter', t, taps, tapRange(taps));
    if (sizeOf(idx.shape) === 0) return this.fill(sizeOf(out), 0);
    const key = `wscatter:${JSON.stringify([out, g, idx.shape])}`;
    return this.run(
      key,
      () => windowScatterSpec(out, g, idx.shape),
      [t, this.contiguous(upd)],
      check && ((v) => check(v[0]!)),
    );
  }

  // ------------------------------------------------------------------ random

  randomUniform(key: readonly [number, number], shape: Shape, dtype: DType): unknown {
    checkDType(`${this.name} uniform`, dtype);
    return this.random('uniform', key, sizeOf(shape), []);
  }

  randomBernoulli(key: readonly [number, number], p: number, shape: Shape): unknown {
    const t = bernoulliThresholds(p);
    return this.random('bernoulli', key, sizeOf(shape), [t.below, t.upto, t.second]);
  }

  /** Threefry on the device: only the key (and thresholds), a few numbers, are uploaded. */
  private random(
    draw: 'uniform' | 'bernoulli',
    key: readonly [number, number],
    n: number,
    thresholds: readonly (readonly [number, number])[],
  ): unknown {
    if (n === 0) return this.empty();
    if (n > INT_LIMIT)
      throw new RangeError(
        `${this.name}: ${draw} of ${n} elements exceeds 2^24, the counters a float32 thread index holds`,
      );
    const arith = this.randomArith;
    const input = this.engine.upload(randomInput(key, thresholds));
    const h = this.run(`random:${draw}:${arith}:${n}`, () => randomSpec(draw, arith, n), [input]);
    input.unref();
    return h;
  }
}

/** The cotangent taps message, as the cpu backend words it. */
const tapRange = (taps: number) => (v: number) => `tap ${v} is out of range for a window of ${taps} taps`;

/** The handles of every tensor in a pytree (arrays and plain objects). */
function collectHandles(v: unknown, out: Set<Handle>, seen: Set<object>): void {
  if (typeof v !== 'object' || v === null || seen.has(v)) return;
  seen.add(v);
  let buf: unknown;
  try {
    buf = (v as { concrete?: () => { buf?: unknown } }).concrete?.().buf;
  } catch {
    return; // a disposed tensor: nothing to keep
  }
  if (buf instanceof Handle) {
    out.add(buf);
    return;
  }
  for (const x of Array.isArray(v) ? v : Object.values(v)) collectHandles(x, out, seen);
}

/** How operand `x` is read for an output of shape `out` (broadcasting). */
function reads(x: TensorInfo, out: Shape): { strides: number[] } {
  return { strides: broadcastStrides(x.shape, out) };
}

function runSig(runs: readonly { size: number; red: boolean }[]): string {
  return runs.map((r) => `${r.red ? 'r' : 'k'}${r.size}`).join(',');
}

function checkDType(where: string, dtype: DType): void {
  if (!GPUJS_DTYPES.includes(dtype)) {
    throw new TypeError(
      `${where}: dtype ${dtype} is not supported (gpu.js computes in float32; this backend stores ${GPUJS_DTYPES.join(', ')}). ` +
        `Use the cpu backend for float64.`,
    );
  }
}

/**
 * Checks indices on the host when their values are there (uploads, and every buffer of the
 * synchronous modes), throwing at the call. Otherwise (a pending result, or a buffer resident on
 * the device) returns the check for the engine to run once the values are computed (read back
 * from the device if need be) and before the kernel: then the error fails the result, and reading
 * it (`await x.data()`) throws. The kernel also clamps, so no read or write leaves the buffer.
 */
function checkIndices(
  op: string,
  idx: Store,
  n: number,
  what: (v: number) => string = (v) => `index ${v} is out of range for an axis of size ${n}`,
): ((v: StoreValue) => Promise<void>) | undefined {
  if (idx.indexBound !== null && idx.indexBound <= n) return undefined; // in range by construction
  const host = idx.host ?? (idx.value instanceof Float32Array ? idx.value : null);
  if (host) {
    rangeCheck(op, host, n, what);
    return undefined;
  }
  return async (v) => {
    const values = v instanceof Float32Array ? v : ((await v.toArray()) as ArrayLike<number>);
    rangeCheck(op, values, n, what);
  };
}

function rangeCheck(op: string, values: ArrayLike<number>, n: number, what: (v: number) => string): void {
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    if (v < 0 || v >= n) throw new RangeError(`${op}: ${what(v)}`);
  }
}

/** Converts float32 device values to the host array of `dtype`. */
function toDType(v: Float32Array, dtype: DType): TypedArray {
  if (dtype === 'int32') return Int32Array.from(v);
  if (dtype === 'bool') return Uint8Array.from(v, (x) => (x !== 0 ? 1 : 0));
  return v.slice();
}
