/** Convolution: `conv` in the manner of XLA's `conv_general_dilated`, channels-last. */
import { bind } from '../bind.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkInts, checkPadding, dilatedSize, type ConvGeometry, type PadPair } from '../window.js';
import { checkTensor } from './coerce.js';

/** How a windowed op pads: `'valid'` (none), `'same'` (TensorFlow's rule) or explicit `[before, after]` pairs. */
export type Padding = 'valid' | 'same' | readonly PadPair[];

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

const CONV_OPTIONS = new Set(['strides', 'padding', 'lhsDilation', 'rhsDilation', 'featureGroupCount']);

/** @internal Throws on option names outside `known`, naming `op`. */
export function checkOptionNames(op: string, options: object | undefined, known: ReadonlySet<string>): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${op}: options must be an object, got ${String(options)}`);
  for (const k of Object.keys(options)) {
    if (!known.has(k)) throw new TypeError(`${op}: unknown option '${k}' (known: ${[...known].join(', ')})`);
  }
}

/** @internal A per-axis integer option: a number for every axis or one entry per axis. */
export function perAxis(
  op: string,
  name: string,
  v: number | readonly number[] | undefined,
  n: number,
  min = 1,
): number[] {
  const list =
    v === undefined
      ? new Array<number>(n).fill(1)
      : typeof v === 'number'
        ? new Array<number>(n).fill(v)
        : v.slice();
  checkInts(op, name, list, n, min);
  return list;
}

/**
 * @internal Padding pairs for `padding` along axes of extents `sizes` with windows `windows`:
 * TensorFlow's `'same'` gives `ceil(dilated size / stride)` outputs, the odd element after.
 */
export function resolvePadding(
  op: string,
  padding: Padding | undefined,
  sizes: readonly number[],
  windows: readonly number[],
  strides: readonly number[],
  baseDilation: readonly number[],
  windowDilation: readonly number[],
): PadPair[] {
  const n = sizes.length;
  if (padding === undefined || padding === 'valid') return sizes.map(() => [0, 0]);
  if (padding === 'same') {
    return sizes.map((s, d) => {
      const size = dilatedSize(s, baseDilation[d]!);
      const out = Math.ceil(size / strides[d]!);
      const total = Math.max(
        (out - 1) * strides[d]! + dilatedSize(windows[d]!, windowDilation[d]!) - size,
        0,
      );
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  if (typeof padding === 'string')
    throw new RangeError(`${op}: padding must be 'valid', 'same' or [before, after] pairs, got '${padding}'`);
  checkPadding(op, padding, n);
  return padding.map((p) => [p[0], p[1]]);
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
  checkOptionNames('conv', options, CONV_OPTIONS);
  if (x.rank < 3 || w.rank !== x.rank) {
    throw new Error(
      `conv: x must be [N, ...spatial, C] with at least one spatial axis and w [...window, C/groups, O] of the same rank; got x ${fmt(x.shape)}, w ${fmt(w.shape)}`,
    );
  }
  const n = x.rank - 2;
  const strides = perAxis('conv', 'strides', options?.strides, n);
  const lhsDilation = perAxis('conv', 'lhsDilation', options?.lhsDilation, n);
  const rhsDilation = perAxis('conv', 'rhsDilation', options?.rhsDilation, n);
  const featureGroupCount = options?.featureGroupCount ?? 1;
  checkInts('conv', 'featureGroupCount', [featureGroupCount], 1, 1);
  const padding = resolvePadding(
    'conv',
    options?.padding,
    x.shape.slice(1, -1),
    w.shape.slice(0, n),
    strides,
    lhsDilation,
    rhsDilation,
  );
  return convGeneral(x, w, { strides, padding, lhsDilation, rhsDilation, featureGroupCount });
}

/** @internal The `conv` primitive on a validated geometry (used by the rules, too). */
export function convGeneral(x: Tensor, w: Tensor, g: ConvGeometry): Tensor {
  return bind('conv', [x, w], g);
}
