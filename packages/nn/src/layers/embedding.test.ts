import { describe, expect, it } from 'vitest';
import { key, tensor } from '@gen-ts/core';
import { embedding } from './embedding.js';

describe('embedding', () => {
  it('looks up one row of the table per id', () => {
    const embed = embedding(5, 3, { dtype: 'float64' });
    const { params, outputShape } = embed.init(key(0), [2, 2]);
    expect(outputShape).toEqual([2, 2, 3]);
    const table = params.embedding.toArray() as number[][];
    const y = embed
      .apply(
        params,
        tensor(
          [
            [4, 0],
            [2, 2],
          ],
          { dtype: 'int32' },
        ),
      )
      .toArray();
    expect(y).toEqual([
      [table[4], table[0]],
      [table[2], table[2]],
    ]);
  });

  it('draws the table with variance 1 / features (flax)', () => {
    const { params } = embedding(4000, 16).init(key(1), [1]);
    const v = params.embedding.dataSync() as Float32Array;
    const variance = v.reduce((s, x) => s + x * x, 0) / v.length;
    // 6 standard errors of a normal sample variance: sigma^2 sqrt(2 / n)
    expect(Math.abs(variance - 1 / 16)).toBeLessThan((6 * Math.sqrt(2 / v.length)) / 16);
  });

  it('throws naming the layer and shapes for out-of-range ids, float ids and missing params', () => {
    const embed = embedding(5, 3);
    const { params } = embed.init(key(0), [1, 2]);
    expect(() => embed.apply(params, tensor([[1, 5]], { dtype: 'int32' }))).toThrow(
      /^embedding: an id is outside \[0, 5\) \(ids \[1,2\], table \[5,3\]\): .*index 5/,
    );
    expect(() => embed.apply(params, tensor([[1, 2]]))).toThrow(
      'embedding: input must be int32 ids, got a float32[1,2] tensor',
    );
    expect(() => embed.apply({} as never, tensor([1], { dtype: 'int32' }))).toThrow(
      /embedding: params must be \{ embedding \}/,
    );
    expect(() => embedding(0, 3)).toThrow('embedding: numEmbeddings must be a positive integer, got 0');
    expect(() => embed.init(key(0), [])).toThrow(
      'embedding: input shape [] has rank 0, needs at least 1 (the batch axis)',
    );
  });
});
