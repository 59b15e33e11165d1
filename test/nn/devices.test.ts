/**
 * `@gen-ts/nn` off the reference backend: a training step (forward, loss with its label checks,
 * metrics, backward) never reads back, and on every gpu.js mode the label range check still
 * catches a bad label (at the call where the labels' values are on the host, when the loss is read
 * where they are computed on an asynchronous device), losses match the cpu backend, and dropout
 * draws the same mask from the same key.
 */
import { describe, expect, it } from 'vitest';
import { add, cpu, grad, key, normal, tensor, withBackend, type Tensor } from '@gen-ts/core';
import { gpujs } from '@gen-ts/gpu';
import {
  accuracy,
  batchNorm,
  dropout,
  linear,
  sequential,
  sigmoidBinaryCrossEntropy,
  softmaxCrossEntropy,
  topKAccuracy,
} from '@gen-ts/nn';
import { noReadBackend, usingGpujs as using } from '../support/backends.js';
import { describeModes } from '../support/gpu-modes.js';

describe('nn on a backend that refuses reads', () => {
  it('runs a training step with label checks, metrics and batchNorm state without reading back', () => {
    const b = noReadBackend();
    withBackend(b, () => {
      const model = sequential([linear(8), batchNorm(), dropout(0.2), linear(3)]);
      const { params, state } = model.init(key(0), [6, 4]);
      const x = normal(key(1), [6, 4]);
      const y = tensor([0, 1, 2, 2, 1, 0], { dtype: 'int32' });
      const loss = (p: typeof params) =>
        softmaxCrossEntropy(model.apply(p, x, { train: true, key: key(2), state })[0], y, {
          labelSmoothing: 0.1,
        });
      const g = grad(loss)(params);
      expect(g[0].kernel.shape).toEqual([4, 8]);
      const logits = model.apply(params, x, { state })[0];
      expect(accuracy(logits, y).shape).toEqual([]);
      expect(topKAccuracy(logits, y, 2).shape).toEqual([]);
      const bin = tensor([[1], [0], [1], [1], [0], [0]], { dtype: 'int32' });
      expect(
        sigmoidBinaryCrossEntropy(linear(1).apply(linear(1).init(key(3), [6, 4]).params, x), bin).shape,
      ).toEqual([]);
      // the range check still runs (on the host values, without a read)
      expect(() => softmaxCrossEntropy(logits, tensor([0, 1, 2, 3, 1, 0], { dtype: 'int32' }))).toThrow(
        /softmaxCrossEntropy: a label is outside \[0, 3\)/,
      );
    });
  });
});

const host = cpu();
const logitsValues = [2, -1, 0.5, 0, 3, -2, 1, 1, -0.5, 0.25, -3, 2];

await describeModes('nn losses and dropout on ', (m) => {
  it('checks label ranges: uploaded labels at the call, computed ones at the call or on read', async () => {
    await using(gpujs({ ...m.options }), async () => {
      const z = tensor(logitsValues, { shape: [4, 3] });
      const ints = (v: number[]) => tensor(v, { dtype: 'int32' });
      expect(() => softmaxCrossEntropy(z, ints([0, 1, 3, 2]))).toThrow(
        /^softmaxCrossEntropy: a label is outside \[0, 3\) \(logits \[4,3\], labels int32\[4\]\)/,
      );
      // labels computed on the backend: 1 + 2 = 3 is out of range
      const computed = add(ints([0, 1, 1, 2]), ints([0, 0, 2, 0]));
      let loss: Tensor | undefined;
      try {
        loss = softmaxCrossEntropy(z, computed);
      } catch (e) {
        expect((e as Error).message).toMatch(/^softmaxCrossEntropy: a label is outside \[0, 3\)/);
      }
      if (loss) await expect(loss.data()).rejects.toThrow(/index 3 is out of range for an axis of size 3/);
    });
  });

  it('matches the cpu backend for in-range computed labels', async () => {
    const ref = softmaxCrossEntropy(
      tensor(logitsValues, { shape: [4, 3], backend: host }),
      tensor([0, 1, 2, 2], { dtype: 'int32', backend: host }),
    ).itemSync();
    await using(gpujs({ ...m.options }), async () => {
      const labels = add(tensor([0, 1, 1, 2], { dtype: 'int32' }), tensor([0, 0, 1, 0], { dtype: 'int32' }));
      const got = (await softmaxCrossEntropy(tensor(logitsValues, { shape: [4, 3] }), labels).data())[0]!;
      // float32 on both: a few roundings of terms of size <= 4 (see losses-tfjs.test.ts)
      expect(Math.abs(got - ref)).toBeLessThan(1e-4 * 8);
    });
  });

  it('dropout draws the same mask from the same key as on the cpu backend', async () => {
    const x = normal(key(0), [16, 16], { backend: host });
    const want = dropout(0.3)
      .apply({}, x, { train: true, key: key(9) })
      .dataSync();
    await using(gpujs({ ...m.options }), async () => {
      const xs = tensor(x.dataSync(), { shape: [16, 16] });
      const got = await dropout(0.3)
        .apply({}, xs, { train: true, key: key(9) })
        .data();
      const zerosAt = (a: ArrayLike<number>) => Array.from(a, (v) => v === 0);
      expect(zerosAt(got)).toEqual(zerosAt(want));
      Array.from(got).forEach((v, i) =>
        expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(want[i]!)),
      );
    });
  });
});
