/**
 * Checks 1-5 of docs/gen.md, as fast-check properties in float64 on the cpu backend:
 * quadratic exactness of the fit (any dimension, SPD matrix, direction, probe step, factor list),
 * the Newton special case, scale invariance, the one-sample linear model, and O(eta^2)
 * convergence of fit to exact mode on non-quadratic losses.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  add,
  exp,
  grad,
  matmul,
  mul,
  scalar,
  sin,
  softplus,
  square,
  sub,
  sum,
  take,
  tensor,
  type Tensor,
} from '@gen-ts/core';
import { applyUpdates, chain, newtonDirection, scaleByGeN } from '@gen-ts/gen';
import {
  F64,
  dotH,
  factorList,
  fitRoundoff,
  genStep,
  matVecH,
  normH,
  quadCase,
  quadGrad,
  quadLoss,
  rel,
  solveH,
  symmetricFactors,
  type QuadCase,
} from './helpers.js';

const RUNS = { numRuns: 40 };
const probeStep = fc.double({ min: 0.05, max: 2, noNaN: true });

/** Makes `b = G^T d` clearly positive (flip the sign; skip near-orthogonal draws). */
function uphill(q: QuadCase): QuadCase | null {
  const g = quadGrad(q);
  const b = dotH(g, q.d);
  if (Math.abs(b) <= 0.1 * normH(g) * normH(q.d) || normH(g) < 1e-3 || normH(q.d) < 1e-3) return null;
  return b > 0 ? q : { ...q, d: q.d.map((x) => -x) };
}

describe('GeN on quadratics (docs/gen.md checks 1-4)', () => {
  it('1. fit-mode eta* equals G^T d / d^T A d for any probe step and factor list; exact mode agrees', () => {
    fc.assert(
      fc.property(quadCase(), probeStep, factorList(), (q0, eta, factors) => {
        const q = uphill(q0);
        fc.pre(q !== null);
        const want = dotH(quadGrad(q!), q!.d) / dotH(q!.d, matVecH(q!.A, q!.d));
        const w = tensor(q!.w, F64);
        const d = tensor(q!.d, F64);
        const L = quadLoss(q!);
        for (const mode of ['fit', 'exact'] as const) {
          // fit mode resolves a and b from differences of losses: float64's own error adds to 1e-10
          const tol = 1e-10 + (mode === 'fit' ? fitRoundoff(q!, eta, factors) : 0);
          const { state } = genStep(w, d, L, { lr: eta, factors, mode });
          expect(rel(state.fit.etaStar.itemSync(), want)).toBeLessThan(tol);
          expect(rel(state.fit.b.itemSync(), dotH(quadGrad(q!), q!.d))).toBeLessThan(tol);
          expect(rel(state.fit.a.itemSync(), dotH(q!.d, matVecH(q!.A, q!.d)))).toBeLessThan(tol);
          expect(state.fit.accepted.itemSync()).toBe(1);
          expect(rel(state.lr.itemSync(), want)).toBeLessThan(tol); // gamma 0, no clip: eta = eta*
        }
      }),
      RUNS,
    );
  });

  it('2. Newton direction A^{-1} G gives eta* = 1 and one step lands on the minimizer', () => {
    fc.assert(
      fc.property(quadCase(), probeStep, (q, eta) => {
        const g = quadGrad(q);
        fc.pre(normH(g) > 1e-3);
        const dN = solveH(q.A, g);
        const wStar = solveH(q.A, q.c);
        const w = tensor(q.w, F64);
        const { updates, state } = genStep(w, tensor(dN, F64), quadLoss(q), { lr: eta });
        const tol = 1e-10 + fitRoundoff(q, eta, [-1, 0, 1], dN); // the default factors
        expect(Math.abs(state.fit.etaStar.itemSync() - 1)).toBeLessThan(tol);
        const w1 = applyUpdates(w, updates).toArray() as number[];
        // w1 = w - eta* dN: eta*'s error moves it by that much of dN
        w1.forEach((x, i) =>
          expect(Math.abs(x - wStar[i]!)).toBeLessThan(1e-10 * (1 + normH(wStar)) + tol * Math.abs(dN[i]!)),
        );
      }),
      RUNS,
    );
  });

  it('2b. chain(newtonDirection(), scaleByGeN()) from the gradient: eta* = 1, lands on the minimizer', () => {
    fc.assert(
      fc.property(quadCase(5), probeStep, (q, eta) => {
        const g = quadGrad(q);
        fc.pre(normH(g) > 1e-3);
        const wStar = solveH(q.A, q.c);
        const L = quadLoss(q);
        const opt = chain(newtonDirection(), scaleByGeN({ lr: eta, phi: 1, gamma: 0, clipRatio: Infinity }));
        const w = tensor(q.w, F64);
        const [u, s] = opt.update(tensor(g, F64), opt.init(w), w, { valueFn: L });
        expect(Math.abs(s[1].fit.etaStar.itemSync() - 1)).toBeLessThan(1e-8);
        const w1 = applyUpdates(w, u).toArray() as number[];
        w1.forEach((x, i) => expect(Math.abs(x - wStar[i]!)).toBeLessThan(1e-8 * (1 + normH(wStar))));
      }),
      { numRuns: 20 },
    );
  });

  it('3. scale invariance: d -> c d leaves the step unchanged', () => {
    fc.assert(
      fc.property(
        quadCase(),
        probeStep,
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        factorList(),
        (q0, eta, c, factors) => {
          const q = uphill(q0);
          fc.pre(q !== null);
          // d -> c d with c < 1 shrinks the probes: both fits carry float64's own error
          const cd = q!.d.map((x) => c * x);
          const tol = 1e-10 + fitRoundoff(q!, eta, factors) + fitRoundoff(q!, eta, factors, cd);
          const w = tensor(q!.w, F64);
          const L = quadLoss(q!);
          const s1 = genStep(w, tensor(q!.d, F64), L, { lr: eta, factors });
          const s2 = genStep(w, tensor(cd, F64), L, { lr: eta, factors });
          expect(rel(s2.state.fit.etaStar.itemSync() * c, s1.state.fit.etaStar.itemSync())).toBeLessThan(tol);
          const u1 = s1.updates.toArray() as number[];
          const u2 = s2.updates.toArray() as number[];
          const scaleU = normH(u1);
          u1.forEach((x, i) => expect(Math.abs(u2[i]! - x)).toBeLessThan(tol * scaleU));
        },
      ),
      RUNS,
    );
  });

  it('4. one-sample linear model 1/2 ||W x + b - y||^2 with the SGD direction: eta* = 1 / (1 + ||x||^2)', () => {
    const vec = (n: number) =>
      fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });
    const sample = fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }))
      .chain(([m, n]) =>
        fc.record({ W: fc.array(vec(n), { minLength: m, maxLength: m }), b: vec(m), x: vec(n), y: vec(m) }),
      );
    fc.assert(
      fc.property(sample, probeStep, factorList(), ({ W, b, x, y }, eta, factors) => {
        const xt = tensor(x, F64);
        const yt = tensor(y, F64);
        type P = { W: Tensor; b: Tensor };
        const L = (p: P) => mul(sum(square(sub(add(matmul(p.W, xt), p.b), yt))), 0.5);
        const params: P = { W: tensor(W, F64), b: tensor(b, F64) };
        const g = grad(L)(params) as P;
        fc.pre(Math.sqrt(sum(square(g.b)).itemSync()) > 1e-3);
        const { state } = genStep(params, g, L, { lr: eta, factors });
        expect(rel(state.fit.etaStar.itemSync(), 1 / (1 + dotH(x, x)))).toBeLessThan(1e-10);
      }),
      RUNS,
    );
  });
});

/** Non-quadratic losses of a vector `w`. */
const LOSSES: Record<string, (w: Tensor) => Tensor> = {
  softplusSum: (w) => add(sum(softplus(mul(w, 2))), mul(sum(square(w)), 0.1)),
  rosenbrock: (w) => {
    const n = w.shape[0]!;
    if (n < 2) return sum(square(sub(w, 1)));
    const x = w.reshape([n]);
    const head = sliceVec(x, 0, n - 1);
    const tail = sliceVec(x, 1, n - 1);
    return add(mul(sum(square(sub(tail, square(head)))), 10), sum(square(sub(1, head))));
  },
  expSin: (w) => add(sum(exp(mul(w, 0.7))), sum(sin(mul(w, 1.3)))),
  quartic: (w) => add(mul(square(sum(square(w))), 0.25), sum(mul(w, 0.3))),
};

function sliceVec(x: Tensor, start: number, len: number): Tensor {
  const idx = tensor(
    Array.from({ length: len }, (_, i) => start + i),
    { dtype: 'int32' },
  );
  return take(x, idx);
}

/** The k-th derivative of `t -> L(w + t d)` at 0, by nested `grad` (exact). */
function lineDerivative(L: (w: Tensor) => Tensor, w: Tensor, d: Tensor, k: number): number {
  let f: (t: Tensor) => Tensor = (t) => L(add(w, mul(d, t)));
  for (let i = 0; i < k; i++) f = grad(f);
  return f(scalar(0, F64)).itemSync();
}

describe('GeN fit -> exact on non-quadratic losses (docs/gen.md check 5)', () => {
  const unit = (n: number) =>
    fc
      .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n })
      .filter((v) => normH(v) > 0.3)
      .map((v) => v.map((x) => x / normH(v)));
  const point = fc.integer({ min: 2, max: 4 }).chain((n) =>
    fc.record({
      w: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
      d: unit(n),
    }),
  );

  for (const [name, L] of Object.entries(LOSSES)) {
    it(`${name}: |fit - exact| of a and b falls ~4x when the probe step halves (symmetric factors)`, () => {
      fc.assert(
        fc.property(point, symmetricFactors(), ({ w: wv, d: dv }, factors) => {
          const w = tensor(wv, F64);
          const d = tensor(dv, F64);
          const f3 = lineDerivative(L, w, d, 3);
          const f4 = lineDerivative(L, w, d, 4);
          fc.pre(Math.abs(f4) > 0.05 || Math.abs(f3) > 0.05);
          const exact = genStep(w, d, L, { mode: 'exact' }).state.fit;
          const a = exact.a.itemSync();
          const b = exact.b.itemSync();
          expect(Math.abs(a - lineDerivative(L, w, d, 2))).toBeLessThan(1e-12 * (1 + Math.abs(a)));
          expect(Math.abs(b - lineDerivative(L, w, d, 1))).toBeLessThan(1e-12 * (1 + Math.abs(b)));
          const errs = [0.04, 0.02].map((eta) => {
            const fit = genStep(w, d, L, { lr: eta, factors }).state.fit;
            return { ea: Math.abs(fit.a.itemSync() - a), eb: Math.abs(fit.b.itemSync() - b) };
          });
          // Leading error terms: a ~ f4 eta^2, b ~ f3 eta^2; check the ratio where the term is not ~0.
          if (Math.abs(f4) > 0.05) expect(errs[0]!.ea / errs[1]!.ea).toSatisfy((r: number) => r > 3 && r < 5);
          if (Math.abs(f3) > 0.05) expect(errs[0]!.eb / errs[1]!.eb).toSatisfy((r: number) => r > 3 && r < 5);
        }),
        { numRuns: 25 },
      );
    });
  }
});

describe("GeN with the slope from the gradient (slope: 'gradient')", () => {
  it('quadratics: eta*, a and b exact for any probe step and factor list, one non-zero factor included', () => {
    fc.assert(
      fc.property(quadCase(), probeStep, factorList({ min: 1, max: 4 }), (q0, eta, factors) => {
        const q = uphill(q0);
        fc.pre(q !== null);
        const b = dotH(quadGrad(q!), q!.d);
        const a = dotH(q!.d, matVecH(q!.A, q!.d));
        const { state } = genStep(tensor(q!.w, F64), tensor(q!.d, F64), quadLoss(q!), {
          lr: eta,
          factors,
          slope: 'gradient',
        });
        expect(rel(state.fit.b.itemSync(), b)).toBeLessThan(1e-12);
        const tol = 1e-10 + fitRoundoff(q!, eta, factors, q!.d, true);
        expect(rel(state.fit.a.itemSync(), a)).toBeLessThan(tol);
        expect(rel(state.fit.etaStar.itemSync(), b / a)).toBeLessThan(tol);
        expect(state.fit.accepted.itemSync()).toBe(1);
        expect(state.fit.evals).toBe(factors.length - 1); // value given: no evaluation at 0
      }),
      RUNS,
    );
  });

  const point = fc.integer({ min: 2, max: 4 }).chain((n) =>
    fc.record({
      w: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
      d: fc
        .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n })
        .filter((v) => normH(v) > 0.3)
        .map((v) => v.map((x) => x / normH(v))),
    }),
  );
  const oneSided = fc.double({ min: 0.5, max: 2, noNaN: true }).chain((r) => fc.constant([0, r]));

  for (const [name, L] of Object.entries(LOSSES)) {
    it(`${name}: |fit - exact| of a falls ~4x per halving with symmetric factors, ~2x with [0, r]`, () => {
      fc.assert(
        fc.property(point, fc.oneof(symmetricFactors(), oneSided), ({ w: wv, d: dv }, factors) => {
          const w = tensor(wv, F64);
          const d = tensor(dv, F64);
          const symmetric = factors.length > 2;
          // Leading error of a: f4 eta^2 (symmetric: odd terms cancel), f3 eta (one-sided).
          const lead = lineDerivative(L, w, d, symmetric ? 4 : 3);
          fc.pre(Math.abs(lead) > 0.05);
          // One-sided, the error at x = eta r is -(x/3) f3 + (x^2/12) f4 + O(x^3): the ratio is ~2
          // where the second term is small next to the first, |f4| x / (4 |f3|) <= 0.1 at the
          // longer step (then the ratio is within [1.89, 2.10] up to O(x^2)).
          if (!symmetric) {
            const f4 = lineDerivative(L, w, d, 4);
            fc.pre((Math.abs(f4) * 0.04 * factors[1]!) / 4 <= 0.1 * Math.abs(lead));
          }
          const a = genStep(w, d, L, { mode: 'exact' }).state.fit.a.itemSync();
          const errs = [0.04, 0.02].map((eta) => {
            const fit = genStep(w, d, L, { lr: eta, factors, slope: 'gradient' }).state.fit;
            expect(rel(fit.b.itemSync(), lineDerivative(L, w, d, 1))).toBeLessThan(1e-12);
            return Math.abs(fit.a.itemSync() - a);
          });
          const [lo, hi] = symmetric ? [3, 5] : [1.6, 2.4];
          expect(errs[0]! / errs[1]!).toSatisfy((r: number) => r > lo && r < hi);
        }),
        { numRuns: 25 },
      );
    });
  }
});
