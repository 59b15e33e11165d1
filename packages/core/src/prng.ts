/**
 * The counter-based generator behind `random.ts`, as plain host arithmetic that every backend
 * reproduces bit for bit: Threefry-2x32 with 20 rounds (Salmon et al., SC 2011) encrypts the
 * counter `(i, 0)` under the key, and element `i` of a draw reads block `i` (words `x0`, `x1`).
 *
 * - float64 uniform: `u = ((x0 >>> 5) * 2^26 + (x1 >>> 6)) / 2^53`, 53 random bits.
 * - float32 uniform: `(x0 >>> 8) / 2^24`, the same `u` cut to 24 bits (so it never rounds up to 1).
 * - bernoulli(p): `u < p` for the 53-bit `u`, decided exactly with 32-bit words: with
 *   `T = ceil(p * 2^53) = X * 2^26 + Y`, `u < p` iff `x0 < 32 X`, or `x0 >>> 5 == X` and `x1 < 64 Y`.
 *   A backend without 32-bit integers compares 16-bit halves against {@link bernoulliThresholds}.
 */

/** Rotation amounts of Threefry-2x32, round r uses `THREEFRY_ROTATIONS[r % 8]`. */
export const THREEFRY_ROTATIONS: readonly number[] = [13, 15, 26, 6, 17, 29, 16, 24];
/** The key-schedule parity constant of Threefry. */
export const THREEFRY_PARITY = 0x1bd11bda;

/** Threefry-2x32 (20 rounds) of counter `(c0, c1)` under key `(k0, k1)`, into `out[at]`, `out[at + 1]`. */
export function threefry2x32(
  k0: number,
  k1: number,
  c0: number,
  c1: number,
  out: Uint32Array,
  at: number,
): void {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ THREEFRY_PARITY) >>> 0];
  let x0 = (c0 + ks[0]!) >>> 0;
  let x1 = (c1 + ks[1]!) >>> 0;
  for (let r = 0; r < 20; r++) {
    x0 = (x0 + x1) >>> 0;
    const s = THREEFRY_ROTATIONS[r % 8]!;
    x1 = ((x1 << s) | (x1 >>> (32 - s))) >>> 0;
    x1 = (x1 ^ x0) >>> 0;
    if (r % 4 === 3) {
      const i = (r + 1) / 4;
      x0 = (x0 + ks[i % 3]!) >>> 0;
      x1 = (x1 + ks[(i + 1) % 3]! + i) >>> 0;
    }
  }
  out[at] = x0;
  out[at + 1] = x1;
}

/** Blocks `0..n-1` of key `(k0, k1)`: words `x0` at `2i`, `x1` at `2i + 1`. */
export function threefryBlocks(k0: number, k1: number, n: number): Uint32Array {
  const out = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) threefry2x32(k0, k1, i, 0, out, 2 * i);
  return out;
}

/** The 53-bit uniform of block `i` (see the file header). */
export function uniform53(blocks: Uint32Array, i: number): number {
  return ((blocks[2 * i]! >>> 5) * 67108864 + (blocks[2 * i + 1]! >>> 6)) / 9007199254740992;
}

/** The 24-bit uniform of block `i`: exactly `floor(uniform53 * 2^24) / 2^24`. */
export function uniform24(blocks: Uint32Array, i: number): number {
  return (blocks[2 * i]! >>> 8) / 16777216;
}

/**
 * The thresholds of `bernoulli(p)` on 32-bit words (see the file header), each split into 16-bit
 * halves `[hi, lo]` (values up to 2^32 included, so `hi` may be 65536): `below` is `32 X`, `upto`
 * is `32 X + 32` (`x0 >>> 5 == X` iff `below <= x0 < upto`) and `second` is `64 Y`.
 */
export function bernoulliThresholds(p: number): {
  below: [number, number];
  upto: [number, number];
  second: [number, number];
} {
  const t = Math.ceil(p * 2 ** 53); // exact: p * 2^53 only shifts the exponent
  const x = Math.floor(t / 2 ** 26);
  const y = t - x * 2 ** 26;
  const halves = (v: number): [number, number] => [Math.floor(v / 65536), v % 65536];
  return { below: halves(32 * x), upto: halves(32 * x + 32), second: halves(64 * y) };
}
