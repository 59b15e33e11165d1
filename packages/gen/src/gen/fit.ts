/**
 * The least-squares parabola of GeN, on device. Probe losses `y_i = L(w - r_i * eta * d) - L(w)`
 * are fitted by `y = (a/2) x^2 - b x` (no intercept: `y = 0` at `x = 0` by construction) with
 * `x_i = r_i * eta`. The fit is done in the unit coordinate `u = x / eta = r`, where the normal
 * equations depend on the factors only: with `S_k = sum r_i^k`, `D = S4 S2 - S3^2`,
 *
 *     A' = sum_i y_i (r_i^2 S2 - r_i S3) / D      (A' = a eta^2 / 2)
 *     B' = sum_i y_i (r_i S4 - r_i^2 S3) / D      (B' = -b eta)
 *
 * so the weights are host numbers computed once, and `a = 2 A' / eta^2`, `b = -B' / eta`,
 * `eta* = b / a = -B' eta / (2 A')`. This is the same estimator as fitting in `x` but does not
 * form `x^4` (which underflows float32 for small steps). R^2 is `1 - SSres / SStot` over all
 * points (the one at 0 included), with `SStot` centred on the mean; with 3 points it is 1 exactly.
 *
 * With the slope known (`slope: 'gradient'`: `b = G^T d` from the gradient), only the curvature is
 * fitted: `B' = -b eta` is fixed and `A' = sum_i r_i^2 (y_i - B' r_i) / sum_i r_i^4`, which needs
 * one non-zero factor. Then the fit has residuals as soon as there are two.
 */
import { add, div, mul, neg, scalar, sub, type Tensor } from '@gen-ts/core';

/** The fit of one probe step, as 0-d tensors. */
export interface ParabolaFit {
  /** Curvature estimate `d^T H d`. */
  readonly a: Tensor;
  /** Slope estimate `G^T d`. */
  readonly b: Tensor;
  /** `b / a`. */
  readonly etaStar: Tensor;
  /** Goodness of fit (1 exactly with 3 factors: the parabola passes through every point). */
  readonly r2: Tensor;
}

/** Host-side weights of the fit for a factor list (computed once per transform). */
export interface FitWeights {
  /** The non-zero factors, in order. */
  readonly r: readonly number[];
  /** Weight of each `y_i` in `A'`. */
  readonly wA: readonly number[];
  /** Weight of each `y_i` in `B'`. */
  readonly wB: readonly number[];
  /** Number of points, the one at 0 included. */
  readonly n: number;
}

/**
 * The fit weights for `factors` (validated: distinct, exactly one 0, at least 3; at least 2 when
 * `knownSlope`, the slope given rather than fitted: then `wA` weighs `y_i - B' r_i` and `wB` is 0).
 */
export function fitWeights(factors: readonly number[], knownSlope = false): FitWeights {
  const r = factors.filter((x) => x !== 0);
  const S = (k: number) => r.reduce((s, x) => s + x ** k, 0);
  const [S2, S3, S4] = [S(2), S(3), S(4)];
  if (knownSlope) return { r, wA: r.map((x) => (x * x) / S4), wB: r.map(() => 0), n: factors.length };
  const D = S4 * S2 - S3 * S3;
  return {
    r,
    wA: r.map((x) => (x * x * S2 - x * S3) / D),
    wB: r.map((x) => (x * S4 - x * x * S3) / D),
    n: factors.length,
  };
}

function dotHost(w: readonly number[], ys: readonly Tensor[]): Tensor {
  let acc = mul(ys[0]!, w[0]!);
  for (let i = 1; i < ys.length; i++) acc = add(acc, mul(ys[i]!, w[i]!));
  return acc;
}

/**
 * Fits the parabola to `ys[i] = L(w - r_i eta d) - L(w)` (one per non-zero factor) at probe step
 * `eta`; with `slope` (the known `b`, and weights from `fitWeights(factors, true)`), fits `a` only.
 */
export function fitParabola(
  weights: FitWeights,
  ys: readonly Tensor[],
  eta: Tensor,
  slope?: Tensor,
): ParabolaFit {
  const { r, wA, wB, n } = weights;
  const B = slope === undefined ? dotHost(wB, ys) : neg(mul(slope, eta));
  const A =
    slope === undefined
      ? dotHost(wA, ys)
      : dotHost(
          wA,
          ys.map((y, i) => sub(y, mul(B, r[i]!))),
        );
  const a = div(mul(A, 2), mul(eta, eta));
  const b = slope ?? div(neg(B), eta);
  const etaStar = div(mul(neg(B), eta), mul(A, 2));
  // As many points (0 included) as coefficients plus one: the parabola passes through all of
  // them, so R^2 = 1 by construction (and is never gated); skip its ~20 ops, a sizeable share of
  // a step on small models.
  if (n === (slope === undefined ? 3 : 2))
    return { a, b, etaStar, r2: scalar(1, { dtype: A.dtype, backend: A.backend }) };
  // R^2: the point at 0 has y = 0 and prediction 0, so it adds to SStot only.
  const mean = div(
    dotHost(
      r.map(() => 1),
      ys,
    ),
    n,
  );
  let ssRes: Tensor | undefined;
  let ssTot = mul(mean, mean);
  ys.forEach((y, i) => {
    const e = sub(y, add(mul(A, r[i]! * r[i]!), mul(B, r[i]!)));
    ssRes = ssRes === undefined ? mul(e, e) : add(ssRes, mul(e, e));
    const c = sub(y, mean);
    ssTot = add(ssTot, mul(c, c));
  });
  const r2 = sub(1, div(ssRes!, ssTot));
  return { a, b, etaStar, r2 };
}
