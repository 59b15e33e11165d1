import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { key, normal, tensor, zeros } from '@gen-ts/core';
import { softmaxCrossEntropy } from './losses.js';
import { accuracy, perplexity, topKAccuracy } from './metrics.js';

const F64 = { dtype: 'float64' as const };
const I32 = { dtype: 'int32' as const };

describe('accuracy', () => {
  it('counts rows whose argmax is the label, for ids and for probabilities', () => {
    const z = tensor([
      [2, 0, 1],
      [0, 1, 3],
      [3, 1, 0],
      [0, 5, 1],
    ]);
    expect(accuracy(z, tensor([0, 2, 1, 1], I32)).itemSync()).toBe(0.75);
    const probs = tensor([
      [0.8, 0.1, 0.1],
      [0.1, 0.1, 0.8],
      [0.2, 0.7, 0.1],
      [0.1, 0.8, 0.1],
    ]);
    expect(accuracy(z, probs).itemSync()).toBe(0.75);
    expect(accuracy(z, tensor([0, 2, 1, 1], I32)).dtype).toBe('float32');
  });

  it('for one logit per example compares logit > 0 with label > 0.5 (float, int or bool labels)', () => {
    const z = tensor([[2], [-1], [0.5], [-3]], F64);
    expect(accuracy(z, tensor([[1], [0], [0], [1]], F64)).itemSync()).toBe(0.5);
    expect(accuracy(z, tensor([[1], [0], [1], [0]], I32)).itemSync()).toBe(1);
    expect(accuracy(z, tensor([[true], [true], [true], [true]], { dtype: 'bool' })).itemSync()).toBe(0.5);
  });

  it('throws naming the metric and shapes for mismatched or out-of-range labels', () => {
    expect(() => accuracy(zeros([3, 4]), zeros([3, 1], I32))).toThrow(
      'accuracy: integer labels must have shape [3], one class id per row of the logits (logits [3,4], labels int32[3,1]); reshape labels to [3]',
    );
    expect(() => accuracy(zeros([3, 1]), zeros([3]))).toThrow(
      'accuracy: logits [3,1] and labels [3] must have the same shape (the [B] vs [B, 1] trap',
    );
    expect(() => accuracy(zeros([2, 4]), tensor([0, 4], I32))).toThrow(
      /^accuracy: a label is outside \[0, 4\)/,
    );
    expect(() => accuracy(zeros([2, 1]), tensor([[0], [2]], I32))).toThrow(
      /^accuracy: a label is outside \[0, 2\)/,
    );
  });
});

describe('topKAccuracy', () => {
  it('agrees with counting strictly larger logits, and k = 1 with accuracy on distinct logits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2, max: 6 }),
        fc.nat({ max: 2 ** 30 }),
        (b, c, seed) => {
          const z = normal(key(seed), [b, c], F64);
          const ys = Array.from({ length: b }, (_, i) => (seed + i) % c);
          const y = tensor(ys, I32);
          const zr = z.toArray() as number[][];
          for (let k = 1; k <= c; k++) {
            const hits = zr.filter((r, i) => r.filter((v) => v > r[ys[i]!]!).length < k).length;
            expect(topKAccuracy(z, y, k).itemSync()).toBeCloseTo(hits / b, 14);
          }
          expect(topKAccuracy(z, y, 1).itemSync()).toBe(accuracy(z, y).itemSync());
          expect(topKAccuracy(z, y, c).itemSync()).toBe(1);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('counts ties in the label s favour and validates k', () => {
    expect(topKAccuracy(tensor([[1, 1, 1]]), tensor([2], I32), 1).itemSync()).toBe(1);
    expect(() => topKAccuracy(zeros([2, 3]), zeros([2], I32), 4)).toThrow(
      'topKAccuracy: k = 4 exceeds the 3 classes of logits [2,3]',
    );
    expect(() => topKAccuracy(zeros([2, 3]), zeros([2], I32), 0)).toThrow(
      'topKAccuracy: k must be a positive integer, got 0',
    );
  });
});

describe('perplexity', () => {
  it('is exp of the mean cross-entropy: C for uniform logits', () => {
    expect(perplexity(zeros([3, 7], F64), tensor([1, 2, 6], I32)).itemSync()).toBeCloseTo(7, 13);
    const z = normal(key(0), [2, 3, 5], F64);
    const y = tensor(
      [
        [0, 1, 2],
        [3, 4, 0],
      ],
      I32,
    );
    expect(perplexity(z, y).itemSync()).toBeCloseTo(Math.exp(softmaxCrossEntropy(z, y).itemSync()), 12);
  });

  it('names itself in label errors', () => {
    expect(() => perplexity(zeros([2, 3]), zeros([2, 1], I32))).toThrow(
      /^perplexity: integer labels must have shape \[2\]/,
    );
  });
});
