/**
 * Convolution layers, channels last: `conv2d` on `[N, H, W, C]` (NHWC) with an HWIO kernel
 * `[kh, kw, C / groups, filters]`, and `conv1d` on `[N, W, C]` with a kernel `[k, C / groups,
 * filters]`. They are `@gen-ts/core`'s `conv` primitive plus a bias, so every derivative (second
 * order included) is a convolution again. Defaults: no padding (`'valid'`, as Keras and PyTorch),
 * a LeCun-normal kernel and a zero bias (flax's `Conv`, like this package's `linear`); the fans of
 * an HWIO kernel count the receptive field, as in flax and Keras.
 */
import {
  add,
  convOutputShape,
  split,
  Tensor,
  conv,
  type ConvOptions,
  type PRNGKey,
  type Shape,
} from '@gen-ts/core';
import { draw, initializerOption, lecunNormal, zeros, type Initializer } from '../initializers.js';
import type { Layer } from '../layer.js';
import {
  applyOptions,
  bool,
  checkFloatInput,
  checkInputShape,
  checkKey,
  describe,
  floatDType,
  parseOptions,
  positiveInt,
  type Check,
  type FloatDType,
} from '../validate.js';

/** Parameters of a convolution layer: the kernel and, unless `useBias` is false, the bias `[filters]`. */
export type ConvParams = { readonly kernel: Tensor; readonly bias?: Tensor };

/**
 * Padding of a convolution or pooling layer: `'valid'` (none), `'same'` (the output has
 * `ceil(input / stride)` positions, TensorFlow's rule: an odd total pads one more after, so even
 * kernels work), a number of positions on both sides of every spatial axis, or `[before, after]`
 * per spatial axis.
 */
export type LayerPadding = 'valid' | 'same' | number | readonly (readonly [number, number])[];

/** Options of `conv2d` and `conv1d`; numbers apply to every spatial axis. */
export interface ConvLayerOptions {
  /** Window step (default 1). */
  strides?: number | readonly number[];
  /** Default `'valid'`. */
  padding?: LayerPadding;
  /** Kernel dilation, "atrous" convolution (default 1). */
  dilation?: number | readonly number[];
  /** Feature groups: input channels and `filters` split into this many independent convolutions; groups = channels is depthwise (default 1). */
  groups?: number;
  /** Add a bias (default true). */
  useBias?: boolean;
  /** Kernel initializer (default `lecunNormal()`). */
  kernelInit?: Initializer;
  /** Bias initializer (default `zeros()`). */
  biasInit?: Initializer;
  /** Parameter dtype (default float32); the input must have it too. */
  dtype?: FloatDType;
}

/** A per-axis option: one positive integer for every axis or one per axis. */
function perAxisInts(def: number, n: number): Check<number[]> {
  return (v, label) => {
    const list = v === undefined ? def : v;
    const arr = typeof list === 'number' ? new Array<number>(n).fill(list) : list;
    if (!Array.isArray(arr) || arr.length !== n || !arr.every((d) => Number.isInteger(d) && d >= 1))
      throw new RangeError(`${label} must be a positive integer or ${n} of them, got ${describe(v)}`);
    return arr.slice();
  };
}

/** @internal The padding option of a convolution or pooling layer over `n` spatial axes. */
export function paddingOption(n: number): Check<'valid' | 'same' | [number, number][]> {
  return (v, label) => {
    if (v === undefined || v === 'valid' || v === 'same') return v ?? 'valid';
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return new Array(n).fill([v, v]);
    const ok =
      Array.isArray(v) &&
      v.length === n &&
      v.every((p) => Array.isArray(p) && p.length === 2 && p.every((d) => Number.isInteger(d) && d >= 0));
    if (!ok)
      throw new TypeError(
        `${label} must be 'valid', 'same', a non-negative integer or ${n} [before, after] pairs, got ${describe(v)}`,
      );
    return (v as [number, number][]).map((p) => [p[0], p[1]] as [number, number]);
  };
}

function convLayer(
  name: string,
  n: number,
  filters: number,
  kernelSize: number | readonly number[],
  options: ConvLayerOptions,
): Layer<ConvParams> {
  positiveInt()(filters, `${name}: filters`);
  const kernel = perAxisInts(1, n)(kernelSize ?? NaN, `${name}: kernelSize`);
  const o = parseOptions(name, options, {
    strides: perAxisInts(1, n),
    padding: paddingOption(n),
    dilation: perAxisInts(1, n),
    groups: positiveInt(1),
    useBias: bool(true),
    kernelInit: initializerOption(lecunNormal()),
    biasInit: initializerOption(zeros()),
    dtype: floatDType(),
  });
  if (filters % o.groups !== 0)
    throw new RangeError(`${name}: filters ${filters} do not split into ${o.groups} groups`);
  const convOpts: ConvOptions = {
    strides: o.strides,
    padding: o.padding,
    rhsDilation: o.dilation,
    featureGroupCount: o.groups,
  };
  const kernelShape = (channels: number): number[] => [...kernel, channels / o.groups, filters];
  const rank = n + 2;
  const layout = n === 2 ? '[N, H, W, C]' : '[N, W, C]';
  return {
    name,
    stateful: false,
    init(k: PRNGKey, inputShape: Shape) {
      checkKey(name, k);
      const s = checkInputShape(name, inputShape, rank, ` (${layout})`);
      if (s.length !== rank)
        throw new RangeError(
          `${name}: input shape [${s.join(',')}] has rank ${s.length}, needs ${rank}: ${layout}`,
        );
      const channels = s[rank - 1]!;
      if (channels % o.groups !== 0)
        throw new RangeError(
          `${name}: the ${channels} input channels of input shape [${s.join(',')}] do not split into ${o.groups} groups`,
        );
      const ks = kernelShape(channels);
      const outputShape = convOutputShape(s, ks, convOpts, name);
      const [kk, kb] = split(k) as [PRNGKey, PRNGKey];
      const w = draw(`${name}: kernelInit`, o.kernelInit, kk, ks, o.dtype);
      const params: ConvParams = o.useBias
        ? { kernel: w, bias: draw(`${name}: biasInit`, o.biasInit, kb, [filters], o.dtype) }
        : { kernel: w };
      return { params, state: undefined, outputShape };
    },
    apply(params, x, options) {
      applyOptions(name, options);
      const w = params?.kernel;
      if (!(w instanceof Tensor) || w.rank !== rank || (o.useBias && !(params.bias instanceof Tensor)))
        throw new TypeError(
          `${name}: params must be { kernel${o.useBias ? ', bias' : ''} } from init, got ${describe(params)}`,
        );
      checkFloatInput(name, x, w.dtype, rank, w.shape[n]! * o.groups);
      if (x.rank !== rank)
        throw new RangeError(
          `${name}: input [${x.shape.join(',')}] has rank ${x.rank}, needs ${rank}: ${layout}`,
        );
      convOutputShape(x.shape, w.shape, convOpts, name); // a window larger than the input fails here, named
      const y = conv(x, w, convOpts);
      return o.useBias ? add(y, params.bias!) : y;
    },
  };
}

/**
 * A 2-d convolution over NHWC input: `[N, H, W, C] -> [N, H', W', filters]`, kernel
 * `[kh, kw, C / groups, filters]` (HWIO), plus a bias.
 *
 * @example
 * ```ts
 * import { key, ones } from '@gen-ts/core';
 * import { conv2d } from '@gen-ts/nn';
 *
 * const layer = conv2d(8, 3, { padding: 'same', strides: 2 });
 * const { params, outputShape } = layer.init(key(0), [4, 28, 28, 1]);
 * console.log(outputShape, params.kernel.shape); // [4, 14, 14, 8] [3, 3, 1, 8]
 * console.log(layer.apply(params, ones([4, 28, 28, 1])).shape); // [4, 14, 14, 8]
 * ```
 */
export function conv2d(
  filters: number,
  kernelSize: number | readonly [number, number],
  options: ConvLayerOptions = {},
): Layer<ConvParams> {
  return convLayer('conv2d', 2, filters, kernelSize, options);
}

/**
 * A 1-d convolution over `[N, W, C]` (sequences, channels last), kernel `[k, C / groups, filters]`,
 * plus a bias.
 *
 * @example
 * ```ts
 * import { key, ones } from '@gen-ts/core';
 * import { conv1d } from '@gen-ts/nn';
 *
 * const layer = conv1d(4, 5, { dilation: 2 });
 * const { params, outputShape } = layer.init(key(0), [2, 32, 3]);
 * console.log(outputShape); // [2, 24, 4]: a 5-tap kernel dilated by 2 spans 9 positions
 * console.log(layer.apply(params, ones([2, 32, 3])).shape); // [2, 24, 4]
 * ```
 */
export function conv1d(
  filters: number,
  kernelSize: number,
  options: ConvLayerOptions = {},
): Layer<ConvParams> {
  return convLayer('conv1d', 1, filters, kernelSize, options);
}
