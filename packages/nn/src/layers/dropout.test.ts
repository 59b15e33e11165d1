/**
 * Dropout. The statistical checks allow 6 binomial standard errors: with n elements kept with
 * probability q, the kept fraction has standard error sqrt(q (1 - q) / n).
 */
import { describe, expect, it } from 'vitest';
import { key, normal, ones, tensor } from '@gen-ts/core';
import { dropout } from './dropout.js';

describe('dropout', () => {
  it('is the identity in eval mode (the same tensor, no key needed)', () => {
    const x = normal(key(0), [4, 5]);
    const d = dropout(0.5);
    expect(d.apply({}, x)).toBe(x);
    expect(d.apply({}, x, { train: false, key: key(1) })).toBe(x);
    expect(dropout(0).apply({}, x, { train: true })).toBe(x);
  });

  it('in train mode keeps 1 - rate of the elements, scaled by 1 / (1 - rate): the mean is kept', () => {
    const n = 20000;
    for (const rate of [0.1, 0.5, 0.8]) {
      const y = dropout(rate)
        .apply({}, ones([n], { dtype: 'float64' }), { train: true, key: key(Math.round(rate * 10)) })
        .dataSync() as Float64Array;
      const kept = y.filter((v) => v !== 0);
      kept.forEach((v) => expect(v).toBeCloseTo(1 / (1 - rate), 14));
      const q = 1 - rate;
      expect(Math.abs(kept.length / n - q)).toBeLessThan(6 * Math.sqrt((q * (1 - q)) / n));
      // mean of y = kept fraction / q, whose standard error is sqrt(rate / (q n))
      const mean = y.reduce((s, v) => s + v, 0) / n;
      expect(Math.abs(mean - 1)).toBeLessThan(6 * Math.sqrt(rate / (q * n)));
    }
  });

  it('draws the same mask from the same key, a different one from another key', () => {
    const x = normal(key(0), [8, 8]);
    const d = dropout(0.3);
    const a = d.apply({}, x, { train: true, key: key(5) }).dataSync();
    expect(d.apply({}, x, { train: true, key: key(5) }).dataSync()).toEqual(a);
    expect(d.apply({}, x, { train: true, key: key(6) }).dataSync()).not.toEqual(a);
  });

  it('with rate 1 gives zeros', () => {
    expect(
      dropout(1)
        .apply({}, tensor([1, 2]), { train: true, key: key(0) })
        .toArray(),
    ).toEqual([0, 0]);
  });

  it('throws naming the layer for a missing key in train mode, a bad rate or unknown options', () => {
    expect(() => dropout(0.5).apply({}, ones([2, 3]), { train: true })).toThrow(
      'dropout: training mode needs a PRNG key for its dropout mask: apply(params, x, { train: true, key }) (input [2,3])',
    );
    expect(() => dropout(1.5)).toThrow('dropout: rate must be a number in [0, 1], got 1.5');
    expect(() => dropout(undefined as never)).toThrow(/dropout: rate must be a number in \[0, 1\]/);
    expect(() => dropout(0.5, { broadcast: [1] } as never)).toThrow(
      'dropout: unknown option "broadcast" (known: none)',
    );
    expect(() => dropout(0.5).apply({}, ones([2]), { train: true, key: 3 as never })).toThrow(
      /dropout: apply option key needs a PRNGKey/,
    );
  });
});
