/** Convolution: `conv` in the manner of XLA's `conv_general_dilated`, channels-last. */
import { bind } from '../bind.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Padding } from '../window.js';
import { convGeometry, convShape } from '../window-options.js';
export type { Padding } from '../window.js';
import { checkTensor } from './coerce.js';

/** Options of {@link conv}. Numbers apply to every spatial axis; arrays give one entry per axis. */
export interface ConvOptions {
  /** Window step per spatial axis. Default 1. */
  readonly strides?: number | readonly number[];
  /**
   * `'valid'` (default): no padding. `'same'`: the output has `ceil(input / stride)` positions per
   * axis, padded as TensorFlow does (an odd total puts the extra element after, so even kernels work).
   * Or one `[before, after]` pair per spatial axis; negative values crop.
   */
  readonly padding?: Padding;
  /** Dilation of the input (zeros between its elements): what a transposed convolution does. Default 1. */
  readonly lhsDilation?: number | readonly number[];
  /** Dilation of the kernel (atrous convolution). Default 1. */
  readonly rhsDilation?: number | readonly number[];
  /**
   * Splits the input channels into this many groups, each convolved with its own slice of the
   * output channels (depthwise convolution: as many groups as input channels). Default 1.
   */
  readonly featureGroupCount?: number;
}

/**
 * N-dimensional convolution (cross-correlation, as in every deep-learning library), channels last:
 * input `x` is `[N, ...spatial, C]` (NHWC for images), kernel `w` is `[...window, C / groups, O]`
 * (HWIO), the result `[N, ...outSpatial, O]`. One spatial axis is a 1-d convolution, two a 2-d one.
 * Output position `o` along an axis sums `x` at `o * stride + k * rhsDilation - padBefore` (in the
 * coordinates of the `lhsDilation`-dilated input) over the kernel taps `k`.
 *
 * Both arguments are differentiable to any order: the derivatives are convolutions again.
 *
 * @example
 * ```ts
 * import { conv, tensor } from '@gen-ts/core';
 * // a 3x3 image (one channel) and a 2x2 kernel that sums each window
 * const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], { shape: [1, 3, 3, 1] });
 * const w = tensor([1, 1, 1, 1], { shape: [2, 2, 1, 1] });
 * console.log(conv(x, w).toArray()); // [[[[12], [16]], [[24], [28]]]]
 * console.log(conv(x, w, { padding: 'same' }).shape); // [1, 3, 3, 1]
 * console.log(conv(x, w, { strides: 2, padding: [[1, 0], [1, 0]] }).toArray()); // [[[[1], [5]], [[11], [28]]]]
 * ```
 */
export function conv(x: Tensor, w: Tensor, options?: ConvOptions): Tensor {
  checkTensor('conv', x, 'x');
  checkTensor('conv', w, 'w');
  return bind('conv', [x, w], convGeometry('conv', x.shape, w.shape, options));
}

/**
 * The shape {@link conv} gives for an input of shape `x` and a kernel of shape `w`, validated as
 * `conv` validates them (errors name `op`, so a layer can check its shapes at `init`).
 *
 * @example
 * ```ts
 * import { convOutputShape } from '@gen-ts/core';
 * console.log(convOutputShape([64, 28, 28, 1], [3, 3, 1, 32], { padding: 'same', strides: 2 })); // [64, 14, 14, 32]
 * ```
 */
export function convOutputShape(x: Shape, w: Shape, options?: ConvOptions, op = 'conv'): number[] {
  return convShape(op, x, w, convGeometry(op, x, w, options));
}
