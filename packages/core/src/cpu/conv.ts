/**
 * Convolution on the cpu backend as im2col plus the backend's own matrix product: the input
 * windows are copied into a `[groups, N * outPositions, taps * C/groups]` patch matrix (zeros at
 * holes), and one batched product with the kernel (viewed as `[groups, taps * C/groups, O/groups]`)
 * gives the result. The product is the backend's `matmul`, so whatever makes it faster makes
 * convolutions faster too.
 */
import type { TensorInfo } from '../backend.js';
import type { DType, TypedArray } from '../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import { convAxes, type ConvGeometry } from '../window.js';
import type { Alloc } from './pool.js';
import { contiguous } from './views.js';
import { offsetTable, tapDigits } from './window.js';

/** The geometry of one image's patches: positions per image, taps, channels read per tap. */
export interface PatchGeometry {
  readonly positions: number;
  readonly taps: number;
  readonly cg: number;
  /** Elements of one image. */
  readonly imageSize: number;
}

/** The kernels a convolution is built from, and the backend's allocator. */
export interface ConvKernels {
  alloc: Alloc;
  matmul(a: TensorInfo, b: TensorInfo, outShape: Shape): unknown;
  transpose(x: TensorInfo, perm: readonly number[]): unknown;
  /**
   * The product `patches(x) @ w` into `res` with the patch matrix built where the product reads
   * it (the WebAssembly kernels); false when this backend cannot (then im2col and `matmul` run).
   */
  patchProduct?(
    dtype: DType,
    x: TypedArray,
    table: Int32Array,
    im: PatchGeometry,
    w: TensorInfo,
    g: { m: number; n: number; k: number },
    res: TypedArray,
  ): boolean;
}

/**
 * `table[p * taps + k]`: the element offset, within one image, of the channels that output
 * position `p` reads at tap `k`, or -1 where any axis puts a hole there.
 */
export function tapTable(x: TensorInfo, kernel: readonly number[], g: ConvGeometry, out: Shape): Int32Array {
  const n = kernel.length;
  const taps = sizeOf(kernel);
  const positions = sizeOf(out.slice(1, n + 1));
  const tables = offsetTables(x, kernel, g, out);
  const digits = tapDigits(kernel);
  const res = new Int32Array(positions * taps);
  const o = new Int32Array(n);
  for (let p = 0; p < positions; p++) {
    for (let k = 0; k < taps; k++) {
      let off = 0;
      for (let d = 0; d < n; d++) off += tables[d]![o[d]! * kernel[d]! + digits[k * n + d]!]!;
      res[p * taps + k] = off < 0 ? -1 : off;
    }
    for (let d = n - 1; d >= 0; d--) {
      if (++o[d]! < out[d + 1]!) break;
      o[d] = 0;
    }
  }
  return res;
}

/**
 * Per spatial axis, `table[o * K + k]` = the element offset (input index times the axis stride)
 * that output `o` reads at tap `k`, or a hole (negative).
 */
function offsetTables(x: TensorInfo, kernel: readonly number[], g: ConvGeometry, out: Shape): Float64Array[] {
  const xs = stridesOf(x.shape);
  return convAxes(x.shape, kernel, g).map((a, d) => offsetTable(a, out[d + 1]!, xs[d + 1]!));
}

/** The patch matrix `[G, M, taps * Cg]` of `x` (see the file header). */
export function im2col(
  x: TensorInfo,
  kernel: readonly number[],
  g: ConvGeometry,
  out: Shape,
  alloc: Alloc,
): TypedArray {
  const n = kernel.length;
  const G = g.featureGroupCount;
  const C = x.shape[n + 1]!;
  const cg = C / G;
  const taps = sizeOf(kernel);
  const row = taps * cg;
  const positions = sizeOf(out.slice(1, n + 1));
  const M = x.shape[0]! * positions;
  const res = alloc(x.dtype, G * M * row);
  if (res.length === 0) return res;
  const xv = contiguous(x);
  const tables = offsetTables(x, kernel, g, out);
  const digits = tapDigits(kernel);
  const o = new Int32Array(n);
  const batchStride = sizeOf(x.shape.slice(1));
  const groupStride = M * row;
  for (let b = 0; b < x.shape[0]!; b++) {
    o.fill(0);
    for (let p = 0; p < positions; p++) {
      const r = (b * positions + p) * row;
      for (let k = 0; k < taps; k++) {
        let off = b * batchStride;
        for (let d = 0; d < n; d++) off += tables[d]![o[d]! * kernel[d]! + digits[k * n + d]!]!;
        if (off < 0) continue; // a hole: the row stays zero there
        const dst = r + k * cg;
        for (let q = 0; q < G; q++) {
          const s = off + q * cg;
          const t = dst + q * groupStride;
          for (let c = 0; c < cg; c++) res[t + c] = xv[s + c]!;
        }
      }
      for (let d = n - 1; d >= 0; d--) {
        if (++o[d]! < out[d + 1]!) break;
        o[d] = 0;
      }
    }
  }
  return res;
}

/** `conv(x, w)` as im2col and one (batched, for groups) product; see the file header. */
export function convIm2col(
  k: ConvKernels,
  x: TensorInfo,
  w: TensorInfo,
  g: ConvGeometry,
  out: Shape,
): unknown {
  const n = x.shape.length - 2;
  const kernel = w.shape.slice(0, n);
  const G = g.featureGroupCount;
  const O = w.shape[n + 1]!;
  const row = sizeOf(kernel) * w.shape[n]!;
  const M = sizeOf(out.slice(0, n + 1));
  const dtype = x.dtype;
  if (G === 1 && k.patchProduct && M > 0 && row > 0) {
    const res = k.alloc(dtype, M * O, false);
    const im = {
      positions: sizeOf(out.slice(1, n + 1)),
      taps: sizeOf(kernel),
      cg: x.shape[n + 1]!,
      imageSize: sizeOf(x.shape.slice(1)),
    };
    const g2 = { m: M, n: O, k: row };
    if (k.patchProduct(dtype, contiguous(x), tapTable(x, kernel, g, out), im, w, g2, res)) return res;
  }
  const patches = im2col(x, kernel, g, out, (d, m) => k.alloc(d, m));
  if (G === 1)
    return k.matmul(
      { shape: [M, row], dtype, buf: patches },
      { shape: [row, O], dtype, buf: contiguous(w) },
      [M, O],
    );
  // the kernel [row, G, O/G] group-major, the product [G, M, O/G] back to [M, G, O/G]
  const wg = k.transpose({ shape: [row, G, O / G], dtype, buf: contiguous(w) }, [1, 0, 2]);
  const y = k.matmul(
    { shape: [G, M, row], dtype, buf: patches },
    { shape: [G, row, O / G], dtype, buf: wg },
    [G, M, O / G],
  );
  return k.transpose({ shape: [G, M, O / G], dtype, buf: y }, [1, 0, 2]);
}
