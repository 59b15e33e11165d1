/** Windowed reductions: `reduceWindow` over any axes, and channels-last `maxPool` / `avgPool`. */
import { bind } from '../bind.js';
import { checkShape, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { windowAxes, windowOutSize, type Padding, type WindowGeometry } from '../window.js';
import { checkOptionNames, perAxis, poolGeometry, resolvePadding } from '../window-options.js';
import { checkTensor } from './coerce.js';
import { ones } from './creation.js';
import { div } from './elementwise.js';

/** Options of {@link reduceWindow}: one entry per axis of the operand (a number applies to all). */
export interface ReduceWindowOptions {
  /** Window step per axis. Default 1. */
  readonly strides?: number | readonly number[];
  /** `'valid'` (default), `'same'` (TensorFlow's rule) or one `[before, after]` pair per axis. */
  readonly padding?: Padding;
  /** Dilation of the operand per axis. Default 1. */
  readonly baseDilation?: number | readonly number[];
  /** Dilation of the window per axis. Default 1. */
  readonly windowDilation?: number | readonly number[];
}

const REDUCE_WINDOW_OPTIONS = new Set(['strides', 'padding', 'baseDilation', 'windowDilation']);

/**
 * Sum or maximum over sliding windows (XLA's `reduce_window`), with one window extent per axis of
 * `x`. Padding adds nothing to a sum and never wins a max. The derivative of `'max'` goes to the
 * first maximum of each window; `'argmax'` gives that window tap itself (int32, row-major over the
 * window's extents, no derivative), which {@link windowGather} reads at.
 *
 * @example
 * ```ts
 * import { reduceWindow, tensor } from '@gen-ts/core';
 * const x = tensor([1, 5, 2, 4, 3, 6]);
 * console.log(reduceWindow(x, 'max', [2], { strides: 2 }).toArray()); // [5, 4, 6]
 * console.log(reduceWindow(x, 'sum', [3]).toArray()); // [8, 11, 9, 13]
 * ```
 */
export function reduceWindow(
  x: Tensor,
  op: 'sum' | 'max' | 'argmax',
  window: readonly number[],
  options?: ReduceWindowOptions,
): Tensor {
  checkTensor('reduceWindow', x);
  checkOptionNames('reduceWindow', options, REDUCE_WINDOW_OPTIONS);
  if (op !== 'sum' && op !== 'max' && op !== 'argmax')
    throw new RangeError(`reduceWindow: op must be 'sum', 'max' or 'argmax', got ${String(op)}`);
  const r = x.rank;
  const win = perAxis('reduceWindow', 'window', window, r);
  const strides = perAxis('reduceWindow', 'strides', options?.strides, r);
  const baseDilation = perAxis('reduceWindow', 'baseDilation', options?.baseDilation, r);
  const windowDilation = perAxis('reduceWindow', 'windowDilation', options?.windowDilation, r);
  const padding = resolvePadding(
    'reduceWindow',
    options?.padding,
    x.shape,
    win,
    strides,
    baseDilation,
    windowDilation,
  );
  return bind('reduceWindow', [x], { op, window: win, strides, padding, baseDilation, windowDilation });
}

/** Options of {@link maxPool} and {@link avgPool}; numbers apply to every spatial axis. */
export interface PoolOptions {
  /** Window step per spatial axis. Default: the window (non-overlapping windows, as in Keras and PyTorch). */
  readonly strides?: number | readonly number[];
  /** `'valid'` (default), `'same'` (TensorFlow's rule) or one `[before, after]` pair per spatial axis. */
  readonly padding?: Padding;
}

/** Options of {@link avgPool}. */
export interface AvgPoolOptions extends PoolOptions {
  /**
   * Whether padded positions count in the divisor. Default `false`: each window averages only the
   * input elements it covers (TensorFlow and Keras); `true` divides by the full window (PyTorch's default).
   */
  readonly countIncludePad?: boolean;
}

const POOL_OPTIONS = new Set(['strides', 'padding']);
const AVG_POOL_OPTIONS = new Set(['strides', 'padding', 'countIncludePad']);

/**
 * The shape {@link maxPool} and {@link avgPool} give for an input of shape `x`, validated as they
 * validate it (errors name `op`, so a layer can check its shapes at `init`).
 *
 * @example
 * ```ts
 * import { poolOutputShape } from '@gen-ts/core';
 * console.log(poolOutputShape([64, 28, 28, 32], 2)); // [64, 14, 14, 32]
 * console.log(poolOutputShape([8, 5, 5, 3], 3, { strides: 2, padding: 'same' })); // [8, 3, 3, 3]
 * ```
 */
export function poolOutputShape(
  x: Shape,
  window: number | readonly number[],
  options?: PoolOptions,
  op = 'maxPool',
): number[] {
  checkOptionNames(op, options, POOL_OPTIONS);
  const g = poolGeometry(op, x, window, options);
  return windowAxes(x, g).map(windowOutSize);
}

/**
 * Max pooling over the spatial axes of `x` (`[N, ...spatial, C]`, NHWC for images).
 *
 * @example
 * ```ts
 * import { maxPool, tensor } from '@gen-ts/core';
 * const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], { shape: [1, 4, 4, 1] });
 * console.log(maxPool(x, 2).toArray()); // [[[[6], [8]], [[14], [16]]]]
 * console.log(maxPool(x, 3, { strides: 1, padding: 'same' }).shape); // [1, 4, 4, 1]
 * ```
 */
export function maxPool(x: Tensor, window: number | readonly number[], options?: PoolOptions): Tensor {
  checkTensor('maxPool', x);
  checkOptionNames('maxPool', options, POOL_OPTIONS);
  return bind('reduceWindow', [x], { op: 'max', ...poolGeometry('maxPool', x.shape, window, options) });
}

/**
 * Average pooling over the spatial axes of `x` (`[N, ...spatial, C]`).
 *
 * @example
 * ```ts
 * import { avgPool, tensor } from '@gen-ts/core';
 * const x = tensor([1, 2, 3, 4], { shape: [1, 2, 2, 1] });
 * console.log(avgPool(x, 2).toArray()); // [[[[2.5]]]]
 * // 'same' padding: corner windows average only the elements they cover
 * console.log(avgPool(x, 2, { strides: 1, padding: 'same' }).toArray()); // [[[[2.5], [3]], [[3.5], [4]]]]
 * ```
 */
export function avgPool(x: Tensor, window: number | readonly number[], options?: AvgPoolOptions): Tensor {
  checkTensor('avgPool', x);
  checkOptionNames('avgPool', options, AVG_POOL_OPTIONS);
  const { countIncludePad, ...pool } = options ?? {};
  const g = poolGeometry('avgPool', x.shape, window, pool);
  const s = bind('reduceWindow', [x], { op: 'sum', ...g });
  const padded = g.padding.some(([lo, hi]) => lo !== 0 || hi !== 0);
  const taps = g.window.reduce((a, b) => a * b, 1);
  if (countIncludePad || !padded) return div(s, taps);
  // the number of input elements each window covers: a constant, computed once on x's backend
  const cover = ones([1, ...x.shape.slice(1, -1), 1], { dtype: x.dtype, backend: x.backend });
  return div(s, bind('reduceWindow', [cover], { op: 'sum', ...g }));
}

/**
 * For every window `o` of the geometry `g` over `x`, the element at the window's tap `taps[o]`
 * (int32, row-major over the window's extents; 0 where that tap is padding or a dilation hole).
 * Linear in `x`; its transpose is {@link windowScatter}. Max pooling's derivative is this at the
 * taps of each window's maximum.
 *
 * @example
 * ```ts
 * import { tensor, windowGather } from '@gen-ts/core';
 * const x = tensor([10, 11, 12, 13]);
 * const g = { window: [2], strides: [2], padding: [[0, 0]] as [number, number][], baseDilation: [1], windowDilation: [1] };
 * console.log(windowGather(x, tensor([1, 0], { dtype: 'int32' }), g).toArray()); // [11, 12]
 * ```
 */
export function windowGather(x: Tensor, taps: Tensor, g: WindowGeometry): Tensor {
  checkTensor('windowGather', x);
  checkTensor('windowGather', taps, 'taps');
  return bind('windowGather', [x, taps], g);
}

/**
 * Zeros of `shape`, plus `updates[o]` added at window `o`'s tap `taps[o]` (dropped where that tap
 * is a hole): the transpose of {@link windowGather}.
 *
 * @example
 * ```ts
 * import { tensor, windowScatter } from '@gen-ts/core';
 * const g = { window: [2], strides: [1], padding: [[0, 0]] as [number, number][], baseDilation: [1], windowDilation: [1] };
 * const taps = tensor([1, 0], { dtype: 'int32' }); // windows [0, 1] and [1, 2]: both pick element 1
 * console.log(windowScatter(taps, tensor([5, 7]), [3], g).toArray()); // [0, 12, 0]
 * ```
 */
export function windowScatter(
  taps: Tensor,
  updates: Tensor,
  shape: readonly number[],
  g: WindowGeometry,
): Tensor {
  checkTensor('windowScatter', taps, 'taps');
  checkTensor('windowScatter', updates, 'updates');
  return bind('windowScatter', [taps, updates], { ...g, shape: checkShape('windowScatter', shape) });
}
