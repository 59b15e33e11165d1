/** Convolution: `conv` in the manner of XLA's `conv_general_dilated`, channels-last. */
import { bind } from '../bind.js';
import { fmt, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import {
  checkInts,
  checkPadding,
  convAxes,
  dilatedSize,
  windowOutShape,
  type ConvGeometry,
  type PadPair,
} from '../window.js';
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
  return convGeneral(x, w, convGeometry('conv', x.shape, w.shape, options));
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

/** @internal `options` resolved against the shapes into an explicit geometry. */
function convGeometry(op: string, x: Shape, w: Shape, options: ConvOptions | undefined): ConvGeometry {
  checkOptionNames(op, options, CONV_OPTIONS);
  checkRanks(op, x, w);
  const n = x.length - 2;
  const strides = perAxis(op, 'strides', options?.strides, n);
  const lhsDilation = perAxis(op, 'lhsDilation', options?.lhsDilation, n);
  const rhsDilation = perAxis(op, 'rhsDilation', options?.rhsDilation, n);
  const featureGroupCount = options?.featureGroupCount ?? 1;
  checkInts(op, 'featureGroupCount', [featureGroupCount], 1, 1);
  const padding = resolvePadding(
    op,
    options?.padding,
    x.slice(1, -1),
    w.slice(0, n),
    strides,
    lhsDilation,
    rhsDilation,
  );
  return { strides, padding, lhsDilation, rhsDilation, featureGroupCount };
}

function checkRanks(op: string, x: Shape, w: Shape): void {
  if (x.length < 3 || w.length !== x.length) {
    throw new Error(
      `${op}: x must be [N, ...spatial, C] with at least one spatial axis and w [...window, C/groups, O] of the same rank; got x ${fmt(x)}, w ${fmt(w)}`,
    );
  }
}

/** @internal Validates a convolution of shapes `x` and `w` on geometry `g` and returns its output shape. */
export function convShape(op: string, x: Shape, w: Shape, g: ConvGeometry): number[] {
  const shapes = `x ${fmt(x)}, w ${fmt(w)}`;
  checkRanks(op, x, w);
  const n = x.length - 2;
  checkInts(op, 'strides', g.strides, n, 1);
  checkInts(op, 'lhsDilation', g.lhsDilation, n, 1);
  checkInts(op, 'rhsDilation', g.rhsDilation, n, 1);
  checkPadding(op, g.padding, n);
  const G = g.featureGroupCount;
  checkInts(op, 'featureGroupCount', [G], 1, 1);
  const [c, ci, o] = [x[n + 1]!, w[n]!, w[n + 1]!];
  if (ci * G !== c) {
    throw new Error(
      `${op}: x has ${c} input channels but the kernel takes ${ci} per group x ${G} group${G > 1 ? 's' : ''} = ${ci * G}; ${shapes}`,
    );
  }
  if (o % G !== 0)
    throw new Error(
      `${op}: the kernel's ${o} output channels do not split into ${G} feature groups; ${shapes}`,
    );
  const spatial = windowOutShape(op, convAxes(x, w.slice(0, n), g), 'spatial axis', shapes);
  return [x[0]!, ...spatial, o];
}

/** @internal The `conv` primitive on a validated geometry (used by the rules, too). */
export function convGeneral(x: Tensor, w: Tensor, g: ConvGeometry): Tensor {
  return bind('conv', [x, w], g);
}
