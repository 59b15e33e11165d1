/**
 * Shared pieces of the GeN property suites: float64 quadratics with host-side reference math,
 * fast-check arbitraries for SPD matrices, directions and factor lists, and a one-step GeN driver.
 */
import fc from 'fast-check';
import { add, matmul, mul, scalar, sub, sum, tensor, valueAndGrad, type Tensor } from '@gen-ts/core';
import { scaleByGeN, type GeNOptions, type ScaleByGeNState } from '@gen-ts/gen';

export const F64 = { dtype: 'float64' as const };

/** Host vectors and matrices (number[] / number[][]). */
export type Vec = number[];
export type Mat = number[][];

export const dotH = (a: Vec, b: Vec): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
export const matVecH = (A: Mat, x: Vec): Vec => A.map((row) => dotH(row, x));
export const normH = (a: Vec): number => Math.sqrt(dotH(a, a));

/** Solves `A x = b` by Gaussian elimination with partial pivoting (small dense systems). */
export function solveH(A: Mat, b: Vec): Vec {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(M[i]![k]!) > Math.abs(M[p]![k]!)) p = i;
    [M[k], M[p]] = [M[p]!, M[k]!];
    for (let i = k + 1; i < n; i++) {
      const f = M[i]![k]! / M[k]![k]!;
      for (let j = k; j <= n; j++) M[i]![j]! -= f * M[k]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = M[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= M[i]![j]! * x[j]!;
    x[i] = s / M[i]![i]!;
  }
  return x;
}

/** A random quadratic `L = 1/2 w^T A w - c^T w` with SPD `A = M^T M + delta I`, a point and a direction. */
export interface QuadCase {
  A: Mat;
  c: Vec;
  w: Vec;
  d: Vec;
}

const entry = fc.double({ min: -1, max: 1, noNaN: true });

/**
 * Arbitrary SPD quadratic of dimension 1..maxDim with a point `w` and a unit direction `d` (so a
 * probe step of 0.05 or more moves the point by more than rounding: the fit is exact up to
 * `eps * |L| / |L(w - x d) - L(w)|`).
 */
export function quadCase(maxDim = 6): fc.Arbitrary<QuadCase> {
  return fc.integer({ min: 1, max: maxDim }).chain((n) =>
    fc
      .record({
        M: fc.array(fc.array(entry, { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
        delta: fc.double({ min: 0.1, max: 2, noNaN: true }),
        c: fc.array(entry, { minLength: n, maxLength: n }),
        w: fc.array(entry, { minLength: n, maxLength: n }),
        d: fc.array(entry, { minLength: n, maxLength: n }),
      })
      .filter(({ d }) => normH(d) > 0.1)
      .map(({ M, delta, c, w, d }) => {
        const A = M.map((_, i) =>
          M.map((__, j) => M.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? delta : 0)),
        );
        return { A, c, w, d: d.map((x) => x / normH(d)) };
      }),
  );
}

/** The quadratic's loss on tensors. */
export function quadLoss(q: QuadCase): (w: Tensor) => Tensor {
  const A = tensor(q.A, F64);
  const c = tensor(q.c, F64);
  return (w) => sub(mul(sum(mul(w, matmul(A, w))), 0.5), sum(mul(c, w)));
}

/** Gradient `A w - c` on the host. */
export const quadGrad = (q: QuadCase, w: Vec = q.w): Vec => matVecH(q.A, w).map((x, i) => x - q.c[i]!);

/** Probe multipliers: `count` distinct non-zero values with `|r| >= minAbs`, plus one 0, shuffled by sign. */
export function factorList(
  count: { min: number; max: number } = { min: 2, max: 5 },
  minAbs = 0.5,
  maxAbs = 3,
) {
  return fc
    .uniqueArray(fc.double({ min: minAbs, max: maxAbs, noNaN: true }), {
      minLength: count.min,
      maxLength: count.max,
    })
    .chain((mags) =>
      fc.tuple(fc.constant(mags), fc.array(fc.boolean(), { minLength: mags.length, maxLength: mags.length })),
    )
    .map(([mags, signs]) => [0, ...mags.map((m, i) => (signs[i] ? m : -m))])
    .filter((f) => f.every((x, i) => f.every((y, j) => i === j || Math.abs(x - y) >= 0.25)));
}

/** Symmetric probe multipliers `{0, +-r_1, ..., +-r_k}`. */
export function symmetricFactors(maxPairs = 2) {
  return fc
    .uniqueArray(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: 1, maxLength: maxPairs })
    .map((rs) => [0, ...rs.flatMap((r) => [r, -r])]);
}

/**
 * One GeN probe step as a pure line search (`gamma 0`, no clip, `phi 1`): returns the new params
 * and state. With `slope: 'gradient'` it passes the loss and gradient at `params` as extras.
 */
export function genStep<P>(
  params: P,
  d: P,
  valueFn: (p: P) => Tensor,
  options: GeNOptions,
): { updates: P; state: ScaleByGeNState } {
  const t = scaleByGeN({ phi: 1, gamma: 0, clipRatio: Infinity, ...options });
  const extra =
    options.slope === 'gradient'
      ? (() => {
          const [value, g] = valueAndGrad(valueFn)(params) as [Tensor, P];
          return { valueFn, value, grad: g };
        })()
      : { valueFn };
  const [updates, state] = t.update(d, t.init(params), params, extra);
  return { updates, state };
}

/**
 * The relative error float64 cannot avoid in the fit on the quadratic `q` along `d` (default
 * `q.d`) at probe step `eta`, to first order. Each probe loss is off by up to ~(n + 9) u M, with
 * u = 2^-53 and M the magnitude of the loss's terms (`|p|^T |A| |p| / 2 + |c|^T |p|` at the
 * farthest probe point p): n + 3 roundings in evaluating it, and the probe point `w - (eta r) d`
 * rounds 3 times, which moves the loss by up to 3 u |p|^T |grad| <= 6 u M. Each difference
 * `y_i = L_i - L_0` is off by twice that; the fit's `A' = a eta^2 / 2` and `B' = -b eta` are the
 * sums `w_i y_i` with the weights of the normal equations in docs/gen.md (the same formulas as the fit, on
 * the host), and `eta* = -B' eta / (2 A')` inherits both relative errors; the result is doubled for
 * the roundings of the sums and the division and for second-order terms. With `knownSlope` only
 * `A'` is fitted (weights `r_i^2 / S4`). The checks' tolerance is float64's 1e-10 relative plus this; on
 * well-scaled draws this is ~1e-14 and the 1e-10 decides.
 */
export function fitRoundoff(
  q: QuadCase,
  eta: number,
  factors: readonly number[],
  d: Vec = q.d,
  knownSlope = false,
): number {
  const absA = q.A.map((row) => row.map(Math.abs));
  const magnitude = (p: Vec): number => {
    const ap = p.map(Math.abs);
    return 0.5 * dotH(ap, matVecH(absA, ap)) + dotH(q.c.map(Math.abs), ap);
  };
  const M = Math.max(...factors.map((r) => magnitude(q.w.map((x, i) => x - r * eta * d[i]!))));
  const dy = 2 * (q.w.length + 9) * 2 ** -53 * M;
  const r = factors.filter((x) => x !== 0);
  const S = (k: number): number => r.reduce((s, x) => s + x ** k, 0);
  const [S2, S3, S4] = [S(2), S(3), S(4)];
  const D = S4 * S2 - S3 * S3;
  const sumAbs = (f: (x: number) => number): number => r.reduce((s, x) => s + Math.abs(f(x)), 0);
  const wA = knownSlope ? sumAbs((x) => (x * x) / S4) : sumAbs((x) => (x * x * S2 - x * S3) / D);
  const wB = knownSlope ? 0 : sumAbs((x) => (x * S4 - x * x * S3) / D);
  const a = Math.abs(dotH(d, matVecH(q.A, d)));
  const b = Math.abs(dotH(quadGrad(q), d));
  return 2 * dy * ((2 * wA) / (a * eta * eta) + wB / (b * eta));
}

/** Relative difference `|x - y| / max(|y|, tiny)`. */
export const rel = (x: number, y: number): number => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);

export { add, scalar };
