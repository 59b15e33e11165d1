/** Reductions: sum, max, min, prod, mean, argmax, argmin, variance. `axis` undefined means all axes. */
import { bind } from '../bind.js';
import { fmt, keptShape, normAxes, normAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkTensor } from './coerce.js';
import { div, neg, square, sub } from './elementwise.js';
import { reshape } from './movement.js';

/** Axes to reduce over: one, several, or (undefined) all. */
export type Axis = number | readonly number[] | undefined;

function reducer(name: 'sum' | 'max' | 'prod') {
  return (x: Tensor, axis?: Axis, keepDims = false): Tensor => {
    checkTensor(name, x);
    // checked here too: with no axes to reduce the primitive (and its check) is skipped
    if (x.dtype === 'bool') throw new TypeError(`${name}: not defined for bool tensors ${fmt(x.shape)}`);
    const axes = normAxes(name, axis, x.rank);
    if (name === 'max' && axes.some((a) => x.shape[a] === 0)) {
      throw new Error(`max: cannot reduce an empty axis of shape ${fmt(x.shape)}`);
    }
    const y = axes.length === 0 ? x : bind(name, [x], { axes });
    return keepDims ? reshape(y, keptShape(x.shape, axes)) : y;
  };
}

/** Sum over `axis` (all axes by default). */
export const sum = reducer('sum');
/** Maximum over `axis`; the gradient is split evenly among ties. */
export const max = reducer('max');
/** Product over `axis`; exact gradients, zeros included. */
export const prod = reducer('prod');

/** Minimum over `axis`. */
export function min(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  checkTensor('min', x);
  return neg(max(neg(x), axis, keepDims));
}

/** Mean over `axis`. */
export function mean(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  checkTensor('mean', x);
  const axes = normAxes('mean', axis, x.rank);
  const n = sizeOf(axes.map((a) => x.shape[a]!));
  return div(sum(x, axes, keepDims), n);
}

/** Population variance over `axis` (mean of squared deviations). */
export function variance(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  checkTensor('variance', x);
  return mean(square(sub(x, mean(x, axis, true))), axis, keepDims);
}

/** Index of the (first) maximum along `axis`, as `int32`. */
export function argmax(x: Tensor, axis = -1): Tensor {
  checkTensor('argmax', x);
  const a = normAxis('argmax', axis, x.rank);
  if (x.shape[a] === 0) throw new Error(`argmax: axis ${a} of shape ${fmt(x.shape)} is empty`);
  return bind('argmax', [x], { axis: a });
}

/** Index of the (first) minimum along `axis`, as `int32`. */
export function argmin(x: Tensor, axis = -1): Tensor {
  return argmax(neg(x), axis);
}
