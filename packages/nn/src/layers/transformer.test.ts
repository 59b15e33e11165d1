import { describe, expect, it } from 'vitest';
import { add, concat, gelu, key, normal, slice, tensor, type Tensor } from '@gen-ts/core';
import { multiHeadAttention } from './attention.js';
import { mlp } from './linear.js';
import { layerNorm } from './normalization.js';
import { transformerBlock } from './transformer.js';

const F64 = { dtype: 'float64' as const };

describe('transformerBlock', () => {
  it('is pre-LN: x + attention(layerNorm(x)), then h + mlp(layerNorm(h))', () => {
    const block = transformerBlock({ numHeads: 2, mlpDim: 12, causal: true, ...F64 });
    const { params, outputShape } = block.init(key(0), [2, 5, 8]);
    expect(outputShape).toEqual([2, 5, 8]);
    expect(params.mlp.map((p) => p.kernel.shape)).toEqual([
      [8, 12],
      [12, 8],
    ]);
    const x = normal(key(1), [2, 5, 8], F64);
    const ln = layerNorm(F64);
    const attn = multiHeadAttention({ numHeads: 2, causal: true, ...F64 });
    const ffn = mlp([12, 8], { activation: gelu, ...F64 });
    const h = add(x, attn.apply(params.attention, ln.apply(params.ln1, x)));
    const want = add(h, ffn.apply(params.mlp, ln.apply(params.ln2, h))).dataSync();
    const got = block.apply(params, x).dataSync();
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
  });

  it('causal: changing later tokens leaves earlier outputs unchanged; the mask hides padding', () => {
    const block = transformerBlock({ numHeads: 1, causal: true, ...F64 });
    const { params } = block.init(key(0), [1, 6, 4]);
    const x = normal(key(1), [1, 6, 4], F64);
    const x2 = concat([slice(x, [0, 0, 0], [1, 3, 4]), normal(key(2), [1, 3, 4], F64)], 1);
    const head = (y: Tensor) => slice(y, [0, 0, 0], [1, 3, 4]).dataSync();
    expect(head(block.apply(params, x2))).toEqual(head(block.apply(params, x)));
    const free = transformerBlock({ numHeads: 1, ...F64 });
    const fp = free.init(key(0), [1, 6, 4]).params;
    const mask = tensor([[true, true, true, false, false, false]], { dtype: 'bool' });
    expect(head(free.apply(fp, x2, { mask }))).toEqual(head(free.apply(fp, x, { mask })));
    expect(head(free.apply(fp, x2))).not.toEqual(head(free.apply(fp, x))); // control
  });

  it('uses dropout only in training, and then needs a key', () => {
    const block = transformerBlock({ numHeads: 2, dropoutRate: 0.5, attentionDropoutRate: 0.2 });
    const { params } = block.init(key(0), [2, 3, 4]);
    const x = normal(key(1), [2, 3, 4]);
    const y = block.apply(params, x).dataSync();
    const yt = block.apply(params, x, { train: true, key: key(4) }).dataSync();
    expect(yt).not.toEqual(y);
    expect(block.apply(params, x, { train: true, key: key(4) }).dataSync()).toEqual(yt);
    expect(() => block.apply(params, x, { train: true })).toThrow(
      'transformerBlock: training mode needs a PRNG key for its dropout mask: apply(params, x, { train: true, key }) (input [2,3,4])',
    );
  });

  it('throws naming the block and shapes', () => {
    const block = transformerBlock({ numHeads: 3 });
    expect(() => block.init(key(0), [2, 3, 4])).toThrow(
      'transformerBlock.attention.multiHeadAttention: numHeads 3 must divide the projection width 4 (input [2,3,4])',
    );
    const ok = transformerBlock({ numHeads: 2 });
    const { params } = ok.init(key(0), [2, 3, 4]);
    expect(() => ok.apply(params, normal(key(1), [2, 3, 6]))).toThrow(
      'transformerBlock: input [2,3,6] has 6 features on its last axis, the parameters expect 4',
    );
    expect(() => ok.init(key(0), [2, 4])).toThrow(
      'transformerBlock: input shape [2,4] has rank 2, needs at least 3 ([B, T, D])',
    );
    expect(() => transformerBlock({ numHeads: 2, activation: 'swiglu' as never })).toThrow(
      /transformerBlock: activation must be a function or one of relu/,
    );
    expect(() => transformerBlock({ numHeads: 2, mlp_dim: 3 } as never)).toThrow(
      /transformerBlock: unknown option "mlp_dim"/,
    );
  });
});
