import { cast, exp, key, normal, randint, tensor, type Tensor } from '@gen-ts/core';
import { describe, expect, it } from 'vitest';
import { Dataset } from '../data/dataset.js';
import type { Layer } from '../layer.js';
import { softmaxCrossEntropy } from '../losses.js';
import { perplexity } from '../metrics.js';
import { evaluate } from './evaluate.js';

/** The identity model: the data's x are the logits. */
const logitsModel: Layer<Record<string, never>> = {
  name: 'identity',
  stateful: false,
  init: (_k, s) => ({ params: {}, state: undefined, outputShape: s }),
  apply: (_p, x) => x,
};

describe('evaluate', () => {
  it('gives perplexity over a dataset as exp of its mean cross-entropy, not the mean of batch perplexities', async () => {
    const x = normal(key(0), [6, 5], { dtype: 'float64' });
    const y = cast(randint(key(1), [6], 0, 5), 'int32');
    // uneven batches (4 + 2 rows), so a mean of batch values would also weigh them wrongly
    const data = Dataset.fromArrays({ x, y }).batch(4);
    const r = await evaluate({
      model: logitsModel,
      loss: softmaxCrossEntropy,
      params: {},
      data,
      metrics: { perplexity },
    });
    const ce = softmaxCrossEntropy(x, y).itemSync(); // the mean over all 6 rows
    expect(r['loss']).toBeCloseTo(ce, 12);
    expect(r['perplexity']).toBeCloseTo(Math.exp(ce), 10);
    // and it differs from the mean of the two batches' perplexities
    const batchPpl = (t: Tensor, u: Tensor) => exp(softmaxCrossEntropy(t, u)).itemSync();
    const { x: x0, y: y0 } = data.at(0);
    const { x: x1, y: y1 } = data.at(1);
    const naive = (4 * batchPpl(x0, y0) + 2 * batchPpl(x1, y1)) / 6;
    expect(Math.abs(naive - Math.exp(ce))).toBeGreaterThan(1e-6);
    // called directly, it is the batch's own value
    expect(perplexity(x, y).itemSync()).toBeCloseTo(Math.exp(ce), 12);
    expect(() => perplexity(x, tensor([1, 2], { dtype: 'int32' }))).toThrow(/^perplexity/);
  });
});
