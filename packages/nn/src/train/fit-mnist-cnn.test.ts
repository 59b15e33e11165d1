/**
 * A small CNN (two 3x3 convolutions with max pooling, then a linear layer; NHWC) trained with `fit`
 * on 1,000 MNIST digits for one epoch, by GeN-Adam from an untuned rate probing the next batch,
 * is well above chance (10%) on 500 held-out digits. (Three data, init and shuffle seeds: 0.68-0.79
 * after the epoch's 32 steps.)
 */
import { key, relu } from '@gen-ts/core';
import { genAdam } from '@gen-ts/gen';
import { describe, expect, it } from 'vitest';
import { Dataset } from '../data/dataset.js';
import { loadMnist } from '../data/mnist.js';
import { conv2d } from '../layers/conv.js';
import { flatten } from '../layers/flatten.js';
import { linear } from '../layers/linear.js';
import { maxPool2d } from '../layers/pool.js';
import { sequential } from '../layers/sequential.js';
import { softmaxCrossEntropy } from '../losses.js';
import { accuracy } from '../metrics.js';
import { fit } from './fit.js';

describe('fit on MNIST', () => {
  it('a CNN learns the digits in one epoch over 1,000 of them', { timeout: 60_000 }, async () => {
    const { train, validation } = loadMnist({ train: 1000, validation: 500, test: 1, layout: 'NHWC' });
    const model = sequential([
      conv2d(8, 3, { padding: 'same' }),
      relu,
      maxPool2d(2),
      conv2d(16, 3, { padding: 'same' }),
      relu,
      maxPool2d(2),
      flatten(),
      linear(10),
    ]);
    const { params } = model.init(key(0), [1, 28, 28, 1]);
    const r = await fit({
      model,
      loss: softmaxCrossEntropy,
      params,
      optimizer: genAdam({ lr: 1e-3 }),
      train: Dataset.fromArrays(train).shuffle(key(1)).batch(32),
      validation: Dataset.fromArrays(validation!).batch(250),
      metrics: { accuracy },
      epochs: 1,
      verbose: 'silent',
    });
    const acc = r.history.evals.at(-1)!.metrics['accuracy']!;
    expect(r.step).toBe(32);
    expect(acc).toBeGreaterThan(0.5); // chance is 0.1
  });
});
