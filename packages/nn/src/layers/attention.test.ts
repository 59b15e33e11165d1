/**
 * Attention: against a direct float64 loop implementation, and the two masking properties. Masked
 * scores become the dtype's lowest number, whose exponential is exactly 0, so in float64 the
 * outputs that must not depend on a token are bitwise unchanged when it changes; the properties
 * assert exact equality (and, as a control, that without the mask the same change does show).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, key, normal, slice, tensor, type Tensor } from '@gen-ts/core';
import { dotProductAttention, multiHeadAttention, type MultiHeadAttentionParams } from './attention.js';

const F64 = { dtype: 'float64' as const };
type Mat = number[][];

const mat = (t: Tensor) => t.toArray() as Mat;
const proj = (x: Mat, w: Mat, b: number[]): Mat =>
  x.map((r) => w[0]!.map((_, j) => r.reduce((s, v, i) => s + v * w[i]![j]!, b[j]!)));

/** Multi-head self-attention of one sequence `x` `[T, D]`, by loops; `valid[j]` false hides key j. */
function reference(
  p: MultiHeadAttentionParams,
  x: Mat,
  heads: number,
  causal: boolean,
  valid?: boolean[],
): Mat {
  const lin = (l: MultiHeadAttentionParams['query'], h: Mat) =>
    proj(h, mat(l.kernel), l.bias!.toArray() as number[]);
  const [q, k, v] = [lin(p.query, x), lin(p.key, x), lin(p.value, x)];
  const t = x.length;
  const dh = q[0]!.length / heads;
  const merged: Mat = Array.from({ length: t }, () => []);
  for (let h = 0; h < heads; h++) {
    const cols = (m: Mat, i: number) => m[i]!.slice(h * dh, (h + 1) * dh);
    for (let i = 0; i < t; i++) {
      const allowed = Array.from({ length: t }, (_, j) => (!causal || j <= i) && (valid?.[j] ?? true));
      const s = Array.from(
        { length: t },
        (_, j) => cols(q, i).reduce((a, qv, c) => a + qv * cols(k, j)[c]!, 0) / Math.sqrt(dh),
      );
      const m = Math.max(...s.filter((_, j) => allowed[j]));
      const e = s.map((sv, j) => (allowed[j] ? Math.exp(sv - m) : 0));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < dh; c++) merged[i]!.push(e.reduce((a, w, j) => a + (w / z) * cols(v, j)[c]!, 0));
    }
  }
  return lin(p.out, merged);
}

const randnInit = (k: Parameters<typeof normal>[0], s: readonly number[], d: 'float32' | 'float64') =>
  normal(k, s, { dtype: d });

/** `x` with positions `from..` of row `b` replaced by fresh values. */
function changeFrom(x: Tensor, b: number, from: number, seed: number): Tensor {
  const [, t, d] = x.shape as [number, number, number];
  const rows = [];
  for (let r = 0; r < x.shape[0]!; r++) {
    const row = slice(x, [r, 0, 0], [1, t, d]);
    if (r !== b || from >= t) rows.push(row);
    else
      rows.push(concat([slice(row, [0, 0, 0], [1, from, d]), normal(key(seed), [1, t - from, d], F64)], 1));
  }
  return concat(rows, 0);
}

describe('multiHeadAttention', () => {
  it('matches a direct loop implementation, with and without causal and padding masks', () => {
    for (const [heads, causal, padded] of [
      [1, false, false],
      [2, true, false],
      [3, false, true],
      [2, true, true],
    ] as const) {
      const attn = multiHeadAttention({ numHeads: heads, causal, ...F64, biasInit: randnInit });
      const [b, t, d] = [2, 4, 6];
      const { params, outputShape } = attn.init(key(heads), [b, t, d]);
      expect(outputShape).toEqual([b, t, d]);
      const x = normal(key(10 + heads), [b, t, d], F64);
      const valid = [
        [true, true, true, true],
        [true, true, false, false],
      ];
      const mask = padded ? tensor(valid, { dtype: 'bool' }) : undefined;
      const y = attn.apply(params, x, mask ? { mask } : {}).toArray() as Mat[];
      const xs = x.toArray() as Mat[];
      for (let r = 0; r < b; r++) {
        const want = reference(params, xs[r]!, heads, causal, padded ? valid[r] : undefined);
        want.forEach((row, i) => row.forEach((v, j) => expect(y[r]![i]![j]).toBeCloseTo(v, 12)));
      }
    }
  });

  it('with a causal mask does not look ahead: changing tokens t+1.. leaves outputs 0..t unchanged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        fc.nat({ max: 2 ** 30 }),
        (b, t, heads, dh, at, seed) => {
          const d = heads * dh;
          const tt = at % (t - 1); // the last position that must not change; tokens tt+1.. change
          const row = seed % b;
          const x = normal(key(seed), [b, t, d], F64);
          const x2 = changeFrom(x, row, tt + 1, seed + 1);
          const run = (causal: boolean) => {
            const attn = multiHeadAttention({ numHeads: heads, causal, ...F64 });
            const { params } = attn.init(key(seed + 2), [b, t, d]);
            const head = (y: Tensor) => slice(y, [row, 0, 0], [1, tt + 1, d]).dataSync();
            return [head(attn.apply(params, x)), head(attn.apply(params, x2))] as const;
          };
          const [y1, y2] = run(true);
          expect(y2).toEqual(y1);
          const [u1, u2] = run(false); // control: without the mask the change reaches earlier outputs
          expect(u2).not.toEqual(u1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('ignores padded keys: changing padded tokens leaves the outputs at real positions unchanged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 1, max: 2 }),
        fc.boolean(),
        fc.nat({ max: 2 ** 30 }),
        (b, t, heads, causal, seed) => {
          const d = 2 * heads;
          const len = 1 + (seed % (t - 1)); // real tokens 0..len-1 in row `row`, padding after
          const row = seed % b;
          const valid = Array.from({ length: b }, (_, r) =>
            Array.from({ length: t }, (_, j) => r !== row || j < len),
          );
          const mask = tensor(valid, { dtype: 'bool' });
          const attn = multiHeadAttention({ numHeads: heads, causal, ...F64 });
          const { params } = attn.init(key(seed), [b, t, d]);
          const x = normal(key(seed + 1), [b, t, d], F64);
          const x2 = changeFrom(x, row, len, seed + 2);
          const real = (y: Tensor) => slice(y, [row, 0, 0], [1, len, d]).dataSync();
          const y1 = real(attn.apply(params, x, { mask }));
          expect(real(attn.apply(params, x2, { mask }))).toEqual(y1);
          // and equals attention over the unpadded sequence alone
          const alone = attn.apply(params, slice(x, [row, 0, 0], [1, len, d])).dataSync();
          alone.forEach((v, i) => expect(y1[i]).toBeCloseTo(v, 12));
          if (!causal) expect(real(attn.apply(params, x2))).not.toEqual(real(attn.apply(params, x))); // control
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives finite uniform weights for a row whose keys are all masked', () => {
    const q = normal(key(0), [1, 2, 3], F64);
    const v = tensor(
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
      F64,
    );
    const mask = tensor(
      [
        [
          [false, false],
          [true, false],
        ],
      ],
      { dtype: 'bool' },
    );
    const y = dotProductAttention(q, q, v, { mask }).toArray() as Mat[];
    expect(y[0]![0]).toEqual([2, 3]); // uniform over both keys
    expect(y[0]![1]).toEqual([1, 2]); // only key 0
  });

  it('drops attention weights in training only, with the key', () => {
    const attn = multiHeadAttention({ numHeads: 1, dropoutRate: 0.5 });
    const { params } = attn.init(key(0), [1, 4, 2]);
    const x = normal(key(1), [1, 4, 2]);
    const y = attn.apply(params, x).dataSync();
    expect(attn.apply(params, x, { train: true, key: key(3) }).dataSync()).not.toEqual(y);
    expect(attn.apply(params, x, { train: true, key: key(3) }).dataSync()).toEqual(
      attn.apply(params, x, { train: true, key: key(3) }).dataSync(),
    );
    expect(() => attn.apply(params, x, { train: true })).toThrow(
      /multiHeadAttention: training mode needs a PRNG key/,
    );
  });

  it('supports other projection and output widths', () => {
    const attn = multiHeadAttention({ numHeads: 2, qkvFeatures: 8, outFeatures: 3 });
    const { params, outputShape } = attn.init(key(0), [2, 5, 4]);
    expect(params.query.kernel.shape).toEqual([4, 8]);
    expect(params.out.kernel.shape).toEqual([8, 3]);
    expect(outputShape).toEqual([2, 5, 3]);
    expect(attn.apply(params, normal(key(1), [2, 5, 4])).shape).toEqual([2, 5, 3]);
  });

  it('throws naming the layer and shapes for bad inputs, masks and options', () => {
    const attn = multiHeadAttention({ numHeads: 2 });
    const { params } = attn.init(key(0), [2, 3, 4]);
    expect(() => attn.apply(params, normal(key(1), [2, 3, 5]))).toThrow(
      'multiHeadAttention: input [2,3,5] has 5 features on its last axis, the parameters expect 4',
    );
    expect(() => attn.apply(params, normal(key(1), [3, 4]))).toThrow(
      'multiHeadAttention: input [3,4] has rank 2, needs at least 3',
    );
    expect(() =>
      attn.apply(params, normal(key(1), [2, 3, 4]), { mask: tensor([[true, false]], { dtype: 'bool' }) }),
    ).toThrow(
      'multiHeadAttention: mask must be bool [2,3] (false at padding) for input [2,3,...], got a bool[1,2] tensor',
    );
    expect(() => attn.init(key(0), [2, 3, 5])).toThrow(
      'multiHeadAttention: numHeads 2 must divide the projection width 5 (input [2,3,5])',
    );
    expect(() => multiHeadAttention({} as never)).toThrow(
      'multiHeadAttention: numHeads must be a positive integer, got undefined',
    );
    expect(() => multiHeadAttention({ numHeads: 2, casual: true } as never)).toThrow(
      /multiHeadAttention: unknown option "casual"/,
    );
  });
});
