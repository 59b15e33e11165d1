/**
 * The step-size rules, each against its definition in float64: Armijo's sufficient decrease holds
 * at every step the backtracking search accepts (recomputed on the host), with the trial sequence
 * of optax's search; Polyak's step is `min((f - f*) / ||g||^2, maxLr)`; reduceOnPlateau follows
 * optax's rule on random value sequences (a host restatement of it, fast-check).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scalar, tensor, treeScale, valueAndGrad, type Tensor } from '@gen-ts/core';
import {
  applyUpdates,
  chain,
  polyakSgd,
  reduceOnPlateau,
  scaleByBacktrackingLinesearch,
  sgd,
  type GradientTransformation,
} from '@gen-ts/gen';
import { beale, rosenbrock, type XY } from './problems.js';
import { F64, dotH, quadCase, quadGrad, quadLoss } from './helpers.js';

const xy = (x: number, y: number): XY => ({ x: scalar(x, F64), y: scalar(y, F64) });
const num = (t: Tensor) => t.itemSync();

describe('backtracking line search (Armijo)', () => {
  const armijoRun = (
    f: (p: XY) => Tensor,
    start: XY,
    o: { slopeRtol?: number; rtol?: number; atol?: number },
  ) => {
    const opt = chain(sgd({ lr: 1 }), scaleByBacktrackingLinesearch({ maxBacktrackingSteps: 40, ...o }));
    let p = start;
    let s = opt.init(p);
    const vg = valueAndGrad(f);
    let accepted = 0;
    let prevLr = 1;
    for (let t = 0; t < 300; t++) {
      const [value, g] = vg(p) as [Tensor, XY];
      const [u, next] = opt.update(g, s, p, { value, grad: g, valueFn: f });
      const ls = next[1];
      const eta = num(ls.learningRate);
      const steps = num(ls.info.numLinesearchSteps);
      // optax's trials: min(1.5 * eta_prev, 1) * 0.8^(steps - 1)
      const want = Math.min(1.5 * prevLr, 1) * 0.8 ** (steps - 1);
      expect(Math.abs(eta - want)).toBeLessThanOrEqual(1e-12 * want);
      const pNew = applyUpdates(p, u);
      if (num(ls.info.decreaseError) === 0) {
        accepted++;
        // f(w + eta u) <= (1 + rtol) f(w) + c eta <u, g> + atol, with u = -g
        const gSq = num(g.x) ** 2 + num(g.y) ** 2;
        const bound = (1 + (o.rtol ?? 0)) * num(value) - (o.slopeRtol ?? 1e-4) * eta * gSq + (o.atol ?? 0);
        expect(num(f(pNew))).toBeLessThanOrEqual(bound);
        expect(num(ls.value)).toBe(num(f(pNew)));
      }
      [p, s, prevLr] = [pNew, next, eta];
    }
    return accepted;
  };

  it('holds at every accepted step on Rosenbrock and Beale, for several constants', () => {
    for (const o of [{}, { slopeRtol: 0.3 }, { slopeRtol: 0.1, rtol: 1e-3, atol: 1e-6 }]) {
      // near the minimum a decrease can fall below rounding and no trial is accepted: not a violation
      expect(armijoRun(rosenbrock, xy(-1.2, 1), o)).toBeGreaterThan(100);
      expect(armijoRun(beale, xy(1, 1), o)).toBeGreaterThan(100);
    }
  });

  it('holds at every accepted step on random SPD quadratics (any dimension)', () => {
    fc.assert(
      fc.property(quadCase(6), (q) => {
        const L = quadLoss(q);
        const opt = chain(
          sgd({ lr: 1 }),
          scaleByBacktrackingLinesearch({ maxBacktrackingSteps: 30, slopeRtol: 0.2 }),
        );
        let w = tensor(q.w, F64);
        let s = opt.init(w);
        for (let t = 0; t < 10; t++) {
          const [value, g] = valueAndGrad(L)(w) as [Tensor, Tensor];
          const [u, next] = opt.update(g, s, w, { value, grad: g, valueFn: L });
          const ls = next[1];
          const w1 = applyUpdates(w, u);
          const gh = quadGrad(q, w.toArray() as number[]);
          if (num(ls.info.decreaseError) === 0)
            expect(num(L(w1))).toBeLessThanOrEqual(
              num(value) - 0.2 * num(ls.learningRate) * dotH(gh, gh) + 1e-14 * Math.abs(num(value)),
            );
          [w, s] = [w1, next];
        }
      }),
      { numRuns: 30 },
    );
  });

  it('keeps the last trial when none satisfies the condition, and steps 0 when its loss is not finite', () => {
    const f = (p: XY) => rosenbrock(p);
    const opt = scaleByBacktrackingLinesearch({ maxBacktrackingSteps: 2 });
    const p = xy(-1.2, 1);
    const [value, g] = valueAndGrad(f)(p) as [Tensor, XY];
    const [u, s] = opt.update(treeScale(g, -1), opt.init(p), p, { value, grad: g, valueFn: f });
    expect(num(s.info.numLinesearchSteps)).toBe(3);
    expect(num(s.info.decreaseError)).toBeGreaterThan(0);
    expect(Math.abs(num(s.learningRate) - 0.64)).toBeLessThan(1e-15); // 1 * 0.8^2
    expect(num(u.x)).toBeCloseTo(-0.64 * num(g.x), 10);
    const nan = (q: XY) => rosenbrock(q).mul(NaN);
    const [u2, s2] = opt.update(treeScale(g, -1), opt.init(p), p, { value, grad: g, valueFn: nan });
    expect(num(s2.learningRate)).toBe(0);
    expect(num(s2.info.decreaseError)).toBe(Infinity);
    expect(Math.abs(num(u2.x))).toBe(0);
  });
});

describe('Polyak SGD', () => {
  it('steps min((f - fStar) / (||g||^2 + eps), maxLr) * scaling along -g; sps+ clips the gap; 0 at a zero gradient', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 5 }),
        fc.double({ min: -1, max: 3, noNaN: true }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.constantFrom('sps' as const, 'sps+' as const),
        (gv, f, maxLr, variant) => {
          fc.pre(dotH(gv, gv) > 1e-6);
          const fStar = 0.5;
          const eps = 1e-3;
          const opt = polyakSgd({ maxLr, fStar, eps, scaling: 0.7, variant });
          const g = tensor(gv, F64);
          const [u, s] = opt.update(g, opt.init(g), g, { value: scalar(f, F64) });
          const gap = variant === 'sps+' ? Math.max(f - fStar, 0) : f - fStar;
          const eta = 0.7 * Math.min(gap / (dotH(gv, gv) + eps), maxLr);
          expect(Math.abs(num(s.lr) - eta)).toBeLessThanOrEqual(1e-14 * Math.max(Math.abs(eta), 1));
          (u.toArray() as number[]).forEach((x, i) =>
            expect(Math.abs(x + eta * gv[i]!)).toBeLessThanOrEqual(1e-14 * (1 + Math.abs(eta * gv[i]!))),
          );
        },
      ),
    );
    const zero = tensor([0, 0], F64);
    const [u0, s0] = polyakSgd().update(zero, polyakSgd().init(zero), zero, { value: scalar(1, F64) });
    expect(num(s0.lr)).toBe(0);
    expect(u0.toArray()).toEqual([-0, -0]);
  });
});

/** optax's reduce_on_plateau on host numbers. */
function plateauOracle(o: {
  factor: number;
  patience: number;
  rtol: number;
  atol: number;
  cooldown: number;
  acc: number;
  minScale: number;
}) {
  const st = { scale: 1, best: Infinity, plateau: 0, cool: 0, count: 0, avg: 0 };
  return {
    st,
    step(v: number) {
      st.avg = (st.count * st.avg + v) / (st.count + 1);
      st.count += 1;
      if (st.count !== o.acc) return;
      const improved = st.avg < (1 - o.rtol) * st.best - o.atol;
      if (improved) st.best = st.avg;
      const cur = improved ? 0 : st.plateau + 1;
      if (st.cool > 0) {
        st.plateau = 0;
        st.cool -= 1;
      } else {
        const hit = cur === o.patience;
        st.plateau = hit ? 0 : cur;
        st.scale = Math.max(hit ? st.scale * o.factor : st.scale, o.minScale);
        st.cool = hit ? o.cooldown : 0;
      }
      st.count = 0;
      st.avg = 0;
    },
  };
}

describe('reduceOnPlateau', () => {
  it("follows optax's rule on random value sequences (patience, cooldown, accumulation, minScale)", () => {
    fc.assert(
      fc.property(
        fc.record({
          factor: fc.double({ min: 0.1, max: 0.9, noNaN: true }),
          patience: fc.integer({ min: 0, max: 4 }),
          rtol: fc.constantFrom(0, 1e-4, 0.05),
          atol: fc.constantFrom(0, 1e-3),
          cooldown: fc.integer({ min: 0, max: 3 }),
          acc: fc.integer({ min: 1, max: 3 }),
          minScale: fc.constantFrom(0, 0.05),
        }),
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 40 }),
        (o, values) => {
          fc.pre(o.rtol > 0 || o.atol > 0);
          const opt: GradientTransformation<any, any> = reduceOnPlateau({
            factor: o.factor,
            patience: o.patience,
            rtol: o.rtol,
            atol: o.atol,
            cooldown: o.cooldown,
            accumulationSize: o.acc,
            minScale: o.minScale,
          });
          const oracle = plateauOracle(o);
          const g = tensor([1, -2], F64);
          let s = opt.init(g);
          for (const v of values) {
            const [u, next] = opt.update(g, s, g, { value: scalar(v, F64) });
            oracle.step(v);
            s = next;
            expect(num(s.scale)).toBe(oracle.st.scale);
            expect(num(s.plateauCount)).toBe(oracle.st.plateau);
            expect(num(s.cooldownCount)).toBe(oracle.st.cool);
            expect((u.toArray() as number[])[1]).toBe(-2 * oracle.st.scale);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('backtracking line search, first trial', () => {
  it('increaseFactor Infinity starts every search at maxLearningRate, even after a step of 0', () => {
    const opt = scaleByBacktrackingLinesearch({
      maxBacktrackingSteps: 3,
      increaseFactor: Infinity,
      maxLearningRate: 0.5,
    });
    const f = (p: XY) => rosenbrock(p);
    const p = xy(0.5, 0.5);
    const [value, g] = valueAndGrad(f)(p) as [Tensor, XY];
    const zeroed = { ...opt.init(p), learningRate: scalar(0, F64) };
    const [, s] = opt.update(treeScale(g, -1), zeroed, p, { value, grad: g, valueFn: f });
    const steps = num(s.info.numLinesearchSteps);
    expect(Math.abs(num(s.learningRate) - 0.5 * 0.8 ** (steps - 1))).toBeLessThan(1e-15);
  });
});
