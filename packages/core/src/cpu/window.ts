/**
 * Windowed reductions and the window gather/scatter pair on the cpu backend. Each output position
 * walks its window's taps; the element offset of (output, tap) is a sum of per-axis table entries
 * (a hole on any axis makes the sum negative), so the inner loop does no division.
 */
import type { TensorInfo, WindowOp } from '../backend.js';
import { allocArray, type TypedArray } from '../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import { sourceTable, windowAxes, type WindowGeometry } from '../window.js';

const HOLE = -(2 ** 50);

/** What every windowed kernel needs: per-axis offset tables and the tap digits. */
interface Walk {
  readonly tables: Float64Array[];
  readonly taps: number;
  /** `digits[k * rank + d]`: tap `k`'s position along axis `d`. */
  readonly digits: Int32Array;
  readonly window: readonly number[];
  readonly out: Shape;
}

function walk(shape: Shape, g: WindowGeometry, out: Shape): Walk {
  const xs = stridesOf(shape);
  const tables = windowAxes(shape, g).map((a, d) =>
    Float64Array.from(sourceTable(a, out[d]!), (i) => (i < 0 ? HOLE : i * xs[d]!)),
  );
  const r = shape.length;
  const taps = sizeOf(g.window);
  const digits = new Int32Array(taps * r);
  for (let k = 0; k < taps; k++) {
    let rest = k;
    for (let d = r - 1; d >= 0; d--) {
      digits[k * r + d] = rest % g.window[d]!;
      rest = Math.floor(rest / g.window[d]!);
    }
  }
  return { tables, taps, digits, window: g.window, out };
}

/** Calls `fn(outIndex, offsetOf)` for every output position; `offsetOf(k)` is tap k's element offset (< 0: hole). */
function forEachOutput(w: Walk, fn: (j: number, offsetOf: (k: number) => number) => void): void {
  const r = w.out.length;
  const o = new Int32Array(r);
  const n = sizeOf(w.out);
  const base = new Int32Array(r); // o[d] * window[d], the row of axis d's table
  const offsetOf = (k: number): number => {
    let off = 0;
    for (let d = 0; d < r; d++) off += w.tables[d]![base[d]! + w.digits[k * r + d]!]!;
    return off;
  };
  for (let j = 0; j < n; j++) {
    for (let d = 0; d < r; d++) base[d] = o[d]! * w.window[d]!;
    fn(j, offsetOf);
    for (let d = r - 1; d >= 0; d--) {
      if (++o[d]! < w.out[d]!) break;
      o[d] = 0;
    }
  }
}

/** `op` over every window of `x` (see `Backend.reduceWindow`). */
export function reduceWindowCpu(op: WindowOp, x: TensorInfo, g: WindowGeometry, out: Shape): TypedArray {
  const xv = x.buf as TypedArray;
  const res = allocArray(op === 'argmax' ? 'int32' : x.dtype, sizeOf(out));
  if (res.length === 0) return res;
  const w = walk(x.shape, g, out);
  forEachOutput(w, (j, offsetOf) => {
    if (op === 'sum') {
      let s = 0;
      for (let k = 0; k < w.taps; k++) {
        const off = offsetOf(k);
        if (off >= 0) s += xv[off]!;
      }
      res[j] = s;
      return;
    }
    let found = false;
    let best = -Infinity;
    let bi = 0;
    for (let k = 0; k < w.taps; k++) {
      const off = offsetOf(k);
      if (off < 0) continue;
      const v = xv[off]!;
      // the first maximum wins; a NaN beats everything and then stays
      if (!found || v > best || (v !== v && best === best)) {
        best = v;
        bi = k;
        found = true;
      }
    }
    res[j] = op === 'max' ? best : bi;
  });
  return res;
}

function checkTaps(op: string, idx: TypedArray, taps: number): void {
  for (let j = 0; j < idx.length; j++) {
    const v = idx[j]!;
    if (v < 0 || v >= taps)
      throw new RangeError(`${op}: tap ${v} is out of range for a window of ${taps} taps`);
  }
}

/** `out[o] = x` at window `o`'s tap `idx[o]` (0 at a hole). */
export function windowGatherCpu(x: TensorInfo, idx: TensorInfo, g: WindowGeometry, out: Shape): TypedArray {
  const xv = x.buf as TypedArray;
  const iv = idx.buf as TypedArray;
  const res = allocArray(x.dtype, sizeOf(out));
  if (res.length === 0) return res;
  const w = walk(x.shape, g, out);
  checkTaps('windowGather', iv, w.taps);
  forEachOutput(w, (j, offsetOf) => {
    const off = offsetOf(iv[j]!);
    if (off >= 0) res[j] = xv[off]!;
  });
  return res;
}

/** Zeros of `shape` plus `upd[o]` at window `o`'s tap `idx[o]` (the transpose of `windowGatherCpu`). */
export function windowScatterCpu(
  idx: TensorInfo,
  upd: TensorInfo,
  g: WindowGeometry,
  shape: Shape,
): TypedArray {
  const uv = upd.buf as TypedArray;
  const iv = idx.buf as TypedArray;
  const res = allocArray(upd.dtype, sizeOf(shape));
  if (res.length === 0 || uv.length === 0) return res;
  const w = walk(shape, g, idx.shape);
  checkTaps('windowScatter', iv, w.taps);
  // float64 accumulation, so float32 sums round once
  const acc = new Float64Array(res.length);
  forEachOutput(w, (j, offsetOf) => {
    const off = offsetOf(iv[j]!);
    if (off >= 0) acc[off] += uv[j]!;
  });
  res.set(acc);
  return res;
}
