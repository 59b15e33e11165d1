/**
 * A pre-LN transformer block (Xiong et al., 2020; GPT-2's arrangement): normalisation before each
 * sub-layer and a residual around it,
 *   `h = x + dropout(attention(layerNorm(x)))`, `y = h + dropout(mlp(layerNorm(h)))`,
 * which trains without the learning-rate warm-up the post-LN original needs.
 */
import { add, split, type PRNGKey, type Tensor } from '@gen-ts/core';
import type { Layer } from '../layer.js';
import {
  applyOptions,
  bool,
  checkFloatInput,
  checkInputShape,
  checkKey,
  describe,
  fmt,
  numberIn,
  optionalPositiveInt,
  parseOptions,
  positive,
  positiveInt,
  withContext,
} from '../validate.js';
import { activationOption, type ActivationName } from './activation.js';
import { multiHeadAttention, type MultiHeadAttentionParams } from './attention.js';
import { dropoutMask, requireKey } from './dropout.js';
import { linearSpec, mlp, type LinearOptions, type LinearParams } from './linear.js';
import { layerNorm, type NormParams } from './normalization.js';

/** Parameters of `transformerBlock`. */
export type TransformerBlockParams = {
  readonly ln1: NormParams;
  readonly attention: MultiHeadAttentionParams;
  readonly ln2: NormParams;
  readonly mlp: LinearParams[];
};

/** Options of `transformerBlock`; the `LinearOptions` apply to every projection (attention and MLP). */
export interface TransformerBlockOptions extends LinearOptions {
  /** Attention heads (required); must divide the model width. */
  numHeads: number;
  /** Hidden width of the MLP (default 4 times the model width). */
  mlpDim?: number;
  /** Causal self-attention, for decoders (default false). */
  causal?: boolean;
  /** Dropout after the attention and after the MLP, in training (default 0). */
  dropoutRate?: number;
  /** Dropout on the attention weights, in training (default 0). */
  attentionDropoutRate?: number;
  /** The MLP's activation (default `gelu`, as GPT-2 and ViT). */
  activation?: ActivationName | ((x: Tensor) => Tensor);
  /** layerNorm's epsilon (default 1e-6). */
  epsilon?: number;
}

/**
 * A pre-LN transformer block over `[B, T, D]` (output `[B, T, D]`); `apply`'s `mask` marks padding
 * as in `multiHeadAttention`.
 *
 * @example
 * ```ts
 * import { key, normal } from '@gen-ts/core';
 * import { transformerBlock } from '@gen-ts/nn';
 *
 * const block = transformerBlock({ numHeads: 2, causal: true, dropoutRate: 0.1 });
 * const { params } = block.init(key(0), [2, 5, 8]);
 * const y = block.apply(params, normal(key(1), [2, 5, 8]), { train: true, key: key(2) });
 * console.log(y.shape); // [2, 5, 8]
 * ```
 */
export function transformerBlock(options: TransformerBlockOptions): Layer<TransformerBlockParams> {
  const name = 'transformerBlock';
  const o = parseOptions(name, options ?? {}, {
    numHeads: positiveInt(),
    mlpDim: optionalPositiveInt(),
    causal: bool(false),
    dropoutRate: numberIn(0, 0, 1),
    attentionDropoutRate: numberIn(0, 0, 1),
    activation: (v, label) => {
      if (v !== undefined) activationOption('gelu')(v, label);
      return v as TransformerBlockOptions['activation'];
    },
    epsilon: positive(1e-6),
    ...linearSpec,
  });
  const common = { useBias: o.useBias, kernelInit: o.kernelInit, biasInit: o.biasInit, dtype: o.dtype };
  const ln = layerNorm({ epsilon: o.epsilon, dtype: o.dtype });
  const attn = multiHeadAttention({
    numHeads: o.numHeads,
    causal: o.causal,
    dropoutRate: o.attentionDropoutRate,
    ...common,
  });
  const act = o.activation ?? 'gelu';
  const ffns = new Map<number, ReturnType<typeof mlp>>();
  const ffn = (d: number) => {
    if (!ffns.has(d)) ffns.set(d, mlp([o.mlpDim ?? 4 * d, d], { activation: act, ...common }));
    return ffns.get(d)!;
  };
  const at = <T>(part: string, sub: string, fn: () => T) => withContext(`${name}.${part}`, sub, fn);
  return {
    name,
    stateful: false,
    init(k, inputShape) {
      checkKey(name, k);
      const s = checkInputShape(name, inputShape, 3, ' ([B, T, D])');
      if (s.length !== 3) throw new RangeError(`${name}: input shape ${fmt(s)} must be [B, T, D]`);
      const [k1, k2, k3, k4] = split(k, 4) as [PRNGKey, PRNGKey, PRNGKey, PRNGKey];
      const params = {
        ln1: at('ln1', 'layerNorm', () => ln.init(k1, s).params),
        attention: at('attention', attn.name, () => attn.init(k2, s).params),
        ln2: at('ln2', 'layerNorm', () => ln.init(k3, s).params),
        mlp: at('mlp', 'mlp', () => ffn(s[2]!).init(k4, s).params),
      };
      return { params, state: undefined, outputShape: s };
    },
    apply(params, x, options) {
      const a = applyOptions(name, options);
      if (params === null || typeof params !== 'object' || !params.ln1 || !params.attention || !params.mlp)
        throw new TypeError(
          `${name}: params must be { ln1, attention, ln2, mlp } as init returned them, got ${describe(params)}`,
        );
      checkFloatInput(
        name,
        x,
        params.attention.query.kernel.dtype,
        3,
        params.attention.query.kernel.shape[0],
      );
      if (x.rank !== 3) throw new RangeError(`${name}: input ${fmt(x.shape)} must be [B, T, D]`);
      const d = x.shape[2]!;
      const drop = a.train && (o.dropoutRate > 0 || o.attentionDropoutRate > 0);
      const [ka, k1, k2] = drop ? (split(requireKey(name, a.key, x), 3) as [PRNGKey, PRNGKey, PRNGKey]) : [];
      const dropped = (y: Tensor, kk: PRNGKey | undefined) =>
        kk && o.dropoutRate > 0 ? dropoutMask(y, o.dropoutRate, kk) : y;
      const n1 = at('ln1', 'layerNorm', () => ln.apply(params.ln1, x));
      const attOpts = { train: a.train, ...(ka ? { key: ka } : {}), ...(a.mask ? { mask: a.mask } : {}) };
      const h = add(
        x,
        dropped(
          at('attention', attn.name, () => attn.apply(params.attention, n1, attOpts)),
          k1,
        ),
      );
      const n2 = at('ln2', 'layerNorm', () => ln.apply(params.ln2, h));
      return add(
        h,
        dropped(
          at('mlp', 'mlp', () => ffn(d).apply(params.mlp, n2)),
          k2,
        ),
      );
    },
  };
}
