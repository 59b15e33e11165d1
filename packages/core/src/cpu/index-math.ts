/**
 * Index maps for the cpu kernels: for an output of shape `out`, the flat position in an input
 * read through `strides` (0 on broadcast or reduced axes), walked with an odometer so the inner
 * loop does no division.
 */
import { broadcastStrides, shapesEqual, sizeOf, type Shape } from '../shape.js';

/** Flat input offsets for every output position, given per-axis input strides and a base offset. */
export function offsets(out: Shape, strides: readonly number[], base = 0): Int32Array {
  const n = sizeOf(out);
  const res = new Int32Array(n);
  const rank = out.length;
  const idx = new Array<number>(rank).fill(0);
  let off = base;
  for (let i = 0; i < n; i++) {
    res[i] = off;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < out[d]!) break;
      off -= strides[d]! * out[d]!;
      idx[d] = 0;
    }
  }
  return res;
}

/** Input offsets for reading `shape` broadcast to `out`, or null when no broadcasting happens. */
export function broadcastIndex(shape: Shape, out: Shape): Int32Array | null {
  if (shapesEqual(shape, out)) return null;
  return offsets(out, broadcastStrides(shape, out));
}
