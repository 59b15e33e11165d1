/**
 * loadMnist: the documented sizes and class counts, pixels in [0, 1], labels 0-9, disjoint splits
 * that together are the whole package, layouts, and clear errors for bad options or a malformed
 * package.
 */
import { max, min } from '@gen-ts/core';
import { describe, expect, it } from 'vitest';
import { loadMnist, MNIST_CLASS_COUNTS, MNIST_SIZE, readMnistPackage } from './mnist.js';

describe('loadMnist', () => {
  it('gives the documented sizes, pixels in [0, 1] and labels 0-9', () => {
    const { train, test, validation } = loadMnist();
    expect(train.x.shape).toEqual([8000, 784]);
    expect(train.y.shape).toEqual([8000]);
    expect(test.x.shape).toEqual([2000, 784]);
    expect(validation).toBeUndefined();
    for (const s of [train, test]) {
      expect(s.x.dtype).toBe('float32');
      expect(s.y.dtype).toBe('int32');
      expect(min(s.x).itemSync()).toBe(0);
      expect(max(s.x).itemSync()).toBeLessThanOrEqual(1);
      expect(max(s.x).itemSync()).toBeGreaterThan(0.9);
      const labels = Array.from(s.y.dataSync());
      expect(labels.every((l) => Number.isInteger(l) && l >= 0 && l <= 9)).toBe(true);
      const counts = Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length);
      expect(s.classCounts).toEqual(counts);
    }
  });

  it('splits the whole package into disjoint parts with its uneven class counts', () => {
    expect(MNIST_CLASS_COUNTS.reduce((a, b) => a + b, 0)).toBe(MNIST_SIZE);
    const { train, validation, test } = loadMnist({ train: 6000, validation: 1000, test: 3000, seed: 5 });
    const sum = train.classCounts.map((c, d) => c + validation!.classCounts[d]! + test.classCounts[d]!);
    expect(sum).toEqual(MNIST_CLASS_COUNTS);
    expect(Math.min(...MNIST_CLASS_COUNTS)).toBe(863);
    expect(Math.max(...MNIST_CLASS_COUNTS)).toBe(1127);
    // a different seed, a different assignment; the same seed, the same one
    expect(loadMnist({ train: 6000, validation: 1000, test: 3000, seed: 5 }).test.classCounts).toEqual(
      test.classCounts,
    );
    expect(loadMnist({ train: 6000, validation: 1000, test: 3000, seed: 6 }).test.classCounts).not.toEqual(
      test.classCounts,
    );
  });

  it('shapes images as NHWC or NCHW, in float64 if asked', () => {
    const a = loadMnist({ train: 3, test: 1, layout: 'NHWC', dtype: 'float64' });
    expect(a.train.x.shape).toEqual([3, 28, 28, 1]);
    expect(a.train.x.dtype).toBe('float64');
    const b = loadMnist({ train: 3, test: 1, layout: 'NCHW' });
    expect(b.train.x.shape).toEqual([3, 1, 28, 28]);
    expect(Array.from(b.train.x.dataSync())).toEqual(Array.from(a.train.x.dataSync()).map(Math.fround));
  });

  it('refuses bad options and a malformed package clearly', () => {
    expect(() => loadMnist({ train: 9000, test: 2000 })).toThrow(
      /train \+ validation \+ test = 11000 exceeds the 10000 digits/,
    );
    expect(() => loadMnist({ train: 0 })).toThrow(/loadMnist: train must be a positive integer, got 0/);
    expect(() => loadMnist({ validation: -1 })).toThrow(
      /loadMnist: validation must be an integer >= 0, got -1/,
    );
    expect(() => loadMnist({ seed: 1.5 })).toThrow(/loadMnist: seed must be an integer, got 1.5/);
    expect(() => loadMnist({ backend: {} as never })).toThrow(/loadMnist: backend must be a Backend/);
    expect(() => loadMnist({ size: 3 } as object)).toThrow(/loadMnist: unknown option "size"/);
    expect(() => loadMnist({ layout: 'HWC' as 'flat' })).toThrow(
      /loadMnist: layout must be one of 'flat', 'NHWC', 'NCHW', got "HWC"/,
    );
    const good = Array.from({ length: 10 }, () => ({ raw: new Array(784).fill(0.5) }));
    expect(readMnistPackage(good as never).labels.length).toBe(10);
    expect(() => readMnistPackage({ ...good, 3: undefined } as never)).toThrow(/no images for digit 3/);
    expect(() => readMnistPackage({ ...good, 4: { raw: [0, 1] } } as never)).toThrow(
      /digit 4 holds 2 values, not a whole number of 784-pixel images/,
    );
    const bad = { ...good, 7: { raw: [...new Array(783).fill(0), 2] } };
    expect(() => readMnistPackage(bad as never)).toThrow(
      /digit 7, image 0 has pixel value 2, outside \[0, 1\]/,
    );
  });
});
