/**
 * Shape arithmetic shared by the primitives and the backends: sizes, strides, NumPy broadcasting,
 * axis normalisation. Every error names the op and the shapes involved.
 */

/** A tensor shape: one non-negative integer per axis. */
export type Shape = readonly number[];

/** Number of elements of a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Row-major strides of a contiguous tensor. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** `[2,3]` as text, for error messages. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** True when two shapes are equal. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The NumPy broadcast of two shapes; throws naming `op` when they are incompatible. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  if (shapesEqual(a, b)) return a.slice();
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading a tensor of shape `shape` as if broadcast to `out`: axes that broadcast get
 * stride 0. `shape` must broadcast to `out`.
 */
export function broadcastStrides(shape: Shape, out: Shape): number[] {
  const s = stridesOf(shape);
  const r = new Array<number>(out.length).fill(0);
  const off = out.length - shape.length;
  for (let i = 0; i < shape.length; i++) r[i + off] = shape[i] === 1 && out[i + off] !== 1 ? 0 : s[i]!;
  return r;
}

/** Validates and normalises one axis (negative counts from the end). */
export function normAxis(op: string, axis: number, rank: number): number {
  if (typeof axis !== 'number') {
    const got = typeof axis === 'string' ? `the string ${JSON.stringify(axis)}` : String(axis);
    throw new TypeError(`${op}: axis must be an integer, got ${got}`);
  }
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Validates and normalises a list of axes: sorted, unique; `undefined` means every axis. */
export function normAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axes !== 'number' && !(Array.isArray(axes) && axes.every((a) => typeof a === 'number'))) {
    const got =
      typeof axes === 'string'
        ? `the string ${JSON.stringify(axes)}`
        : (JSON.stringify(axes) ?? String(axes));
    throw new TypeError(
      `${op}: axis must be a number, an array of numbers or undefined (all axes), got ${got}`,
    );
  }
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normAxis(op, a, rank)).sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1])
      throw new RangeError(`${op}: axis ${out[i]} is repeated in [${list.join(',')}]`);
  }
  return out;
}

/** Validates a shape given by a user. */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(
      `${op}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  return shape.slice();
}

/** @internal `shape` with the reduced `axes` set to 1 (what `keepDims` gives). */
export function keptShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}
