/**
 * Windowed reductions and the window gather/scatter pair on the cpu backend. Leading and trailing
 * axes the window leaves alone (extent 1, step 1, no padding or dilation) are coalesced: pooling
 * an NHWC tensor walks the (batch, output position) pairs once, computes the element offset of each
 * window tap there (a sum of per-axis table entries; a hole on any axis makes it negative), and
 * then runs a contiguous loop over the channels. The per-position work is amortised over them.
 */
import type { TensorInfo, WindowOp } from '../backend.js';
import type { TypedArray } from '../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import type { Alloc } from './pool.js';
import type { WasmElementwise } from './wasm/elementwise.js';
import { contiguous } from './views.js';
import { checkTaps, sourceTable, windowAxes, type WindowAxis, type WindowGeometry } from '../window.js';

/** Offsets below this mark a hole: any sum of real offsets with one of them stays negative. */
const HOLE = -(2 ** 50);

/** `table[o * window + k]`: the element offset output `o` reads at tap `k` along `a` (input stride `stride`), or a hole. */
export function offsetTable(a: WindowAxis, outSize: number, stride: number): Float64Array {
  return Float64Array.from(sourceTable(a, outSize), (i) => (i < 0 ? HOLE : i * stride));
}

/** `digits[k * n + d]`: flat tap `k`'s position along axis `d` of a row-major `window`. */
export function tapDigits(window: readonly number[]): Int32Array {
  const n = window.length;
  const taps = sizeOf(window);
  const digits = new Int32Array(taps * n);
  for (let k = 0; k < taps; k++) {
    let rest = k;
    for (let d = n - 1; d >= 0; d--) {
      digits[k * n + d] = rest % window[d]!;
      rest = Math.floor(rest / window[d]!);
    }
  }
  return digits;
}

/** Calls `visit(a, xBase, yBase, tapOffsets)` per (outer index, windowed output position). */
type Visit = (xBase: number, yBase: number, taps: Float64Array) => void;

/** The windowing of `shape` by `g` into `out`, split into outer x windowed x inner axes. */
interface Walk {
  readonly outer: number;
  readonly inner: number;
  readonly taps: number;
  /** Windowed output positions per outer index. */
  readonly positions: number;
  /** Elements of `x` per outer index. */
  readonly xBlock: number;
  run(visit: Visit): void;
  /** Calls `visit(p, tapOffsets)` per windowed output position (offsets within one outer block). */
  eachPosition(visit: (p: number, taps: Float64Array) => void): void;
}

const trivial = (g: WindowGeometry, d: number): boolean =>
  g.window[d] === 1 &&
  g.strides[d] === 1 &&
  g.padding[d]![0] === 0 &&
  g.padding[d]![1] === 0 &&
  g.baseDilation[d] === 1 &&
  g.windowDilation[d] === 1;

function walk(shape: Shape, g: WindowGeometry, out: Shape): Walk {
  const r = shape.length;
  let lo = 0;
  while (lo < r && trivial(g, lo)) lo++;
  let hi = r;
  while (hi > lo && trivial(g, hi - 1)) hi--;
  const outer = sizeOf(shape.slice(0, lo));
  const inner = sizeOf(shape.slice(hi));
  const mid = shape.slice(lo, hi);
  const midOut = out.slice(lo, hi);
  const win = g.window.slice(lo, hi);
  const xs = stridesOf(shape);
  const axes = windowAxes(shape, g).slice(lo, hi);
  const tables = axes.map((a, j) => offsetTable(a, midOut[j]!, xs[lo + j]!));
  const n = mid.length;
  const taps = sizeOf(win);
  const digits = tapDigits(win);
  const xBlock = sizeOf(mid) * inner;
  const positions = sizeOf(midOut);
  const yBlock = positions * inner;
  const eachPosition = (visit: (p: number, taps: Float64Array) => void) => {
    const tapOff = new Float64Array(taps);
    const o = new Int32Array(n);
    for (let p = 0; p < positions; p++) {
      for (let k = 0; k < taps; k++) {
        let off = 0;
        for (let d = 0; d < n; d++) off += tables[d]![o[d]! * win[d]! + digits[k * n + d]!]!;
        tapOff[k] = off;
      }
      visit(p, tapOff);
      for (let d = n - 1; d >= 0; d--) {
        if (++o[d]! < midOut[d]!) break;
        o[d] = 0;
      }
    }
  };
  return {
    outer,
    inner,
    taps,
    positions,
    xBlock,
    eachPosition,
    run(visit) {
      eachPosition((p, tapOff) => {
        for (let a = 0; a < outer; a++) visit(a * xBlock, a * yBlock + p * inner, tapOff);
      });
    },
  };
}

/**
 * `[offset, tap]` per position and tap, each hole replaced by the position's first real tap (which
 * never beats itself, so a max over the entries is the max over the real taps); null when some
 * window is all holes (its result is the empty max, which the loop gives).
 */
function holeFreeTable(w: Walk): Int32Array | null {
  const t = new Int32Array(w.positions * w.taps * 2);
  let ok = true;
  w.eachPosition((p, tapOff) => {
    let k0 = 0;
    while (k0 < w.taps && tapOff[k0]! < 0) k0++;
    if (k0 === w.taps) ok = false;
    for (let k = 0; k < w.taps; k++) {
      const hole = tapOff[k]! < 0;
      t[2 * (p * w.taps + k)] = hole ? tapOff[k0]! : tapOff[k]!;
      t[2 * (p * w.taps + k) + 1] = hole ? k0 : k;
    }
  });
  return ok ? t : null;
}

/**
 * `op` over every window of `x` (see `Backend.reduceWindow`); float32 max and argmax over a
 * channels-last layout (a multiple of 4 channels) run on `vector`'s f32x4 kernel when given.
 * `counts` records which path each max or argmax took.
 */
export function reduceWindowCpu(
  op: WindowOp,
  x: TensorInfo,
  g: WindowGeometry,
  out: Shape,
  alloc: Alloc,
  vector: WasmElementwise | null = null,
  counts: { wasm: number; js: number } = { wasm: 0, js: 0 },
): TypedArray {
  const xv = contiguous(x);
  const res = alloc(op === 'argmax' ? 'int32' : x.dtype, sizeOf(out), false);
  if (res.length === 0) return res;
  const w = walk(x.shape, g, out);
  if ((op === 'max' || op === 'argmax') && x.dtype === 'float32' && vector && w.inner % 4 === 0) {
    const table = holeFreeTable(w);
    const rows = w.outer * w.positions;
    const sizes = { rows, positions: w.positions, taps: w.taps, inner: w.inner };
    const r = res as Float32Array | Int32Array;
    if (table && vector.windowMax(op === 'argmax', xv as Float32Array, table, sizes, w.xBlock, r)) {
      counts.wasm++;
      return res;
    }
  }
  if (op === 'max' || op === 'argmax') counts.js++;
  const m = w.inner;
  const acc = new Float64Array(m); // sums in double, so float32 rounds once
  const best = new Float64Array(m);
  const bi = new Int32Array(m);
  w.run((xb, yb, tapOff) => {
    if (op === 'sum') {
      acc.fill(0);
      for (let k = 0; k < w.taps; k++) {
        const off = tapOff[k]!;
        if (off < 0) continue;
        const s = xb + off;
        for (let c = 0; c < m; c++) acc[c] += xv[s + c]!;
      }
      for (let c = 0; c < m; c++) res[yb + c] = acc[c]!;
      return;
    }
    let found = false; // holes are holes on every channel
    for (let k = 0; k < w.taps; k++) {
      const off = tapOff[k]!;
      if (off < 0) continue;
      const s = xb + off;
      if (!found) {
        for (let c = 0; c < m; c++) best[c] = xv[s + c]!;
        bi.fill(k);
        found = true;
        continue;
      }
      // the first maximum wins; a NaN beats everything and then stays
      for (let c = 0; c < m; c++) {
        const v = xv[s + c]!;
        const b = best[c]!;
        if (v > b || (v !== v && b === b)) {
          best[c] = v;
          bi[c] = k;
        }
      }
    }
    if (op === 'max') for (let c = 0; c < m; c++) res[yb + c] = found ? best[c]! : -Infinity;
    else for (let c = 0; c < m; c++) res[yb + c] = found ? bi[c]! : 0;
  });
  return res;
}

/** `out[o] = x` at window `o`'s tap `idx[o]` (0 at a hole). */
export function windowGatherCpu(
  x: TensorInfo,
  idx: TensorInfo,
  g: WindowGeometry,
  out: Shape,
  alloc: Alloc,
): TypedArray {
  const xv = contiguous(x);
  const iv = contiguous(idx);
  const res = alloc(x.dtype, sizeOf(out));
  if (res.length === 0) return res;
  const w = walk(x.shape, g, out);
  checkTaps('windowGather', iv, w.taps);
  const m = w.inner;
  w.run((xb, yb, tapOff) => {
    for (let c = 0; c < m; c++) {
      const off = tapOff[iv[yb + c]!]!;
      if (off >= 0) res[yb + c] = xv[xb + off + c]!;
    }
  });
  return res;
}

/** True when no two windows share an element: each axis steps at least its dilated window's extent. */
function disjoint(g: WindowGeometry): boolean {
  return g.window.every((k, d) => g.strides[d]! >= (k - 1) * g.windowDilation[d]! + 1);
}

/** Zeros of `shape` plus `upd[o]` at window `o`'s tap `idx[o]` (the transpose of `windowGatherCpu`). */
export function windowScatterCpu(
  idx: TensorInfo,
  upd: TensorInfo,
  g: WindowGeometry,
  shape: Shape,
  alloc: Alloc,
): TypedArray {
  const uv = contiguous(upd);
  const iv = contiguous(idx);
  const res = alloc(upd.dtype, sizeOf(shape));
  if (res.length === 0 || uv.length === 0) return res;
  const w = walk(shape, g, idx.shape);
  checkTaps('windowScatter', iv, w.taps);
  const m = w.inner;
  // Float32 sums go through a float64 array so that they round once. Where windows are disjoint
  // each element gets at most one update, 0 + u, which is exact: then `res` itself is the sum (for
  // max pooling's 2x2 / stride 2 this skips an input-sized float64 array and the copy out of it).
  const acc = upd.dtype === 'float64' || disjoint(g) ? res : new Float64Array(res.length);
  w.run((xb, yb, tapOff) => {
    for (let c = 0; c < m; c++) {
      const off = tapOff[iv[yb + c]!]!;
      if (off >= 0) acc[xb + off + c] += uv[yb + c]!;
    }
  });
  if (acc !== res) res.set(acc);
  return res;
}
