/**
 * The cpu backend's one kind of view: a swap of the last two axes, as `mT` makes it. The backward
 * pass of `matmul` multiplies by transposes (`ct @ mT(b)`, `mT(a) @ ct`); the products read a
 * swapped operand in place through its strides, and anything else gets a contiguous copy, made
 * once on first use. Every other buffer of the backend is a plain typed array.
 */
import type { TensorInfo } from '../backend.js';
import type { TypedArray } from '../dtype.js';
import { sizeOf } from '../shape.js';

/** A tensor whose elements `[..., i, j]` are the elements `[..., j, i]` of `base` (contiguous). */
export class Swapped {
  private copy: TypedArray | null = null;

  /** @param base the stored data, of shape `[...batch, cols, rows]` for a view of shape `[...batch, rows, cols]` */
  constructor(readonly base: TypedArray) {}

  /** The contiguous data of the view of shape `shape`, copied on first use. */
  contiguous(shape: readonly number[]): TypedArray {
    if (this.copy === null) {
      const r = shape.length;
      const rows = shape[r - 2]!;
      const cols = shape[r - 1]!;
      const nb = sizeOf(shape.slice(0, -2));
      const src = this.base;
      const out = new (src.constructor as new (n: number) => TypedArray)(src.length);
      for (let t = 0, o = 0; t < nb; t++) {
        const b = t * rows * cols;
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[o++] = src[b + j * rows + i]!;
      }
      this.copy = out;
    }
    return this.copy;
  }
}

/** How a matrix product reads one operand: the stored elements and whether they are swapped. */
export interface MatrixOperand {
  /** The stored elements: `[...batch, rows, cols]` of the operand, or `[...batch, cols, rows]` if swapped. */
  readonly data: TypedArray;
  readonly swapped: boolean;
}

/** The data of `x` as a contiguous array (copying a swapped view once). */
export function contiguous(x: TensorInfo): TypedArray {
  const b = x.buf;
  return b instanceof Swapped ? b.contiguous(x.shape) : (b as TypedArray);
}

/** The data of `x` as a product reads it: a swapped view in place. */
export function operand(x: TensorInfo): MatrixOperand {
  const b = x.buf;
  return b instanceof Swapped ? { data: b.base, swapped: true } : { data: b as TypedArray, swapped: false };
}

/** The buffer of `x` transposed on its last two axes: a view, or the base of a view transposed back. */
export function swapLastTwo(x: TensorInfo): TypedArray | Swapped {
  const b = x.buf;
  return b instanceof Swapped ? b.base : new Swapped(b as TypedArray);
}

/** True when `perm` swaps the last two axes and keeps the others in place. */
export function swapsLastTwo(perm: readonly number[]): boolean {
  const r = perm.length;
  if (r < 2 || perm[r - 1] !== r - 2 || perm[r - 2] !== r - 1) return false;
  for (let i = 0; i < r - 2; i++) if (perm[i] !== i) return false;
  return true;
}
