/**
 * Normalisation over the feature (last) axis: `layerNorm` per example, `batchNorm` over the batch
 * (and every other non-feature axis, so `[B, H, W, C]` images normalise per channel). Defaults follow
 * flax: scale ones, bias zeros; layerNorm epsilon 1e-6 (PyTorch: 1e-5); batchNorm epsilon 1e-5 and
 * momentum 0.99 with `running = momentum running + (1 - momentum) batch` (PyTorch's `momentum=0.1`
 * is this rule's 0.9) and the biased batch variance for the running variance (PyTorch keeps the
 * unbiased one).
 */
import {
  add,
  div,
  mean,
  mul,
  split,
  sqrt,
  square,
  stopGradient,
  sub,
  Tensor,
  type PRNGKey,
} from '@gen-ts/core';
import type { Layer } from '../layer.js';
import { draw, initializerOption, ones, zeros, type Initializer } from '../initializers.js';
import {
  applyOptions,
  bool,
  checkFloatInput,
  checkInputShape,
  checkKey,
  describe,
  floatDType,
  fmt,
  numberIn,
  parseOptions,
  positive,
  type FloatDType,
} from '../validate.js';

/** The learned affine part of a normalisation layer: `scale` and `bias`, each `[features]` (either may be off). */
export type NormParams = { readonly scale?: Tensor; readonly bias?: Tensor };

/** Options shared by `layerNorm` and `batchNorm`. */
export interface NormOptions {
  /** Added to the variance before the square root (layerNorm 1e-6, batchNorm 1e-5, as in flax). */
  epsilon?: number;
  /** Learn a scale (default true). */
  useScale?: boolean;
  /** Learn a bias (default true). */
  useBias?: boolean;
  /** Scale initializer (default `ones()`). */
  scaleInit?: Initializer;
  /** Bias initializer (default `zeros()`). */
  biasInit?: Initializer;
  /** Parameter dtype (default float32); the input must have it too. */
  dtype?: FloatDType;
}

function normSpec(epsilon: number) {
  return {
    epsilon: positive(epsilon),
    useScale: bool(true),
    useBias: bool(true),
    scaleInit: initializerOption(ones()),
    biasInit: initializerOption(zeros()),
    dtype: floatDType(),
  };
}

type NormConfig = Required<NormOptions>;

function initAffine(where: string, o: NormConfig, k: PRNGKey, features: number): NormParams {
  const [ks, kb] = split(k) as [PRNGKey, PRNGKey];
  return {
    ...(o.useScale ? { scale: draw(`${where}: scaleInit`, o.scaleInit, ks, [features], o.dtype) } : {}),
    ...(o.useBias ? { bias: draw(`${where}: biasInit`, o.biasInit, kb, [features], o.dtype) } : {}),
  };
}

/**
 * The feature count the parameters (or state) were made for, checking they are what init returned;
 * undefined for a layerNorm without scale and bias, which fits any width.
 */
function featuresOf(where: string, p: NormParams, o: NormConfig, state?: Tensor): number | undefined {
  const ok =
    p !== null &&
    typeof p === 'object' &&
    (!o.useScale || p.scale instanceof Tensor) &&
    (!o.useBias || p.bias instanceof Tensor);
  if (!ok)
    throw new TypeError(`${where}: params must be { scale, bias } as init returned them, got ${describe(p)}`);
  return (p.scale ?? p.bias ?? state)?.shape[0];
}

/** `(x - mu) / sqrt(var + eps) * scale + bias`, mu and var broadcast over x. */
function normalize(x: Tensor, mu: Tensor, v: Tensor, eps: number, p: NormParams): Tensor {
  let y = div(sub(x, mu), sqrt(add(v, eps)));
  if (p.scale) y = mul(y, p.scale);
  if (p.bias) y = add(y, p.bias);
  return y;
}

/**
 * Layer normalisation (Ba et al., 2016): each example is normalised over its last axis, then
 * scaled and shifted per feature. Input `[B, ..., F]`.
 *
 * @example
 * ```ts
 * import { key, tensor } from '@gen-ts/core';
 * import { layerNorm } from '@gen-ts/nn';
 *
 * const ln = layerNorm();
 * const { params } = ln.init(key(0), [1, 4]);
 * console.log(ln.apply(params, tensor([[1, 2, 3, 4]])).toArray()); // mean 0, variance 1
 * ```
 */
export function layerNorm(options: NormOptions = {}): Layer<NormParams> {
  const o = parseOptions('layerNorm', options, normSpec(1e-6));
  return {
    name: 'layerNorm',
    stateful: false,
    init(k, inputShape) {
      checkKey('layerNorm', k);
      const s = checkInputShape('layerNorm', inputShape, 2, ' (batch and features)');
      return { params: initAffine('layerNorm', o, k, s[s.length - 1]!), state: undefined, outputShape: s };
    },
    apply(params, x, options) {
      applyOptions('layerNorm', options);
      const f = featuresOf('layerNorm', params, o);
      checkFloatInput('layerNorm', x, (params.scale ?? params.bias)?.dtype ?? o.dtype, 2, f);
      const mu = mean(x, -1, true);
      const v = mean(square(sub(x, mu)), -1, true);
      return normalize(x, mu, v, o.epsilon, params);
    },
  };
}

/** The running statistics `batchNorm` keeps as its state, each `[features]`. */
export type BatchNormState = { readonly mean: Tensor; readonly var: Tensor };

/** Options of `batchNorm`. */
export interface BatchNormOptions extends NormOptions {
  /** Running statistics decay: `running = momentum running + (1 - momentum) batch` (default 0.99). */
  momentum?: number;
}

/**
 * Batch normalisation (Ioffe & Szegedy, 2015) over every axis but the last (features). With
 * `train: true` it normalises by the batch's mean and (biased) variance and returns the running
 * statistics moved toward them by `momentum`; otherwise it normalises by the running statistics and
 * returns them unchanged. `apply` needs the state in both modes and returns `[y, newState]`.
 *
 * @example
 * ```ts
 * import { key, normal } from '@gen-ts/core';
 * import { batchNorm } from '@gen-ts/nn';
 *
 * const bn = batchNorm({ momentum: 0.9 });
 * const { params, state } = bn.init(key(0), [16, 3]);
 * const [y, next] = bn.apply(params, normal(key(1), [16, 3]), { train: true, state });
 * const [yEval] = bn.apply(params, normal(key(2), [16, 3]), { state: next }); // running statistics
 * console.log(y.shape, yEval.shape, next.mean.shape); // [16, 3] [16, 3] [3]
 * ```
 */
export function batchNorm(options: BatchNormOptions = {}): Layer<NormParams, BatchNormState> {
  const o = parseOptions('batchNorm', options, { ...normSpec(1e-5), momentum: numberIn(0.99, 0, 1) });
  const momentum = o.momentum;
  return {
    name: 'batchNorm',
    stateful: true,
    init(k, inputShape) {
      checkKey('batchNorm', k);
      const s = checkInputShape('batchNorm', inputShape, 2, ' (batch and features)');
      const f = s[s.length - 1]!;
      const state = { mean: zeros()(k, [f], o.dtype), var: ones()(k, [f], o.dtype) };
      return { params: initAffine('batchNorm', o, k, f), state, outputShape: s };
    },
    apply(params, x, options) {
      const a = applyOptions('batchNorm', options);
      const st = a.state;
      if (st === undefined || st === null || !(st.mean instanceof Tensor) || !(st.var instanceof Tensor))
        throw new TypeError(
          `batchNorm: needs its state (running mean and var) from init: apply(params, x, { state }), got ${describe(st)}`,
        );
      const f = featuresOf('batchNorm', params, o, st.mean);
      checkFloatInput('batchNorm', x, st.mean.dtype, 2, f);
      if (st.mean.shape.join() !== `${f}` || st.var.shape.join() !== `${f}`)
        throw new RangeError(
          `batchNorm: state mean ${fmt(st.mean.shape)} and var ${fmt(st.var.shape)} must be [${f}] for input ${fmt(x.shape)}`,
        );
      if (!a.train) return [normalize(x, st.mean, st.var, o.epsilon, params), st];
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const mu = mean(x, axes);
      const v = mean(square(sub(x, mu)), axes);
      // the running statistics are state, not a function of the parameters: no gradient flows into them
      const ema = (r: Tensor, b: Tensor) => add(mul(r, momentum), mul(stopGradient(b), 1 - momentum));
      return [normalize(x, mu, v, o.epsilon, params), { mean: ema(st.mean, mu), var: ema(st.var, v) }];
    },
  };
}
