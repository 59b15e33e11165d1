/**
 * The computing kernels: each turns a core kernel call into a generator name and arguments (see
 * `kernels/index.ts`), after the edge cases that need no kernel (empty results, reductions over
 * nothing, size-1 axes, exact casts).
 */
import {
  checkIndices,
  sizeOf,
  type BinaryOp,
  type CompareOp,
  type DType,
  type ReduceOp,
  type Shape,
  type TensorInfo,
  type UnaryOp,
} from '@gen-ts/core';
import { checkDType, type Device } from './buffers.js';
import type { MapFn } from './kernels/elementwise.js';
import type { MatmulGeometry } from './kernels/matmul.js';
import { reduceIdentity, reduceRuns } from './kernels/reduce.js';
import type { Handle, Store, StoreValue } from './store.js';
import { contiguous, share } from './views.js';

/** `op(x)` elementwise. */
export function unary(d: Device, op: UnaryOp, x: TensorInfo): Handle {
  const n = sizeOf(x.shape);
  if (n === 0) return d.empty();
  return d.kernel('map', [[n], [[n]], ['unary', op]], [contiguous(d, x)]);
}

/** An elementwise kernel over `operands`, each broadcast to `out`. */
function zip(d: Device, fn: MapFn, operands: readonly TensorInfo[], out: Shape): Handle {
  if (sizeOf(out) === 0) return d.empty();
  return d.kernel(
    'map',
    [out, operands.map((x) => x.shape), fn],
    operands.map((x) => contiguous(d, x)),
  );
}

/** `op(a, b)` elementwise, broadcast to `out`. */
export function binary(d: Device, op: BinaryOp, a: TensorInfo, b: TensorInfo, out: Shape): Handle {
  return zip(d, ['binary', op], [a, b], out);
}

/** `op(a, b)` as 0/1, broadcast to `out`. */
export function compare(d: Device, op: CompareOp, a: TensorInfo, b: TensorInfo, out: Shape): Handle {
  return zip(d, ['compare', op], [a, b], out);
}

/** `cond ? a : b`, broadcast to `out`. */
export function where(d: Device, cond: TensorInfo, a: TensorInfo, b: TensorInfo, out: Shape): Handle {
  return zip(d, ['where'], [cond, a, b], out);
}

/** `x` as `dtype`. */
export function cast(d: Device, x: TensorInfo, dtype: DType): Handle {
  checkDType(`${d.name} cast`, dtype);
  const from = x.dtype;
  // int32 and bool already hold integers, and every dtype is float32 underneath
  const exact = dtype === from || dtype === 'float32' || (dtype === 'int32' && from === 'bool');
  if (exact) return share(d, x);
  const n = sizeOf(x.shape);
  if (n === 0) return d.empty();
  return d.kernel('map', [[n], [[n]], [dtype === 'bool' ? 'toBool' : 'toInt']], [contiguous(d, x)]);
}

/** `op` over `axes`. */
export function reduce(d: Device, op: ReduceOp, x: TensorInfo, axes: readonly number[]): Handle {
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const n = sizeOf(outShape);
  if (n === 0) return d.empty();
  const reduced = sizeOf(axes.map((a) => x.shape[a]!));
  if (reduced === 0) return d.fill(n, reduceIdentity(op));
  const runs = reduceRuns(x.shape, axes);
  if (!runs.some((r) => r.red)) return share(d, x); // only size-1 axes: same values
  const src = contiguous(d, x);
  const last = runs[runs.length - 1]!;
  const single = runs.filter((r) => r.red).length === 1 && last.red;
  if (single && last.size > 4096 && n <= 64) {
    // two passes: `chunks` partial results per output, then one more reduction
    const len = Math.max(64, Math.ceil(Math.sqrt(last.size)));
    const chunks = Math.ceil(last.size / len);
    const part = d.engine.kernel('reducePartial', [op, n, last.size, len, chunks], [src]);
    const runs2 =
      n === 1
        ? [{ size: chunks, red: true }]
        : [
            { size: n, red: false },
            { size: chunks, red: true },
          ];
    const h = d.kernel('reduce', [op, runs2], [part]);
    part.unref();
    return h;
  }
  return d.kernel('reduce', [op, runs], [src]);
}

/** Index of the first maximum along `axis`. */
export function argmax(d: Device, x: TensorInfo, axis: number): Handle {
  const outer = sizeOf(x.shape.slice(0, axis));
  const n = x.shape[axis]!;
  const inner = sizeOf(x.shape.slice(axis + 1));
  if (outer * inner === 0) return d.empty();
  return d.kernel('argmax', [outer, n, inner], [contiguous(d, x)]);
}

/** Batched `a @ b`; either operand may be a swapped-axes view, read in place. */
export function matmul(d: Device, a: TensorInfo, b: TensorInfo, out: Shape): Handle {
  const r = out.length;
  const ha = d.handle(a);
  const hb = d.handle(b);
  const g: MatmulGeometry = {
    batch: out.slice(0, r - 2),
    m: out[r - 2]!,
    n: out[r - 1]!,
    k: a.shape[a.shape.length - 1]!,
    aBatch: a.shape.slice(0, -2),
    bBatch: b.shape.slice(0, -2),
    aSwapped: ha.swapped,
    bSwapped: hb.swapped,
  };
  const size = sizeOf(out);
  if (size === 0) return d.empty();
  if (g.k === 0) return d.fill(size, 0);
  return d.kernel(d.engine.mode === 'webasm' ? 'matmulBlocked' : 'matmulScalar', [g], [ha.store, hb.store]);
}

/** `x` padded with `widths` copies of `value`. */
export function pad(
  d: Device,
  x: TensorInfo,
  widths: readonly (readonly [number, number])[],
  value: number,
): Handle {
  const out = x.shape.map((n, i) => n + widths[i]![0] + widths[i]![1]);
  if (sizeOf(out) === 0) return d.empty();
  if (sizeOf(x.shape) === 0) return d.fill(sizeOf(out), value);
  if (Number.isFinite(value)) return d.kernel('pad', [x.shape, widths, value], [contiguous(d, x)]);
  const fill = d.engine.upload(Float32Array.of(value));
  const h = d.kernel('pad', [x.shape, widths, null], [contiguous(d, x), fill]);
  fill.unref();
  return h;
}

/** `xs` joined along `axis`. */
export function concat(d: Device, xs: readonly TensorInfo[], axis: number, out: Shape): Handle {
  const outer = sizeOf(out.slice(0, axis));
  if (sizeOf(out) === 0) return d.empty();
  let parts = xs
    .map((x) => ({ store: contiguous(d, x), width: sizeOf(x.shape.slice(axis)), owned: false }))
    .filter((p) => p.width > 0);
  // webgpu binds at most 8 storage buffers per kernel: join at most 4 operands at a time
  while (parts.length > 4) {
    const group = parts.slice(0, 4);
    const widths = group.map((p) => p.width);
    const store = d.engine.kernel(
      'concat',
      [outer, widths],
      group.map((p) => p.store),
    );
    for (const p of group) if (p.owned) p.store.unref();
    parts = [{ store, width: widths.reduce((a, b) => a + b, 0), owned: true }, ...parts.slice(4)];
  }
  if (parts.length === 1) return d.wrap(parts[0]!.owned ? parts[0]!.store : parts[0]!.store.ref());
  const h = d.kernel(
    'concat',
    [outer, parts.map((p) => p.width)],
    parts.map((p) => p.store),
  );
  for (const p of parts) if (p.owned) p.store.unref();
  return h;
}

/** Slices of `x` along `axis` at `indices`. */
export function take(d: Device, x: TensorInfo, indices: TensorInfo, axis: number, out: Shape): Handle {
  const outer = sizeOf(x.shape.slice(0, axis));
  const n = x.shape[axis]!;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const count = sizeOf(indices.shape);
  const idx = contiguous(d, indices);
  const check = indexCheck('take', idx, n);
  if (sizeOf(out) === 0) return d.empty();
  return d.kernel('take', [outer, n, inner, count], [contiguous(d, x), idx], check && ((v) => check(v[1]!)));
}

/** Zeros of `out` with `updates` added at `indices` along `axis`. */
export function scatterAdd(
  d: Device,
  indices: TensorInfo,
  updates: TensorInfo,
  axis: number,
  out: Shape,
): Handle {
  const outer = sizeOf(out.slice(0, axis));
  const n = out[axis]!;
  const inner = sizeOf(out.slice(axis + 1));
  const count = sizeOf(indices.shape);
  const idx = contiguous(d, indices);
  const check = indexCheck('scatterAdd', idx, n);
  if (sizeOf(out) === 0) return d.empty();
  if (count === 0) return d.fill(sizeOf(out), 0);
  return d.kernel(
    'scatterAdd',
    [outer, n, inner, count],
    [idx, contiguous(d, updates)],
    check && ((v) => check(v[0]!)),
  );
}

/**
 * Checks indices on the host when their values are there (uploads, and every buffer of the
 * synchronous modes), throwing at the call. Otherwise (a pending result, or a buffer resident on
 * the device) returns the check for the engine to run once the values are computed (read back
 * from the device if need be) and before the kernel: then the error fails the result, and reading
 * it (`await x.data()`) throws. The kernel also clamps, so no read or write leaves the buffer.
 * Indices a kernel of ours produced in range (`Store.indexBound`) need no check.
 */
export function indexCheck(
  op: string,
  idx: Store,
  n: number,
  check: (op: string, values: ArrayLike<number>, n: number) => void = checkIndices,
): ((v: StoreValue) => Promise<void>) | undefined {
  if (idx.indexBound !== null && idx.indexBound <= n) return undefined; // in range by construction
  const host = idx.host ?? (idx.value instanceof Float32Array ? idx.value : null);
  if (host) {
    check(op, host, n);
    return undefined;
  }
  return async (v) => {
    const values = v instanceof Float32Array ? v : ((await v.toArray()) as ArrayLike<number>);
    check(op, values, n);
  };
}
