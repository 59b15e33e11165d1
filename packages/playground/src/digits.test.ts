/** The digits asset: what is packed comes back, and a foreign or damaged file is refused by name. */
import { describe, expect, it } from 'vitest';
import { decodeDigits, DIGIT_PIXELS, encodeDigits, type DigitSplit } from './digits.js';

/** `n` digits whose pixels are bytes / 255 rounded to three decimals, as the `mnist` package stores them. */
function split(n: number, seed: number): DigitSplit {
  const x = new Float32Array(n * DIGIT_PIXELS);
  const bytes = new Uint8Array(n * DIGIT_PIXELS);
  for (let i = 0; i < x.length; i++) {
    bytes[i] = (i * 37 + seed * 101) % 256;
    x[i] = Math.round((bytes[i]! / 255) * 1000) / 1000;
  }
  const labels = Int32Array.from({ length: n }, (_, i) => (i + seed) % 10);
  return { x, labels, n, bytes } as DigitSplit & { bytes: Uint8Array };
}

describe('the digits asset', () => {
  it('gives back the original bytes / 255 and the labels', () => {
    const train = split(5, 1) as DigitSplit & { bytes: Uint8Array };
    const test = split(3, 2) as DigitSplit & { bytes: Uint8Array };
    const d = decodeDigits(encodeDigits({ train, test }));
    for (const [got, want] of [
      [d.train, train],
      [d.test, test],
    ] as const) {
      expect(got.n).toBe(want.n);
      expect(Array.from(got.labels)).toEqual(Array.from(want.labels));
      expect(Array.from(got.x)).toEqual(Array.from(want.bytes, (b) => Math.fround(b / 255)));
    }
  });

  it('refuses a foreign, damaged or inconsistent file, saying what is wrong', () => {
    const bytes = encodeDigits({ train: split(2, 0), test: split(1, 0) });
    expect(() => decodeDigits(new Uint8Array([1, 2, 3]))).toThrow(/not a digits asset/);
    expect(() => decodeDigits(bytes.subarray(0, bytes.length - 1))).toThrow(
      /bytes, expected .* for 3 digits/,
    );
    const bad = split(1, 0);
    bad.x[7] = 0.5; // 127.5 / 255: no byte is that close
    expect(() => encodeDigits({ train: bad, test: split(1, 0) })).toThrow(/pixel 7 of digit 0 is 0.5/);
    expect(() => encodeDigits({ train: { ...bad, n: 2 }, test: split(1, 0) })).toThrow(/needs 1568 pixels/);
  });
});
