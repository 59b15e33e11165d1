/**
 * Scaled dot-product attention (Vaswani et al., 2017) and the multi-head self-attention layer.
 * Masked scores are replaced by the dtype's lowest finite number rather than `-Infinity`, so a
 * row with every key masked gives uniform weights instead of NaN (flax does the same); a masked
 * key's weight is then exactly 0 in any row that has an unmasked one.
 */
import {
  arange,
  expandDims,
  greaterEqual,
  matmul,
  mT,
  mul,
  reshape,
  softmax,
  split,
  Tensor,
  transpose,
  where,
  type PRNGKey,
} from '@gen-ts/core';
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
  positiveInt,
  withContext,
} from '../validate.js';
import { dropoutMask, requireKey } from './dropout.js';
import { linearApply, linearInit, linearSpec, type LinearOptions, type LinearParams } from './linear.js';

const LOWEST = { float32: -3.4028234663852886e38, float64: -Number.MAX_VALUE } as const;

/** Options of `dotProductAttention`. */
export interface AttentionOptions {
  /** Query `i` attends only to keys `j <= i` (default false). */
  causal?: boolean;
  /** `bool`, broadcastable to `[..., Tq, Tk]`: false where a query must not attend to a key. */
  mask?: Tensor;
  /** Drop probability of the attention weights (default 0); needs `key` when above 0. */
  dropoutRate?: number;
  /** Key of the weights' dropout mask. */
  key?: PRNGKey;
}

/**
 * `softmax(q k^T / sqrt(d) + mask) v` over the last two axes: `q` `[..., Tq, d]`, `k` `[..., Tk, d]`,
 * `v` `[..., Tk, dv]` -> `[..., Tq, dv]` (leading axes broadcast, as in a matmul).
 *
 * @example
 * ```ts
 * import { key, normal, split } from '@gen-ts/core';
 * import { dotProductAttention } from '@gen-ts/nn';
 *
 * const [kq, kk, kv] = split(key(0), 3);
 * const q = normal(kq!, [2, 4, 8]);
 * const y = dotProductAttention(q, normal(kk!, [2, 4, 8]), normal(kv!, [2, 4, 8]), { causal: true });
 * console.log(y.shape); // [2, 4, 8]
 * ```
 */
export function dotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  const where_ = 'dotProductAttention';
  const o = parseOptions(where_, options, {
    causal: bool(false),
    mask: (m, label) => {
      if (m !== undefined && (!(m instanceof Tensor) || m.dtype !== 'bool'))
        throw new TypeError(`${label} must be a bool tensor, got ${describe(m)}`);
      return m as Tensor | undefined;
    },
    dropoutRate: numberIn(0, 0, 1),
    key: (kk) => (kk === undefined ? undefined : checkKey(where_, kk, 'option key')),
  });
  for (const [n, t] of [
    ['q', q],
    ['k', k],
    ['v', v],
  ] as const)
    if (!(t instanceof Tensor) || t.rank < 2)
      throw new TypeError(`${where_}: ${n} must be a tensor [..., T, d], got ${describe(t)}`);
  const d = q.shape[q.rank - 1]!;
  if (k.shape[k.rank - 1] !== d || k.shape[k.rank - 2] !== v.shape[v.rank - 2])
    throw new RangeError(
      `${where_}: q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)}: q and k need the same last axis and k and v the same length`,
    );
  const tq = q.shape[q.rank - 2]!;
  const tk = k.shape[k.rank - 2]!;
  const low = LOWEST[q.dtype as keyof typeof LOWEST];
  let scores = mul(matmul(q, mT(k)), 1 / Math.sqrt(d));
  if (o.causal) {
    const rows = expandDims(arange(tq, undefined, 1, { dtype: 'int32', backend: q.backend }), -1);
    const cols = arange(tk, undefined, 1, { dtype: 'int32', backend: q.backend });
    scores = where(greaterEqual(rows, cols), scores, low);
  }
  if (o.mask) scores = where(o.mask, scores, low);
  let w = softmax(scores, -1);
  if (o.dropoutRate > 0) w = dropoutMask(w, o.dropoutRate, requireKey(where_, o.key, w));
  return matmul(w, v);
}

/** Parameters of `multiHeadAttention`: the query, key, value and output projections. */
export type MultiHeadAttentionParams = {
  readonly query: LinearParams;
  readonly key: LinearParams;
  readonly value: LinearParams;
  readonly out: LinearParams;
};

/** Options of `multiHeadAttention`; the `LinearOptions` apply to its four projections. */
export interface MultiHeadAttentionOptions extends LinearOptions {
  /** Number of heads (required); it must divide `qkvFeatures`. */
  numHeads: number;
  /** Width of the query/key/value projections, all heads together (default: the input's width). */
  qkvFeatures?: number;
  /** Output width (default: the input's width). */
  outFeatures?: number;
  /** Each position attends only to itself and earlier ones (default false). */
  causal?: boolean;
  /** Dropout on the attention weights in training (default 0). */
  dropoutRate?: number;
}

/**
 * Multi-head self-attention over `[B, T, D]`. `apply`'s `mask` (`bool [B, T]`, false at padding)
 * hides padded keys from every query; `causal` hides later positions. Training with
 * `dropoutRate > 0` needs `key`.
 *
 * @example
 * ```ts
 * import { key, normal, tensor } from '@gen-ts/core';
 * import { multiHeadAttention } from '@gen-ts/nn';
 *
 * const attn = multiHeadAttention({ numHeads: 2, causal: true });
 * const { params } = attn.init(key(0), [2, 3, 8]);
 * const mask = tensor([[true, true, true], [true, true, false]], { dtype: 'bool' }); // last token of row 2 is padding
 * console.log(attn.apply(params, normal(key(1), [2, 3, 8]), { mask }).shape); // [2, 3, 8]
 * ```
 */
export function multiHeadAttention(options: MultiHeadAttentionOptions): Layer<MultiHeadAttentionParams> {
  const name = 'multiHeadAttention';
  const o = parseOptions(name, options ?? {}, {
    numHeads: positiveInt(),
    qkvFeatures: optionalPositiveInt(),
    outFeatures: optionalPositiveInt(),
    causal: bool(false),
    dropoutRate: numberIn(0, 0, 1),
    ...linearSpec,
  });
  const proj = (p: LinearParams, x: Tensor, part: string) =>
    withContext(`${name}.${part}`, 'linear', () => linearApply('linear', p, x, o.useBias));
  return {
    name,
    stateful: false,
    init(k, inputShape) {
      checkKey(name, k);
      const s = checkInputShape(name, inputShape, 3, ' ([B, T, D])');
      if (s.length !== 3) throw new RangeError(`${name}: input shape ${fmt(s)} must be [B, T, D]`);
      const dIn = s[2]!;
      const qkv = o.qkvFeatures ?? dIn;
      if (qkv % o.numHeads !== 0)
        throw new RangeError(
          `${name}: numHeads ${o.numHeads} must divide the projection width ${qkv} (input ${fmt(s)})`,
        );
      const [kq, kk, kv, ko] = split(k, 4) as [PRNGKey, PRNGKey, PRNGKey, PRNGKey];
      const mk = (kx: PRNGKey, units: number, shape: readonly number[]) =>
        linearInit('linear', units, o, kx, shape).params;
      const params = {
        query: mk(kq, qkv, s),
        key: mk(kk, qkv, s),
        value: mk(kv, qkv, s),
        out: mk(ko, o.outFeatures ?? dIn, [s[0]!, s[1]!, qkv]),
      };
      return { params, state: undefined, outputShape: [s[0]!, s[1]!, o.outFeatures ?? dIn] };
    },
    apply(params, x, options) {
      const a = applyOptions(name, options);
      if (
        params === null ||
        typeof params !== 'object' ||
        !params.query ||
        !params.key ||
        !params.value ||
        !params.out
      )
        throw new TypeError(
          `${name}: params must be { query, key, value, out } as init returned them, got ${describe(params)}`,
        );
      checkFloatInput(name, x, params.query.kernel.dtype, 3, params.query.kernel.shape[0]);
      if (x.rank !== 3) throw new RangeError(`${name}: input ${fmt(x.shape)} must be [B, T, D]`);
      const [b, t] = x.shape as [number, number, number];
      const mask = a.mask === undefined ? undefined : keyMask(name, a.mask, b, t);
      const h = o.numHeads;
      // [B, T, H * dh] -> [B, H, T, dh]
      const heads = (y: Tensor) => transpose(reshape(y, [b, t, h, y.shape[2]! / h]), [0, 2, 1, 3]);
      const q = heads(proj(params.query, x, 'query'));
      const kx = heads(proj(params.key, x, 'key'));
      const v = heads(proj(params.value, x, 'value'));
      const train = a.train && o.dropoutRate > 0;
      const y = dotProductAttention(q, kx, v, {
        causal: o.causal,
        ...(mask ? { mask } : {}),
        ...(train ? { dropoutRate: o.dropoutRate, key: requireKey(name, a.key, x) } : {}),
      });
      const merged = reshape(transpose(y, [0, 2, 1, 3]), [b, t, q.shape[1]! * q.shape[3]!]);
      return proj(params.out, merged, 'out');
    },
  };
}

/** A `bool [B, T]` key-padding mask as `[B, 1, 1, T]`, broadcasting over heads and queries. */
function keyMask(where: string, m: Tensor, b: number, t: number): Tensor {
  if (m.dtype !== 'bool' || m.rank !== 2 || m.shape[0] !== b || m.shape[1] !== t)
    throw new TypeError(
      `${where}: mask must be bool [${b},${t}] (false at padding) for input [${b},${t},...], got ${describe(m)}`,
    );
  return reshape(m, [b, 1, 1, t]);
}
