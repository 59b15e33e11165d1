/**
 * GeN's lagged fit (`mode: 'lagged'`): the parabola along the last probe step, from the next step's
 * own loss and gradient and one forward pass at the previous point. Checks 1-6 of docs/gen.md as
 * they apply to it, in float64 on the cpu backend: exact on quadratics (any dimension, SPD matrix,
 * direction and step), the Newton and one-sample linear cases, scale invariance, `O(eta)`
 * convergence to the exact curvature on non-quadratic losses, and the safeguards.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  add,
  exp,
  greater,
  mul,
  neg,
  scalar,
  sin,
  slice,
  softplus,
  square,
  sub,
  sum,
  tensor,
  valueAndGrad,
  where,
  type Tensor,
} from '@gen-ts/core';
import { applyUpdates, scaleByGeN, trainStep, type GeNOptions, type ScaleByGeNState } from '@gen-ts/gen';
import {
  F64,
  dotH,
  matVecH,
  normH,
  quadCase,
  quadGrad,
  quadLoss,
  rel,
  solveH,
  type QuadCase,
} from './helpers.js';

const RUNS = { numRuns: 40 };
const LINE = { phi: 1, gamma: 0, clipRatio: Infinity, mode: 'lagged' } as const;

/**
 * Two steps of a lagged GeN: step 0 moves `w0 - eta d` (and remembers `w0`), step 1 fits the
 * parabola along `d` from the loss and gradient at `w1` and one forward pass at `w0`. Returns the
 * state after step 1 and the params after step 0.
 */
function twoSteps(
  loss: (w: Tensor) => Tensor,
  w0: Tensor,
  d: Tensor,
  eta: number,
  options: GeNOptions = {},
  valueFn = loss,
): { state: ScaleByGeNState; w1: Tensor; u1: Tensor } {
  const t = scaleByGeN({ ...LINE, lr: eta, ...options });
  const vg = valueAndGrad(loss);
  const [v0, g0] = vg(w0) as [Tensor, Tensor];
  const [u0, s0] = t.update(d, t.init(w0), w0, { value: v0, grad: g0, valueFn });
  const w1 = applyUpdates(w0, u0);
  const [v1, g1] = vg(w1) as [Tensor, Tensor];
  const [u1, state] = t.update(g1, s0, w1, { value: v1, grad: g1, valueFn });
  return { state, w1, u1 };
}

const vec = (x: number[]) => tensor(x, F64);

/**
 * The relative errors float64 cannot avoid in the lagged `a` and `b` on the quadratic `q` after a
 * step `eta` along `q.d`, to first order. Each loss is off by up to `(n + 9) u M` (u = 2^-53, M
 * the magnitude of its terms at the farther point, as in `fitRoundoff`), so `D = L1 - L0` by twice
 * that; `g = G_1^T dw` by `(n + 2) u |G_1|^T |dw|` plus the rounding of `dw = w0 - w1` (`u |w|`
 * per entry, times `|G_1|`). `a eta^2 / 2 = -(g + D)` and `b eta = -(g + 2 D)` add them (twice
 * `D`'s for `b`); the results are doubled for the final divisions and second-order terms.
 */
function laggedRoundoff(q: QuadCase, eta: number): [number, number] {
  const u = 2 ** -53;
  const n = q.w.length;
  const w1 = q.w.map((x, i) => x - eta * q.d[i]!);
  const absA = q.A.map((row) => row.map(Math.abs));
  const magnitude = (p: number[]): number => {
    const ap = p.map(Math.abs);
    return 0.5 * dotH(ap, matVecH(absA, ap)) + dotH(q.c.map(Math.abs), ap);
  };
  const dD = 2 * (n + 9) * u * Math.max(magnitude(q.w), magnitude(w1));
  const g1 = quadGrad(q, w1).map(Math.abs);
  const dg =
    (n + 2) *
      u *
      dotH(
        g1,
        q.d.map((x) => Math.abs(eta * x)),
      ) +
    u * dotH(g1, q.w.map(Math.abs));
  const A = 0.5 * eta * eta * dotH(q.d, matVecH(q.A, q.d));
  const B = eta * Math.abs(dotH(quadGrad(q), q.d));
  return [(2 * (dg + dD)) / A, (2 * (dg + 2 * dD)) / B];
}

/** Makes `b = G^T d` clearly positive (flip the sign; skip near-orthogonal draws). */
function uphill(q: QuadCase): QuadCase | null {
  const g = quadGrad(q);
  const b = dotH(g, q.d);
  if (Math.abs(b) <= 0.1 * normH(g) * normH(q.d) || normH(g) < 1e-3) return null;
  return b > 0 ? q : { ...q, d: q.d.map((x) => -x) };
}

describe("GeN's lagged fit on quadratics (docs/gen.md checks 1-4)", () => {
  it('1. a, b and eta* along the last step equal d^T A d, G^T d and their ratio for any step', () => {
    fc.assert(
      fc.property(quadCase(), fc.double({ min: 0.05, max: 2, noNaN: true }), (q0, eta) => {
        const q = uphill(q0);
        fc.pre(q !== null);
        const a = dotH(q!.d, matVecH(q!.A, q!.d));
        const b = dotH(quadGrad(q!), q!.d);
        const { state } = twoSteps(quadLoss(q!), vec(q!.w), vec(q!.d), eta);
        const f = state.fit;
        const [ea, eb] = laggedRoundoff(q!, eta);
        expect(rel(f.a.itemSync(), a)).toBeLessThan(1e-10 + ea);
        expect(rel(f.b.itemSync(), b)).toBeLessThan(1e-10 + eb);
        expect(rel(f.etaStar.itemSync(), b / a)).toBeLessThan(1e-10 + ea + eb);
        expect(f.accepted.itemSync()).toBe(1);
        // gamma 0 and no clip: the rate of step 1 is eta*, a line search along the last step
        expect(rel(state.lr.itemSync(), b / a)).toBeLessThan(1e-10 + ea + eb);
        expect(f.evals).toBe(1);
      }),
      RUNS,
    );
  });

  it('2. Newton direction A^{-1} G: eta* = 1', () => {
    fc.assert(
      fc.property(quadCase(), fc.double({ min: 0.1, max: 1.5, noNaN: true }), (q, eta) => {
        const g = quadGrad(q);
        fc.pre(normH(g) > 1e-2);
        const { state } = twoSteps(quadLoss(q), vec(q.w), vec(solveH(q.A, g)), eta);
        expect(state.fit.etaStar.itemSync()).toBeCloseTo(1, 8);
      }),
      RUNS,
    );
  });

  it('3. scale invariance: d -> c d with the same step eta d gives eta* / c, the same step', () => {
    fc.assert(
      fc.property(quadCase(), fc.double({ min: 0.1, max: 10, noNaN: true }), (q0, c) => {
        const q = uphill(q0);
        fc.pre(q !== null);
        const one = twoSteps(quadLoss(q!), vec(q!.w), vec(q!.d), 0.5).state.fit.etaStar.itemSync();
        const cd = vec(q!.d.map((x) => c * x));
        const scaled = twoSteps(quadLoss(q!), vec(q!.w), cd, 0.5 / c).state.fit.etaStar.itemSync();
        expect(rel(scaled * c, one)).toBeLessThan(1e-8);
      }),
      RUNS,
    );
  });

  it('4. one-sample linear model 1/2 ||W x + b - y||^2 with the SGD direction: eta* = 1 / (1 + ||x||^2)', () => {
    const arr = (n: number) =>
      fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });
    fc.assert(
      fc.property(arr(3), arr(2), arr(6), (x, y, w) => {
        fc.pre(normH(x) > 0.1);
        // params [W (2x3) flattened, b (2)]; residual r = W x + b - y
        const loss = (p: Tensor) => {
          const W = slice(p, [0], [6]).reshape([2, 3]);
          const bias = slice(p, [6], [2]);
          const r = sub(add(W.matmul(vec(x).reshape([3, 1])).reshape([2]), bias), vec(y));
          return mul(sum(square(r)), 0.5);
        };
        const p0 = vec([...w, 0.3, -0.2]);
        const [, g] = valueAndGrad(loss)(p0) as [Tensor, Tensor];
        fc.pre(normH(g.toArray() as number[]) > 1e-3);
        const { state } = twoSteps(loss, p0, g, 0.05);
        expect(rel(state.fit.etaStar.itemSync(), 1 / (1 + dotH(x, x)))).toBeLessThan(1e-8);
      }),
      RUNS,
    );
  });
});

describe("GeN's lagged fit on non-quadratic losses (docs/gen.md check 5)", () => {
  // The Hermite fit through f(0), f(eta) and f'(eta): with f''' = c3, a is off by 2 c3 eta / 3 and
  // b by c3 eta^2 / 6, so halving the step halves the error of a and quarters that of b.
  const losses: [string, (w: Tensor) => Tensor][] = [
    ['softplus + sin', (w) => add(sum(softplus(w)), sum(sin(mul(w, 0.7))))],
    ['log-sum-exp', (w) => sum(exp(mul(w, 0.5)))],
  ];
  for (const [name, loss] of losses) {
    it(`${name}: |lagged - exact| of a falls ~2x, of b ~4x, per halving of the step`, () => {
      const w = vec([0.3, -0.4, 0.8]);
      const d = vec([0.6, -0.2, 0.5]);
      const exact = scaleByGeN({ ...LINE, mode: 'exact' });
      const ref = exact.update(d, exact.init(w), w, { valueFn: loss })[1].fit;
      const [a, b] = [ref.a.itemSync(), ref.b.itemSync()];
      const errs = [0.2, 0.1, 0.05].map((eta) => {
        const f = twoSteps(loss, w, d, eta).state.fit;
        return [Math.abs(f.a.itemSync() - a), Math.abs(f.b.itemSync() - b)] as const;
      });
      for (let i = 1; i < errs.length; i++) {
        expect(errs[i - 1]![0] / errs[i]![0]).toBeGreaterThan(1.8);
        expect(errs[i - 1]![0] / errs[i]![0]).toBeLessThan(2.2);
        expect(errs[i - 1]![1] / errs[i]![1]).toBeGreaterThan(3.5);
        expect(errs[i - 1]![1] / errs[i]![1]).toBeLessThan(4.5);
      }
    });
  }
});

describe("GeN's lagged fit: safeguards and schedule (docs/gen.md check 6)", () => {
  const quad = (w: Tensor) => mul(sum(square(w)), 0.5);
  const w0 = () => vec([1, -2, 0.5]);
  const smoothed = { mode: 'lagged', lr: 0.1 } as const; // gamma 0.9, clip 2

  it('accepts with the smoothed, clipped rule; the step that fits costs one forward, the one before none', () => {
    let calls = 0;
    const counted = (w: Tensor) => (calls++, quad(w));
    const { state } = twoSteps(quad, w0(), w0(), 0.1, { phi: 4, gamma: 0.9, clipRatio: 2 }, counted);
    // eta* = 1 on |w|^2 / 2 along w: clipped to 0.2, smoothed 0.9 * 0.1 + 0.1 * 0.2
    expect(state.fit.etaStar.itemSync()).toBeCloseTo(1, 12);
    expect(state.lr.itemSync()).toBeCloseTo(0.11, 14);
    expect(calls).toBe(1);
  });

  it('a <= 0 or b <= 0 keeps the rate; a non-finite loss halves it', () => {
    const concave = twoSteps((w) => neg(quad(w)), w0(), neg(w0()), 0.1, smoothed).state;
    expect(concave.fit.a.itemSync()).toBeLessThan(0);
    expect(concave.fit.accepted.itemSync()).toBe(0);
    expect(concave.lr.itemSync()).toBe(0.1);
    const downhill = twoSteps(quad, w0(), neg(w0()), 0.1, smoothed).state;
    expect(downhill.fit.b.itemSync()).toBeLessThan(0);
    expect(downhill.lr.itemSync()).toBe(0.1);
    // finite where the step landed, infinite where it started: the fit sees a non-finite loss
    const cliff = (w: Tensor) =>
      add(quad(w), where(greater(sum(slice(w, [0], [1])), 0.95), scalar(Infinity, F64), scalar(0, F64)));
    const blown = twoSteps(cliff, w0(), w0(), 0.1, smoothed).state;
    expect(blown.fit.accepted.itemSync()).toBe(0);
    expect(blown.lr.itemSync()).toBe(0.05);
  });

  it("the fit step is an ordinary step: a NaN direction there reaches the update, skipped stays false, trainStep's guard skips it", () => {
    const t = scaleByGeN({ ...smoothed, phi: 1 });
    const vg = valueAndGrad(quad);
    const w = w0();
    const [v, g] = vg(w) as [Tensor, Tensor];
    const [u0, s0] = t.update(g, t.init(w), w, { value: v, grad: g, valueFn: quad });
    const w1 = applyUpdates(w, u0);
    const [v1, g1] = vg(w1) as [Tensor, Tensor];
    const nanDir = vec([0.3, NaN, -0.1]);
    const [u1, s1] = t.update(nanDir, s0, w1, { value: v1, grad: g1, valueFn: quad });
    // the rate comes from the last step's points, which the NaN direction is not part of
    expect(s1.fit.accepted.itemSync()).toBe(1);
    expect(s1.fit.skipped.itemSync()).toBe(0);
    const lr = s1.lr.itemSync();
    expect(Array.from(u1.dataSync()).map((x) => (Number.isNaN(x) ? 'NaN' : x))).toEqual([
      -lr * 0.3,
      'NaN',
      lr * 0.1,
    ]);
    // through trainStep a poisoned batch on the fit step leaves params and rate as they were
    const loss = (p: Tensor, x: Tensor) => mul(sum(square(sub(p, x))), 0.5);
    const opt = scaleByGeN({ ...smoothed, phi: 2 });
    const step = trainStep(loss, opt, { probe: 'own' });
    const r0 = step(w0(), opt.init(w0()), vec([0.5, 0, 1]));
    const [p0, lr0] = [r0.params.toArray(), r0.state.lr.itemSync()];
    const r1 = step(r0.params, r0.state, vec([0.5, NaN, 1])); // step 1 fits step 0
    expect(r1.state.fit.step).toBe(1);
    expect(r1.applied.itemSync()).toBe(0);
    expect(r1.params.toArray()).toEqual(p0);
    expect(r1.state.lr.itemSync()).toBe(lr0);
  });

  it('a step that did not move gives a = 0: the rate is kept', () => {
    const t = scaleByGeN({ ...smoothed, phi: 1 });
    const w = w0();
    const vg = valueAndGrad(quad);
    const [v, g] = vg(w) as [Tensor, Tensor];
    const [, s0] = t.update(g, t.init(w), w, { value: v, grad: g, valueFn: quad });
    // the params were not updated (a step skipped outside GeN): the same point again
    const [, s1] = t.update(g, s0, w, { value: v, grad: g, valueFn: quad });
    expect(Math.abs(s1.fit.a.itemSync())).toBe(0);
    expect(s1.fit.accepted.itemSync()).toBe(0);
    expect(s1.lr.itemSync()).toBe(0.1);
  });

  it('a point from an earlier step (the state rolled back) is not fitted', () => {
    const t = scaleByGeN({ ...smoothed, phi: 1 });
    const vg = valueAndGrad(quad);
    let w = w0();
    let s = t.init(w);
    const states: ScaleByGeNState[] = [];
    for (let i = 0; i < 3; i++) {
      const [v, g] = vg(w) as [Tensor, Tensor];
      const [u, next] = t.update(g, s, w, { value: v, grad: g, valueFn: quad });
      states.push(next);
      w = applyUpdates(w, u);
      s = next;
    }
    // step 3 given the state after step 1 (its count moved on, as trainStep's guard leaves it)
    const stale = { ...states[0]!, count: 3 };
    const [v, g] = vg(w) as [Tensor, Tensor];
    const [, s3] = t.update(g, stale, w, { value: v, grad: g, valueFn: quad });
    expect(s3.fit.b.itemSync()).toBe(0);
    expect(s3.fit.accepted.itemSync()).toBe(0);
    expect(s3.lr.itemSync()).toBe(stale.lr.itemSync());
  });

  it('probes remember the point every phi steps and fit on the step after; steps in between call nothing', () => {
    const t = scaleByGeN({ ...smoothed, phi: 3 });
    const vg = valueAndGrad(quad);
    let w = w0();
    let s = t.init(w);
    const fitted: number[] = [];
    for (let i = 0; i < 8; i++) {
      let calls = 0;
      const [v, g] = vg(w) as [Tensor, Tensor];
      const [u, next] = t.update(g, s, w, { value: v, grad: g, valueFn: (p: Tensor) => (calls++, quad(p)) });
      if (calls > 0) fitted.push(i);
      expect(calls).toBe(next.fit.step === i ? 1 : 0);
      w = applyUpdates(w, u);
      s = next;
    }
    expect(fitted).toEqual([1, 4, 7]);
  });

  it("needs the step's own loss, gradient and loss function, and says so", () => {
    const t = scaleByGeN({ mode: 'lagged', phi: 1 });
    const w = w0();
    const [, s0] = t.update(w, t.init(w), w, { valueFn: quad, value: quad(w), grad: w });
    expect(() => t.update(w, s0, w, { valueFn: quad })).toThrow(
      /mode 'lagged'.*step 1 fits the last probe step and needs the loss, gradient and loss function of this step's own batch/,
    );
    // step 0 only remembers the point: nothing is needed yet
    expect(() => t.update(w, t.init(w), w)).not.toThrow();
  });

  it("fits on the gradient's own batch (extra.own) whatever trainStep probes: probe 'fresh' and 'own' give the same run", () => {
    const loss = (w: Tensor, x: Tensor) => mul(sum(square(sub(w, x))), 0.5);
    const xs = [vec([1, 0, 2]), vec([0.5, -1, 1]), vec([2, 1, -1])];
    const runs = (['fresh', 'own'] as const).map((probe) => {
      const opt = scaleByGeN({ mode: 'lagged', phi: 2, lr: 0.05 });
      const step = trainStep(loss, opt, { probe });
      let p = w0();
      let s = opt.init(p);
      for (let i = 0; i < 9; i++) {
        const batch = xs[i % 3]!;
        ({ params: p, state: s } =
          probe === 'fresh' ? step(p, s, batch, xs[(i + 1) % 3]!) : step(p, s, batch));
      }
      return [p.toArray(), s.lr.itemSync()];
    });
    expect(runs[0]).toEqual(runs[1]);
  });
});
