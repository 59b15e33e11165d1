/**
 * Activations: the ones `@gen-ts/core` lacks (`silu`, `leakyRelu`, `elu`), composed from its ops,
 * and `activation(name)`, the layer that applies any of them. `sequential` also accepts a plain
 * function `(x) => y` as a layer, so `sequential([linear(64), relu, linear(10)])` works with core's
 * `relu` as it is.
 */
import {
  exp,
  gelu,
  greater,
  logSoftmax,
  minimum,
  mul,
  relu,
  sigmoid,
  softmax,
  softplus,
  sub,
  tanh,
  where,
  Tensor,
} from '@gen-ts/core';
import type { Layer } from '../layer.js';
import {
  applyOptions,
  checkInputShape,
  checkKey,
  describe,
  finite,
  fmt,
  integer,
  parseOptions,
} from '../validate.js';

/** SiLU / swish: `x sigmoid(x)` (Hendrycks & Gimpel; Ramachandran et al.). */
export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}

/** Another name for `silu`. */
export const swish = silu;

/** `x` where `x > 0`, `negativeSlope x` elsewhere (default slope 0.01, as in PyTorch and flax). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return where(greater(x, 0), x, mul(x, negativeSlope));
}

/**
 * ELU: `x` where `x > 0`, `alpha (e^x - 1)` elsewhere. The exponential sees `min(x, 0)`, so the
 * branch that is not taken never overflows (and never sends NaN into the derivative).
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  return where(greater(x, 0), x, mul(sub(exp(minimum(x, 0)), 1), alpha));
}

/** Options of `activation` (each applies only to the activation named). */
export interface ActivationOptions {
  /** `leakyRelu`'s slope for negative inputs (default 0.01). */
  negativeSlope?: number;
  /** `elu`'s scale of the negative part (default 1). */
  alpha?: number;
  /** The axis `softmax` and `logSoftmax` normalise over (default -1). */
  axis?: number;
}

/** Every name `activation` accepts. */
export const ACTIVATION_NAMES = [
  'relu',
  'gelu',
  'tanh',
  'sigmoid',
  'softplus',
  'silu',
  'swish',
  'leakyRelu',
  'elu',
  'softmax',
  'logSoftmax',
  'identity',
] as const;

/** The activations `activation` knows by name. */
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** The function an activation name stands for, with its options applied. */
export function activationFn(name: ActivationName, o: Required<ActivationOptions>): (x: Tensor) => Tensor {
  switch (name) {
    case 'relu':
      return relu;
    case 'gelu':
      return gelu;
    case 'tanh':
      return tanh;
    case 'sigmoid':
      return sigmoid;
    case 'softplus':
      return softplus;
    case 'silu':
    case 'swish':
      return silu;
    case 'leakyRelu':
      return (x) => leakyRelu(x, o.negativeSlope);
    case 'elu':
      return (x) => elu(x, o.alpha);
    case 'softmax':
      return (x) => softmax(x, o.axis);
    case 'logSoftmax':
      return (x) => logSoftmax(x, o.axis);
    case 'identity':
      return (x) => x;
  }
}

/** An activation option of another layer (`mlp`, `transformerBlock`): a name or a function. */
export function activationOption(def: ActivationName) {
  return (v: unknown, label: string): ((x: Tensor) => Tensor) => {
    if (v === undefined) return activationFn(def, ACTIVATION_DEFAULTS);
    if (typeof v === 'function') return v as (x: Tensor) => Tensor;
    if (typeof v === 'string' && (ACTIVATION_NAMES as readonly string[]).includes(v))
      return activationFn(v as ActivationName, ACTIVATION_DEFAULTS);
    throw new TypeError(
      `${label} must be a function or one of ${ACTIVATION_NAMES.join(', ')}, got ${describe(v)}`,
    );
  };
}

const ACTIVATION_DEFAULTS: Required<ActivationOptions> = { negativeSlope: 0.01, alpha: 1, axis: -1 };

/** Parameter record of a layer without parameters. */
export type NoParams = Record<string, never>;

/**
 * A stateless, parameterless layer that applies `fn` (any shape in, the shape `fn` gives out). Used
 * for activations and for the plain functions `sequential` accepts; `name` appears in errors.
 */
export function lambdaLayer(name: string, fn: (x: Tensor) => Tensor): Layer<NoParams> {
  const layer: Layer<NoParams> = {
    name,
    stateful: false,
    init(k, inputShape) {
      checkKey(name, k);
      const s = checkInputShape(name, inputShape, 0);
      return { params: {}, state: undefined, outputShape: s };
    },
    apply(_params, x, options) {
      applyOptions(name, options);
      if (!(x instanceof Tensor)) throw new TypeError(`${name}: input must be a Tensor, got ${describe(x)}`);
      try {
        return fn(x);
      } catch (e) {
        if (!(e instanceof Error) || e.message.startsWith(name)) throw e;
        const Ctor = e.constructor as new (m: string, o: { cause: unknown }) => Error;
        throw new Ctor(`${name}: input ${fmt(x.shape)}: ${e.message}`, { cause: e });
      }
    },
  };
  return layer;
}

/**
 * A layer applying an activation: `activation('relu')`, `activation('leakyRelu', { negativeSlope:
 * 0.2 })`, `activation('softmax', { axis: -1 })`, or `activation(fn)` for any function of a tensor.
 * It has no parameters and keeps the input's shape.
 *
 * @example
 * ```ts
 * import { tensor } from '@gen-ts/core';
 * import { activation } from '@gen-ts/nn';
 *
 * const act = activation('leakyRelu', { negativeSlope: 0.1 });
 * console.log(act.apply({}, tensor([[-2, 3]])).toArray()); // [[-0.2, 3]]
 * ```
 */
export function activation(
  fn: ActivationName | ((x: Tensor) => Tensor),
  options: ActivationOptions = {},
): Layer<NoParams> {
  const o = parseOptions('activation', options, {
    negativeSlope: finite(0.01),
    alpha: finite(1),
    axis: integer(-1),
  });
  if (typeof fn === 'function') return lambdaLayer(fn.name || 'activation', fn);
  if (typeof fn !== 'string' || !(ACTIVATION_NAMES as readonly string[]).includes(fn))
    throw new TypeError(
      `activation: expected a function or one of ${ACTIVATION_NAMES.join(', ')}, got ${describe(fn)}`,
    );
  return lambdaLayer(fn, activationFn(fn, o));
}
