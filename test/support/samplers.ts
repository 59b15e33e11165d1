/**
 * fast-check arbitraries for gradient checks: small shapes (rank 0-4, dims 1-3 so that size-1 axes
 * broadcast often), broadcast-compatible shape tuples, and values drawn from a domain where the op
 * is smooth. A central difference moves an argument by a few thousandths, so every domain keeps
 * values at least 0.2 away from poles (`log`, `div`), kinks (`abs`, `maximum`) and ties (`max`).
 */
import fc from 'fast-check';
import { tensor, type DType, type Tensor } from '@gen-ts/core';

/** A tensor's shape and values, as plain data (so fast-check can print and shrink it). */
export interface Sample {
  /** Extent of each axis. */
  shape: number[];
  /** The values in row-major order. */
  values: number[];
}

/** Bounds of a shape arbitrary. */
export interface ShapeBounds {
  /** Smallest rank (default 0). */
  minRank?: number;
  /** Largest rank (default 4). */
  maxRank?: number;
  /** Largest extent of an axis (default 3); the smallest is 1. */
  maxDim?: number;
}

/** A shape of rank `minRank..maxRank` with extents `1..maxDim`. */
export function shapeArb({ minRank = 0, maxRank = 4, maxDim = 3 }: ShapeBounds = {}): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * An operand shape that broadcasts to `out`: some leading axes dropped and some axes set to 1
 * (each with probability about 1/3, so equal shapes are common too).
 */
export function operandShapeArb(out: readonly number[]): fc.Arbitrary<number[]> {
  const r = out.length;
  return fc
    .tuple(
      fc.oneof(fc.constant(0), fc.integer({ min: 0, max: r })),
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: r, maxLength: r }),
    )
    .map(([drop, coin]) => out.slice(drop).map((d, i) => (coin[i + drop] === 0 ? 1 : d)));
}

/** `n` shapes that broadcast together, plus the shape they broadcast to (which at least one may lack). */
export function broadcastShapesArb(
  n: number,
  bounds: ShapeBounds = {},
): fc.Arbitrary<{ out: number[]; shapes: number[][] }> {
  return shapeArb(bounds).chain((out) =>
    fc
      .array(operandShapeArb(out), { minLength: n, maxLength: n })
      .map((shapes) => ({ out: bigShape(shapes), shapes })),
  );
}

/** The NumPy broadcast of `shapes` (assumed compatible). */
function bigShape(shapes: readonly number[][]): number[] {
  const r = Math.max(0, ...shapes.map((s) => s.length));
  return Array.from({ length: r }, (_, i) => Math.max(1, ...shapes.map((s) => s[s.length - r + i] ?? 1)));
}

/** The number of elements of `shape`. */
export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

/**
 * Where values are drawn from, named for what the op needs:
 * - `real`: [-2, 2] (smooth ops);
 * - `positive`: [0.5, 2.5] (`log`, `sqrt`, the base of `pow`);
 * - `nonzero`: |x| in [0.5, 2] with either sign (denominators of `div`, `abs`, `sign`);
 * - `distinct`: pairwise at least 0.2 apart (`max`/`min` reductions and `argmax`: no ties);
 * - `distinctMagnitude`: |x| pairwise at least 0.2 apart and at least 0.2 (`norm` with ord Infinity);
 * - `withZeros`: |x| in [0.5, 1.5], and usually one element exactly 0 (`prod`, whose rule is exact at
 *   zeros). At most one: with two zeros in every reduction group the whole derivative is 0 and a
 *   central difference has nothing but rounding noise to compare against;
 * - `low` / `high`: bands [2j, 2j + 0.8] and [2j + 1, 2j + 1.8], j in -1..1, so a `low` and a `high`
 *   value are always at least 0.2 apart but either may be the larger (`maximum`, `minimum`).
 */
export type Domain =
  'real' | 'positive' | 'nonzero' | 'distinct' | 'distinctMagnitude' | 'withZeros' | 'low' | 'high';

/** Argument domains of the ops that need more than `real`, one entry per float argument. */
export const OP_DOMAINS: Readonly<Record<string, readonly Domain[]>> = {
  log: ['positive'],
  log1p: ['positive'],
  sqrt: ['positive'],
  abs: ['nonzero'],
  sign: ['nonzero'],
  div: ['real', 'nonzero'],
  pow: ['positive', 'real'],
  maximum: ['low', 'high'],
  minimum: ['low', 'high'],
  max: ['distinct'],
  min: ['distinct'],
  argmax: ['distinct'],
  prod: ['withZeros'],
};

/** The domain of argument `i` of `op` (`real` unless listed in `OP_DOMAINS`). */
export function domainOf(op: string, i = 0): Domain {
  return OP_DOMAINS[op]?.[i] ?? 'real';
}

/**
 * Uniform values on a 2^-30 grid of `[lo, hi]`. Unlike `fc.double`, this has no bias towards 0,
 * subnormals, the ends or repeated values, which would often put a whole tensor at a point where
 * the derivative vanishes (cos at 0, x*y at 0, the variance of equal values) and a central
 * difference is pure rounding noise. Shrinks to `lo`.
 */
const dbl = (lo: number, hi: number) =>
  fc.noBias(fc.integer({ min: 0, max: 2 ** 30 })).map((i) => lo + ((hi - lo) * i) / 2 ** 30);
const signed = (lo: number, hi: number) => fc.tuple(dbl(lo, hi), fc.boolean()).map(([m, s]) => (s ? -m : m));

/** A permutation of `0..n-1`. */
export function permutationArb(n: number): fc.Arbitrary<number[]> {
  const ids = Array.from({ length: n }, (_, i) => i);
  return fc.shuffledSubarray(ids, { minLength: n, maxLength: n });
}

/** `n` values 0.3 apart in random order, each plus a jitter below 0.1 (so at least 0.2 apart). */
function spreadArb(n: number, offset: number): fc.Arbitrary<number[]> {
  return fc
    .tuple(permutationArb(n), fc.array(dbl(0, 0.1), { minLength: n, maxLength: n }))
    .map(([perm, jit]) => perm.map((p, i) => (p + offset) * 0.3 + jit[i]!));
}

/** `n` values from `domain`. */
export function valuesArb(n: number, domain: Domain): fc.Arbitrary<number[]> {
  const each = (a: fc.Arbitrary<number>) => fc.array(a, { minLength: n, maxLength: n });
  switch (domain) {
    case 'real':
      return each(dbl(-2, 2));
    case 'positive':
      return each(dbl(0.5, 2.5));
    case 'nonzero':
      return each(signed(0.5, 2));
    case 'distinct':
      return spreadArb(n, -(n - 1) / 2);
    case 'distinctMagnitude':
      return fc
        .tuple(spreadArb(n, 2 / 3), fc.array(fc.boolean(), { minLength: n, maxLength: n }))
        .map(([m, s]) => m.map((v, i) => (s[i] ? -v : v)));
    case 'withZeros':
      return fc.tuple(each(signed(0.5, 1.5)), fc.integer({ min: -1, max: n - 1 })).map(([v, zero]) => {
        if (zero >= 0) v[zero] = 0;
        return v;
      });
    case 'low':
    case 'high': {
      const base = domain === 'low' ? 0 : 1;
      return each(fc.tuple(fc.integer({ min: -1, max: 1 }), dbl(0, 0.8)).map(([j, u]) => 2 * j + base + u));
    }
  }
}

/** A sample of `shape` with values from `domain`. */
export function sampleArb(shape: readonly number[], domain: Domain = 'real'): fc.Arbitrary<Sample> {
  return valuesArb(sizeOfShape(shape), domain).map((values) => ({ shape: shape.slice(), values }));
}

/** A `bool` mask of `shape` (as 0/1 values). */
export function maskArb(shape: readonly number[]): fc.Arbitrary<Sample> {
  const n = sizeOfShape(shape);
  return fc
    .array(fc.boolean(), { minLength: n, maxLength: n })
    .map((b) => ({ shape: shape.slice(), values: b.map(Number) }));
}

/**
 * Integer indices in `0..dim-1` of `shape` (rank 0-2); with `repeat` the second index copies the
 * first, so repeated indices (whose gradients must accumulate) are common.
 */
export function indicesArb(dim: number, shape: readonly number[]): fc.Arbitrary<Sample> {
  const n = sizeOfShape(shape);
  return fc
    .tuple(fc.array(fc.integer({ min: 0, max: dim - 1 }), { minLength: n, maxLength: n }), fc.boolean())
    .map(([idx, repeat]) => {
      if (repeat && n >= 2) idx[1] = idx[0]!;
      return { shape: shape.slice(), values: idx };
    });
}

/** A non-empty, sorted subset of `0..rank-1` (rank >= 1). */
export function axesArb(rank: number): fc.Arbitrary<number[]> {
  const ids = Array.from({ length: rank }, (_, i) => i);
  return fc.subarray(ids, { minLength: 1 });
}

/** A permutation of `0..rank-1` that is not the identity (rank >= 2). */
export function nonIdentityPermArb(rank: number): fc.Arbitrary<number[]> {
  return permutationArb(rank).filter((p) => p.some((a, i) => a !== i));
}

/** A different shape with the same number of elements: axes reordered, two merged, a 1 inserted. */
export function reshapeTargetArb(shape: readonly number[]): fc.Arbitrary<number[]> {
  const r = shape.length;
  return fc
    .tuple(permutationArb(r), fc.integer({ min: 0, max: r }), fc.boolean(), fc.integer({ min: 0, max: r }))
    .map(([perm, merge, insert, at]) => {
      const dims = perm.map((p) => shape[p]!);
      if (merge + 1 < dims.length) dims.splice(merge, 2, dims[merge]! * dims[merge + 1]!);
      if (insert) dims.splice(Math.min(at, dims.length), 0, 1);
      return dims;
    })
    .filter((t) => t.length !== r || t.some((d, i) => d !== shape[i]));
}

/** A non-empty block of `shape` (rank >= 1) that is not the whole tensor: `begin` and `size` per axis. */
export function sliceArb(shape: readonly number[]): fc.Arbitrary<{ begin: number[]; size: number[] }> {
  return fc
    .tuple(
      ...shape.map((d) =>
        fc
          .integer({ min: 0, max: d - 1 })
          .chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 1, max: d - b }))),
      ),
    )
    .map((bs) => ({ begin: bs.map((x) => x[0]), size: bs.map((x) => x[1]) }))
    .filter(({ size }) => size.some((s, i) => s !== shape[i]));
}

/** `[before, after]` pad widths in 0..2 for each axis of a rank-`rank` tensor, not all zero. */
export function padWidthsArb(rank: number): fc.Arbitrary<[number, number][]> {
  const w = fc.integer({ min: 0, max: 2 });
  return fc
    .array(fc.tuple(w, w), { minLength: rank, maxLength: rank })
    .filter((ws) => ws.some(([a, b]) => a + b > 0));
}

/** Builds a tensor from a sample (default float64). */
export function toTensor(s: Sample, dtype: DType = 'float64'): Tensor {
  return tensor(s.values, { dtype, shape: s.shape });
}
