/** Shape and layout ops: reshape, transpose, expandDims, squeeze, broadcastTo, slice, concat, stack, pad, take, oneHot. */
import { bind } from '../bind.js';
import { checkDType, type DType } from '../dtype.js';
import { broadcastShapes, checkShape, fmt, normAxes, normAxis, shapesEqual, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkTensor, valueFor } from './coerce.js';
import { arange } from './creation.js';
import { cast, equal } from './elementwise.js';

/** Throws unless `v` is an array of integers, naming `op` and the argument. */
function checkIntList(op: string, what: string, v: unknown): asserts v is readonly number[] {
  if (!Array.isArray(v) || !v.every((d) => Number.isInteger(d))) {
    const got = Array.isArray(v) ? JSON.stringify(v) : typeof v === 'string' ? JSON.stringify(v) : String(v);
    throw new TypeError(`${op}: ${what} must be an array of integers, got ${got}`);
  }
}

/** A new shape with the same elements; one entry may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', x);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1)) {
    throw new TypeError(`reshape: shape must be integers >= -1, got ${JSON.stringify(shape)}`);
  }
  const s = shape.slice();
  const infer = s.indexOf(-1);
  if (infer !== s.lastIndexOf(-1)) throw new Error(`reshape: only one -1 allowed in ${fmt(shape)}`);
  if (infer >= 0) {
    const rest = sizeOf(s.filter((d) => d !== -1));
    if (rest === 0 || x.size % rest !== 0)
      throw new Error(`reshape: cannot reshape ${fmt(x.shape)} to ${fmt(shape)}`);
    s[infer] = x.size / rest;
  }
  if (shapesEqual(s, x.shape)) return x;
  return bind('reshape', [x], { shape: s });
}

/** Permutes the axes (default: reversed). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  checkTensor('transpose', x);
  if (perm !== undefined) checkIntList('transpose', 'perm', perm);
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.every((a, i) => a === i) && p.length === x.rank) return x;
  return bind('transpose', [x], { perm: p.slice() });
}

/** Swaps the last two axes (the matrix transpose of a batch of matrices). */
export function mT(x: Tensor): Tensor {
  checkTensor('mT', x);
  if (x.rank < 2) throw new Error(`mT: needs rank >= 2, got shape ${fmt(x.shape)}`);
  const p = x.shape.map((_, i) => i);
  [p[x.rank - 2], p[x.rank - 1]] = [p[x.rank - 1]!, p[x.rank - 2]!];
  return transpose(x, p);
}

/** Inserts an axis of size 1 at `axis` (negative counts from the end of the result). */
export function expandDims(x: Tensor, axis: number): Tensor {
  checkTensor('expandDims', x);
  const a = normAxis('expandDims', axis, x.rank + 1);
  const s = x.shape.slice();
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** Removes axes of size 1 (the given ones, or all). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  checkTensor('squeeze', x);
  const axes =
    axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes('squeeze', axis, x.rank);
  for (const a of axes) {
    if (x.shape[a] !== 1)
      throw new Error(`squeeze: axis ${a} of shape ${fmt(x.shape)} has size ${x.shape[a]}, not 1`);
  }
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/** Repeats `x` along broadcast axes to `shape` (NumPy rules). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('broadcastTo', x);
  const s = checkShape('broadcastTo', shape);
  if (shapesEqual(s, x.shape)) return x;
  const b = broadcastShapes('broadcastTo', x.shape, s);
  if (!shapesEqual(b, s)) throw new Error(`broadcastTo: cannot broadcast ${fmt(x.shape)} to ${fmt(s)}`);
  return bind('broadcastTo', [x], { shape: s });
}

/**
 * The block of `x` starting at `begin`, of extent `size` (-1 = to the end). Missing trailing
 * entries take whole axes.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  checkTensor('slice', x);
  checkIntList('slice', 'begin', begin);
  if (size !== undefined) checkIntList('slice', 'size', size);
  if (begin.length > x.rank || (size && size.length > x.rank)) {
    throw new RangeError(`slice: begin/size longer than rank ${x.rank} of ${fmt(x.shape)}`);
  }
  const b = x.shape.map((_, i) => begin[i] ?? 0);
  const s = x.shape.map((d, i) => {
    const v = size?.[i] ?? -1;
    return v === -1 ? d - b[i]! : v;
  });
  for (let i = 0; i < x.rank; i++) {
    if (
      !Number.isInteger(b[i]) ||
      !Number.isInteger(s[i]) ||
      b[i]! < 0 ||
      s[i]! < 0 ||
      b[i]! + s[i]! > x.shape[i]!
    ) {
      throw new RangeError(
        `slice: begin ${fmt(b)} size ${fmt(s)} is out of bounds for shape ${fmt(x.shape)}`,
      );
    }
  }
  if (shapesEqual(s, x.shape)) return x;
  return bind('slice', [x], { begin: b, size: s });
}

/** Joins tensors along an existing axis. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new Error('concat: needs a non-empty array of tensors');
  xs.forEach((x, i) => checkTensor('concat', x, `xs[${i}]`));
  const a = normAxis('concat', axis, xs[0]!.rank); // validated even when there is nothing to join
  if (xs.length === 1) return xs[0]!;
  return bind('concat', xs, { axis: a });
}

/** Joins tensors of equal shape along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new Error('stack: needs a non-empty array of tensors');
  xs.forEach((x, i) => checkTensor('stack', x, `xs[${i}]`));
  const a = normAxis('stack', axis, xs[0]!.rank + 1);
  for (const x of xs) {
    if (!shapesEqual(x.shape, xs[0]!.shape)) {
      throw new Error(`stack: shapes differ: ${xs.map((y) => fmt(y.shape)).join(', ')}`);
    }
  }
  return concat(
    xs.map((x) => expandDims(x, a)),
    a,
  );
}

/**
 * Pads each axis with `widths[i] = [before, after]` copies of `value` (default 0), stored as the
 * tensor's dtype stores it: for bool 0 or 1 (any non-zero is true), for int32 an integer.
 */
export function pad(x: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor {
  checkTensor('pad', x);
  const fill = valueFor('pad', x.dtype, value);
  if (!Array.isArray(widths) || widths.length !== x.rank) {
    throw new Error(
      `pad: widths must give [before, after] for each of the ${x.rank} axes of ${fmt(x.shape)}`,
    );
  }
  for (const w of widths) {
    if (!Array.isArray(w) || w.length !== 2 || !w.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new RangeError(
        `pad: each width must be [before, after] of non-negative integers, got ${JSON.stringify(w)}`,
      );
    }
  }
  if (widths.every((w) => w[0] === 0 && w[1] === 0)) return x;
  return bind('pad', [x], { widths: widths.map((w) => [w[0], w[1]] as const), value: fill });
}

/**
 * Gathers slices of `x` along `axis` at integer `indices` (any shape): the result's shape is
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`. Embedding lookups and label picks use this.
 */
export function take(x: Tensor, indices: Tensor, axis = 0): Tensor {
  checkTensor('take', x);
  checkTensor('take', indices, 'indices');
  return bind('take', [x, indices], { axis: normAxis('take', axis, x.rank) });
}

/** Adds `updates` into zeros of `shape` at `indices` along `axis` (the transpose of `take`). */
export function scatterAdd(indices: Tensor, updates: Tensor, shape: readonly number[], axis = 0): Tensor {
  checkTensor('scatterAdd', indices, 'indices');
  checkTensor('scatterAdd', updates, 'updates');
  const s = checkShape('scatterAdd', shape);
  return bind('scatterAdd', [indices, updates], { axis: normAxis('scatterAdd', axis, s.length), shape: s });
}

/**
 * One-hot encoding of integer labels: shape `labels.shape + [depth]`. A label outside
 * `[0, depth)` throws (a zero row would train silently on nothing): the labels pass through the
 * range-checked `take` from `arange(depth)` first, so the check runs at the call for labels on the
 * host and once computed for labels computed on a device (then reading the result throws).
 */
export function oneHot(labels: Tensor, depth: number, dtype: DType = 'float32'): Tensor {
  checkTensor('oneHot', labels, 'labels');
  if (labels.dtype !== 'int32') throw new TypeError(`oneHot: labels must be int32, got ${labels.dtype}`);
  if (!Number.isInteger(depth) || depth <= 0)
    throw new RangeError(`oneHot: depth must be a positive integer, got ${depth}`);
  checkDType(dtype, 'oneHot');
  const classes = arange(depth, undefined, 1, { dtype: 'int32', backend: labels.backend });
  let checked: Tensor;
  try {
    checked = take(classes, labels);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new RangeError(`oneHot: labels must be in [0, ${depth}): ${e.message}`, { cause: e });
  }
  return cast(equal(expandDims(checked, -1), classes), dtype);
}
