/**
 * The cpu backend's one kind of view: a swap of the last two axes, as `mT` makes it. The backward
 * pass of `matmul` multiplies by transposes (`ct @ mT(b)`, `mT(a) @ ct`); the products read a
 * swapped operand in place through its strides, and anything else gets a contiguous copy, made
 * once on first use. Every other buffer of the backend is a plain typed array.
 */
import type { TensorInfo } from '../backend.js';
import type { TypedArray } from '../dtype.js';
import { sizeOf } from '../shape.js';

/**
 * A tensor of shape `shape` whose elements `[..., i, j]` are the elements `[..., j, i]` of `base`
 * (contiguous). The view keeps its own shape, so a kernel that hands the buffer on under another
 * shape (a reshape, or a kernel reading it as a matrix) gets the row-major data of the view.
 */
export class Swapped {
  /** @internal Contiguous copies made so far, in this realm (tests check the backward pass makes none). */
  static copies = 0;
  private copy: TypedArray | null = null;

  /** @param base the stored data, of shape `[...batch, cols, rows]` for a view of shape `[...batch, rows, cols]` */
  constructor(
    readonly base: TypedArray,
    readonly shape: readonly number[],
  ) {}

  /** The contiguous (row-major) data of the view, copied on first use. */
  contiguous(): TypedArray {
    if (this.copy === null) {
      const shape = this.shape;
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
      Swapped.copies++;
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
  return b instanceof Swapped ? b.contiguous() : (b as TypedArray);
}

/** The data of `x` as a product reads it: a swapped view of the same shape in place. */
export function operand(x: TensorInfo): MatrixOperand {
  const b = x.buf;
  if (b instanceof Swapped && sameShape(b.shape, x.shape)) return { data: b.base, swapped: true };
  return { data: contiguous(x), swapped: false };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The buffer of `x` transposed on its last two axes: a view, or the base of a view transposed back. */
export function swapLastTwo(x: TensorInfo): TypedArray | Swapped {
  const b = x.buf;
  if (b instanceof Swapped && sameShape(b.shape, x.shape)) return b.base;
  return new Swapped(contiguous(x), swapped(x.shape));
}

function swapped(shape: readonly number[]): number[] {
  const r = shape.length;
  return [...shape.slice(0, -2), shape[r - 1]!, shape[r - 2]!];
}

/** True when `perm` swaps the last two axes and keeps the others in place. */
export function swapsLastTwo(perm: readonly number[]): boolean {
  const r = perm.length;
  if (r < 2 || perm[r - 1] !== r - 2 || perm[r - 2] !== r - 1) return false;
  for (let i = 0; i < r - 2; i++) if (perm[i] !== i) return false;
  return true;
}
