/**
 * Pooling layers over NHWC input: `maxPool2d` and `avgPool2d` (`@gen-ts/core`'s windowed
 * reductions; strides default to the window, as in Keras and PyTorch) and `globalAvgPool` (the
 * mean over every spatial axis). None has parameters.
 */
import { avgPool, maxPool, mean, poolOutputShape, Tensor, type PRNGKey, type Shape } from '@gen-ts/core';
import type { Layer } from '../layer.js';
import {
  applyOptions,
  bool,
  checkInputShape,
  checkKey,
  describe,
  fmt,
  parseOptions,
  type Check,
} from '../validate.js';
import type { NoParams } from './activation.js';
import { paddingOption, type LayerPadding } from './conv.js';

/** Options of `maxPool2d` and `avgPool2d`. */
export interface Pool2dOptions {
  /** Window step, one number or `[sh, sw]` (default: the pool size, so windows do not overlap). */
  strides?: number | readonly [number, number];
  /** Default `'valid'`; padding never wins a max and, by default, is not counted by an average. */
  padding?: LayerPadding;
}

/** Options of `avgPool2d`. */
export interface AvgPool2dOptions extends Pool2dOptions {
  /**
   * Count padded positions in each window's divisor (PyTorch's default); default false: a window
   * averages the elements it covers (Keras and TensorFlow).
   */
  countIncludePad?: boolean;
}

/** A window option: a positive integer for both axes or `[h, w]`; undefined stays undefined. */
const window2: Check<[number, number] | undefined> = (v, label) => {
  if (v === undefined) return undefined;
  const arr = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(arr) || arr.length !== 2 || !arr.every((d) => Number.isInteger(d) && d >= 1))
    throw new RangeError(`${label} must be a positive integer or [h, w], got ${describe(v)}`);
  return [arr[0], arr[1]];
};

function checkImage(name: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${name}: input must be a Tensor, got ${describe(x)}`);
  if (x.rank !== 4) throw new RangeError(`${name}: input ${fmt(x.shape)} must be [N, H, W, C]`);
  return x;
}

function pool2d(
  name: 'maxPool2d' | 'avgPool2d',
  poolSize: number | readonly [number, number],
  options: AvgPool2dOptions,
): Layer<NoParams> {
  const size = window2(poolSize ?? NaN, `${name}: poolSize`)!;
  const common = { strides: window2, padding: paddingOption(2) };
  const o =
    name === 'avgPool2d'
      ? parseOptions(name, options, { ...common, countIncludePad: bool(false) })
      : { ...parseOptions(name, options, common), countIncludePad: false };
  const pool = { strides: o.strides ?? size, padding: o.padding };
  return {
    name,
    stateful: false,
    init(k: PRNGKey, inputShape: Shape) {
      checkKey(name, k);
      const s = checkInputShape(name, inputShape, 4, ' ([N, H, W, C])');
      if (s.length !== 4) throw new RangeError(`${name}: input shape ${fmt(s)} must be [N, H, W, C]`);
      return { params: {}, state: undefined, outputShape: poolOutputShape(s, size, pool, name) };
    },
    apply(_params, x, options) {
      applyOptions(name, options);
      const t = checkImage(name, x);
      poolOutputShape(t.shape, size, pool, name); // a window larger than the input fails here, named
      if (name === 'maxPool2d') return maxPool(t, size, pool);
      return avgPool(t, size, { ...pool, countIncludePad: o.countIncludePad });
    },
  };
}

/**
 * Max pooling over the two spatial axes of `[N, H, W, C]`.
 *
 * @example
 * ```ts
 * import { key, ones } from '@gen-ts/core';
 * import { maxPool2d } from '@gen-ts/nn';
 *
 * const pool = maxPool2d(2);
 * const { params, outputShape } = pool.init(key(0), [8, 28, 28, 32]);
 * console.log(outputShape, pool.apply(params, ones([8, 28, 28, 32])).shape); // [8, 14, 14, 32] twice
 * ```
 */
export function maxPool2d(
  poolSize: number | readonly [number, number],
  options: Pool2dOptions = {},
): Layer<NoParams> {
  return pool2d('maxPool2d', poolSize, options);
}

/**
 * Average pooling over the two spatial axes of `[N, H, W, C]`.
 *
 * @example
 * ```ts
 * import { key, tensor } from '@gen-ts/core';
 * import { avgPool2d } from '@gen-ts/nn';
 *
 * const pool = avgPool2d(2, { strides: 1, padding: 'same' });
 * const x = tensor([1, 2, 3, 4], { shape: [1, 2, 2, 1] });
 * const { params } = pool.init(key(0), x.shape);
 * console.log(pool.apply(params, x).toArray()); // [[[[2.5], [3]], [[3.5], [4]]]]
 * ```
 */
export function avgPool2d(
  poolSize: number | readonly [number, number],
  options: AvgPool2dOptions = {},
): Layer<NoParams> {
  return pool2d('avgPool2d', poolSize, options);
}

/** Options of `globalAvgPool`. */
export interface GlobalAvgPoolOptions {
  /** Keep the spatial axes as size 1 (`[N, 1, 1, C]`); default false: `[N, C]`. */
  keepDims?: boolean;
}

/**
 * The mean over every spatial axis of `[N, ...spatial, C]` (Keras's `GlobalAveragePooling2D`):
 * `[N, C]`, or `[N, 1, ..., 1, C]` with `keepDims`.
 *
 * @example
 * ```ts
 * import { key, ones } from '@gen-ts/core';
 * import { globalAvgPool } from '@gen-ts/nn';
 *
 * const gap = globalAvgPool();
 * const { params, outputShape } = gap.init(key(0), [8, 7, 7, 64]);
 * console.log(outputShape, gap.apply(params, ones([8, 7, 7, 64])).shape); // [8, 64] [8, 64]
 * ```
 */
export function globalAvgPool(options: GlobalAvgPoolOptions = {}): Layer<NoParams> {
  const o = parseOptions('globalAvgPool', options, { keepDims: bool(false) });
  const out = (s: readonly number[]): number[] =>
    o.keepDims ? s.map((d, i) => (i === 0 || i === s.length - 1 ? d : 1)) : [s[0]!, s[s.length - 1]!];
  return {
    name: 'globalAvgPool',
    stateful: false,
    init(k, inputShape) {
      checkKey('globalAvgPool', k);
      const s = checkInputShape('globalAvgPool', inputShape, 3, ' ([N, ...spatial, C])');
      return { params: {}, state: undefined, outputShape: out(s) };
    },
    apply(_params, x, options) {
      applyOptions('globalAvgPool', options);
      if (!(x instanceof Tensor))
        throw new TypeError(`globalAvgPool: input must be a Tensor, got ${describe(x)}`);
      if (x.rank < 3)
        throw new RangeError(
          `globalAvgPool: input ${fmt(x.shape)} must be [N, ...spatial, C] with a spatial axis`,
        );
      const axes = x.shape.slice(1, -1).map((_, i) => i + 1);
      return mean(x, axes, o.keepDims);
    },
  };
}
