/**
 * Dense layers: `linear` (`y = x W + b` on the last axis) and `mlp` (a stack of them with an
 * activation between). Defaults follow flax's `Dense`: a LeCun-normal kernel `[in, out]` and a zero
 * bias (PyTorch's `nn.Linear` draws both from `U(-1/sqrt(in), 1/sqrt(in))` and stores the
 * kernel transposed).
 */
import { add, matmul, split, Tensor, type PRNGKey, type Shape } from '@gen-ts/core';
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
  withContext,
  type FloatDType,
} from '../validate.js';
import { activationOption, type ActivationName } from './activation.js';

/** Parameters of `linear`: the kernel `[in, out]` and, unless `useBias` is false, the bias `[out]`. */
export type LinearParams = { readonly kernel: Tensor; readonly bias?: Tensor };

/** Options of `linear`. */
export interface LinearOptions {
  /** Add a bias (default true). */
  useBias?: boolean;
  /** Kernel initializer (default `lecunNormal()`, flax's). */
  kernelInit?: Initializer;
  /** Bias initializer (default `zeros()`). */
  biasInit?: Initializer;
  /** Parameter dtype (default float32); the input must have it too. */
  dtype?: FloatDType;
}

/** @internal The validated options of a dense projection. */
export interface LinearConfig {
  useBias: boolean;
  kernelInit: Initializer;
  biasInit: Initializer;
  dtype: FloatDType;
}

/** @internal The checks of `LinearOptions`, shared by every layer made of dense projections. */
export const linearSpec = {
  useBias: bool(true),
  kernelInit: initializerOption(lecunNormal()),
  biasInit: initializerOption(zeros()),
  dtype: floatDType(),
};

/** @internal `linear`'s init, for layers built of projections. */
export function linearInit(name: string, units: number, o: LinearConfig, k: PRNGKey, inputShape: unknown) {
  checkKey(name, k);
  const s = checkInputShape(name, inputShape, 2, ' (batch and features)');
  const inF = s[s.length - 1]!;
  const [kk, kb] = split(k) as [PRNGKey, PRNGKey];
  const kernel = draw(`${name}: kernelInit`, o.kernelInit, kk, [inF, units], o.dtype);
  const params: LinearParams = o.useBias
    ? { kernel, bias: draw(`${name}: biasInit`, o.biasInit, kb, [units], o.dtype) }
    : { kernel };
  return { params, state: undefined, outputShape: [...s.slice(0, -1), units] as Shape };
}

/** @internal `linear`'s apply without option checks, for layers built of projections. */
export function linearApply(name: string, params: LinearParams, x: Tensor, useBias: boolean): Tensor {
  const kernel = params?.kernel;
  if (!(kernel instanceof Tensor) || kernel.rank !== 2 || (useBias && !(params.bias instanceof Tensor)))
    throw new TypeError(
      `${name}: params must be { kernel${useBias ? ', bias' : ''} } from init, got ${describe(params)}`,
    );
  checkFloatInput(name, x, kernel.dtype, 2, kernel.shape[0]);
  const y = matmul(x, kernel);
  return useBias ? add(y, params.bias!) : y;
}

/**
 * A dense layer on the last axis: `[..., in] -> [..., units]`, `y = x kernel + bias`.
 *
 * @example
 * ```ts
 * import { key, ones } from '@gen-ts/core';
 * import { linear } from '@gen-ts/nn';
 *
 * const layer = linear(3);
 * const { params, outputShape } = layer.init(key(0), [2, 4]);
 * console.log(outputShape, layer.apply(params, ones([2, 4])).shape); // [2, 3] [2, 3]
 * ```
 */
export function linear(units: number, options: LinearOptions = {}): Layer<LinearParams> {
  positiveInt()(units, 'linear: units');
  const o = parseOptions('linear', options, linearSpec);
  return {
    name: 'linear',
    stateful: false,
    init: (k, inputShape) => linearInit('linear', units, o, k, inputShape),
    apply(params, x, options) {
      applyOptions('linear', options);
      return linearApply('linear', params, x, o.useBias);
    },
  };
}

/** Options of `mlp`. */
export interface MlpOptions extends LinearOptions {
  /** Activation between layers: a name or a function (default `relu`). */
  activation?: ActivationName | ((x: Tensor) => Tensor);
  /** Apply the activation after the last layer too (default false: the output is logits). */
  activateFinal?: boolean;
}

/**
 * A multilayer perceptron: one `linear` per entry of `features` (the last is the output width),
 * with `activation` between them. Params are an array with one `{ kernel, bias }` per layer.
 *
 * @example
 * ```ts
 * import { key, ones } from '@gen-ts/core';
 * import { mlp } from '@gen-ts/nn';
 *
 * const net = mlp([16, 16, 3], { activation: 'gelu' });
 * const { params } = net.init(key(0), [8, 4]);
 * console.log(net.apply(params, ones([8, 4])).shape); // [8, 3]
 * ```
 */
export function mlp(features: readonly number[], options: MlpOptions = {}): Layer<LinearParams[]> {
  if (!Array.isArray(features) || features.length === 0)
    throw new TypeError(`mlp: features must be a non-empty array of layer widths, got ${describe(features)}`);
  features.forEach((f, i) => positiveInt()(f, `mlp: features[${i}]`));
  const o = parseOptions('mlp', options, {
    ...linearSpec,
    activation: activationOption('relu'),
    activateFinal: bool(false),
  });
  const n = features.length;
  const at = (i: number) => `mlp[${i}]`;
  return {
    name: 'mlp',
    stateful: false,
    init(k, inputShape) {
      checkKey('mlp', k);
      let shape = checkInputShape('mlp', inputShape, 2, ' (batch and features)');
      const keys = split(k, n);
      const params = features.map((f, i) => {
        const r = withContext(at(i), 'linear', () => linearInit('linear', f, o, keys[i]!, shape));
        shape = r.outputShape;
        return r.params;
      });
      return { params, state: undefined, outputShape: shape };
    },
    apply(params, x, options) {
      applyOptions('mlp', options);
      if (!Array.isArray(params) || params.length !== n)
        throw new TypeError(
          `mlp: params must be an array of ${n} layers' parameters from init, got ${describe(params)}`,
        );
      let h = x;
      params.forEach((p, i) => {
        h = withContext(at(i), 'linear', () => linearApply('linear', p, h, o.useBias));
        if (i < n - 1 || o.activateFinal) h = o.activation(h);
      });
      return h;
    },
  };
}
