/**
 * The automatic-learning-rate peers reproduce their authors' reference behaviour in float64:
 * the first steps worked out by hand from the published rules (the arithmetic is in the
 * comments), then 40-step trajectories on a non-quadratic loss over a two-leaf param tree, step
 * by step against plain-number restatements of the reference code (peer-oracles.ts), with the
 * default options and with every option moved off its default.
 */
import { describe, expect, it } from 'vitest';
import {
  add,
  concat,
  matmul,
  mul,
  pow,
  reshape,
  scalar,
  sub,
  sum,
  tensor,
  treeLeaves,
  valueAndGrad,
  type Tensor,
} from '@gen-ts/core';
import {
  applyUpdates,
  dAdaptAdam,
  dAdaptSgd,
  dog,
  prodigy,
  scheduleFreeAdamW,
  scheduleFreeEvalParams,
  scheduleFreeSgd,
  type GradientTransformation,
} from '@gen-ts/gen';
import {
  dAdaptAdamOracle,
  dAdaptSgdOracle,
  dogOracle,
  prodigyOracle,
  scheduleFreeOracle,
  type V,
} from './peer-oracles.js';

const F64 = { dtype: 'float64' as const };
const REL = 1e-10; // float64 trajectories agree to rounding; 1e-10 leaves room for 40 steps of it

/** One step of `opt` on the 1-D loss x^2 / 2 (gradient x); returns the new x and state. */
function step1d(opt: GradientTransformation<any>, x: number, s: any): [number, any] {
  const xt = scalar(x, F64);
  const [u, next] = opt.update(xt, s, xt);
  return [applyUpdates(xt, u).itemSync(), next];
}

const close = (got: number, want: number) =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(REL * Math.max(Math.abs(want), 1e-300));

describe('first steps by hand (loss x^2 / 2, so g = x; float64)', () => {
  it('DoG: rbar = repsRel (1 + ||x0||), G = ||g0||^2 + eps, eta = rbar / sqrt(G); rbar then tracks the distance', () => {
    const opt = dog();
    const x0 = tensor([3, 4], F64); // ||x0|| = 5
    let s = opt.init(x0);
    const [u, s1] = opt.update(x0, s, x0);
    // rbar = 1e-6 * (1 + 5) = 6e-6; G = 25 + 1e-8; eta = 6e-6 / sqrt(25 + 1e-8) ~ 1.2e-6
    close(s1.rbar.itemSync(), 6e-6);
    close(s1.G.itemSync(), 25 + 1e-8);
    const eta1 = 6e-6 / Math.sqrt(25 + 1e-8);
    close(s1.eta.itemSync(), eta1);
    const x1 = applyUpdates(x0, u);
    s = s1;
    const [, s2] = opt.update(x1, s, x1);
    // ||x1 - x0|| = 5 eta1 = 5.99999999994e-6 < rbar: rbar stays; G += ||x1||^2 = 25 (1 - eta1)^2
    close(s2.rbar.itemSync(), 6e-6);
    const G2 = 25 + 1e-8 + 25 * (1 - eta1) ** 2;
    close(s2.G.itemSync(), G2);
    close(s2.eta.itemSync(), 6e-6 / Math.sqrt(G2));
    // initEta replaces the first step size (and repsRel is then 0: rbar starts at 0)
    const [, t1] = dog({ initEta: 0.1 }).update(x0, dog({ initEta: 0.1 }).init(x0), x0);
    expect(t1.eta.itemSync()).toBe(0.1);
    expect(t1.rbar.itemSync()).toBe(0);
  });

  it('Prodigy: d stays d0 on the first step (no distance yet), then grows from d0', () => {
    const opt = prodigy();
    let s = opt.init(scalar(3, F64));
    let x: number;
    [x, s] = step1d(opt, 3, s);
    // d = dlr = 1e-6, g = 3: r = 0 (x = x0), m = 1e-6 * 0.1 * 3, v = 1e-12 * 0.001 * 9, s = 1e-6 * 3;
    // d_hat = 0, so d = max(d0, 0) = 1e-6; x1 = 3 - 1e-6 * m / (sqrt(v) + 1e-6 * 1e-8)
    const m1 = 1e-6 * 0.1 * 3;
    const v1 = 1e-12 * 0.001 * 9;
    const x1 = 3 - (1e-6 * m1) / (Math.sqrt(v1) + 1e-14);
    close(x, x1);
    expect(s.d.itemSync()).toBe(1e-6);
    [x, s] = step1d(opt, x, s);
    // g = x1: r = (d/d0) dlr <g, x0 - x1> = 1e-6 x1 (3 - x1); s2 = sqrt(0.999) * 3e-6 + 1e-6 x1;
    // d_hat = r / |s2| ~ 1e-6 * 3 * 3.16e-6 / 6e-6 ~ 1.58e-6 > d0, so d = d_hat (d was still d0)
    const r2 = 1e-6 * x1 * (3 - x1);
    const s2 = Math.sqrt(0.999) * 3e-6 + 1e-6 * x1;
    close(s.dHat.itemSync(), r2 / s2);
    close(s.d.itemSync(), r2 / s2);
    expect(s.d.itemSync()).toBeGreaterThan(1.5e-6);
    // and it keeps growing, towards the distance to the minimum (3)
    let prev = s.d.itemSync();
    for (let t = 0; t < 60; t++) {
      [x, s] = step1d(opt, x, s);
      expect(s.d.itemSync()).toBeGreaterThanOrEqual(prev);
      prev = s.d.itemSync();
    }
    expect(prev).toBeGreaterThan(0.3);
    expect(prev).toBeLessThan(30);
  });

  it('D-Adapt Adam: d_hat = numerator / ((1 - sqrt(beta2)) ||s||_1) with the statistics of the old d', () => {
    const opt = dAdaptAdam();
    let s = opt.init(scalar(3, F64));
    let x: number;
    [x, s] = step1d(opt, 3, s);
    // step 1: s was 0 so the numerator is 0; m = 1e-6 * 0.1 * 3; v = 0.001 * 9; x1 = 3 - m / (sqrt(v) + 1e-8)
    const x1 = 3 - (1e-6 * 0.1 * 3) / (Math.sqrt(0.009) + 1e-8);
    close(x, x1);
    expect(s.d.itemSync()).toBe(1e-6);
    [x, s] = step1d(opt, x, s);
    // step 2 (q = sqrt(0.999)): s1 = 1e-6 (1 - q) 3; acc = dlr g s1 / (sqrt(v1) + eps) = 1e-6 x1 s1 / (sqrt(0.009) + 1e-8);
    // numerator = (1 - q) acc; s2 = q s1 + 1e-6 (1 - q) x1; d = d_hat = numerator / ((1 - q) s2) ~ 1.6e-5
    const q = Math.sqrt(0.999);
    const sk1 = 1e-6 * (1 - q) * 3;
    const acc = (1e-6 * x1 * sk1) / (Math.sqrt(0.009) + 1e-8);
    const sk2 = q * sk1 + 1e-6 * (1 - q) * x1;
    const dHat = ((1 - q) * acc) / ((1 - q) * sk2);
    close(s.dHat.itemSync(), dHat);
    close(s.d.itemSync(), dHat);
    expect(dHat).toBeGreaterThan(1e-5);
  });

  it('D-Adapt SGD: dlr = d / ||g0||, x = x0 - s, d_hat = 2 sum dlr <g, s> / ||s||', () => {
    const opt = dAdaptSgd();
    let s = opt.init(scalar(3, F64));
    let x: number;
    [x, s] = step1d(opt, 3, s);
    // ||g0|| = 3, dlr = 1e-6 / 3, s1 = dlr * 3 = 1e-6, x1 = x0 - s1
    close(s.g0Norm.itemSync(), 3);
    close(x, 3 - 1e-6);
    [x, s] = step1d(opt, x, s);
    // numerator = dlr * x1 * s1; s2 = s1 + dlr x1; d_hat = 2 numerator / s2 = 2 x1 / (3 + x1) * 1e-6 < d0: d stays
    const x1 = 3 - 1e-6;
    const dlr = 1e-6 / 3;
    close(s.numeratorWeighted.itemSync(), dlr * x1 * 1e-6);
    close(s.dHat.itemSync(), ((2 * x1) / (3 + x1)) * 1e-6);
    expect(s.d.itemSync()).toBe(1e-6);
    close(x, 3 - (1e-6 + dlr * x1));
  });

  it('schedule-free SGD (lr 0.5, momentum 0.9): z, x and y by hand', () => {
    const opt = scheduleFreeSgd({ lr: 0.5 });
    let s = opt.init(scalar(2, F64));
    let y = 2;
    // step 1: weight 0.5^2 = 0.25, c = 1: z = 2 - 0.5 * 2 = 1, x = z = 1, y = 1
    [y, s] = step1d(opt, y, s);
    close(y, 1);
    // step 2: g = 1, c = 0.25 / 0.5: z = 0.5, x = 0.5 * 1 + 0.5 * 0.5 = 0.75, y = 0.9 * 0.75 + 0.1 * 0.5 = 0.725
    [y, s] = step1d(opt, y, s);
    close(y, 0.725);
    close(scheduleFreeEvalParams(s, scalar(y, F64)).itemSync(), 0.75);
    // step 3: g = 0.725, c = 1/3: z = 0.5 - 0.3625 = 0.1375, x = (2/3) 0.75 + 0.1375 / 3, y = 0.9 x + 0.1 z = 0.505
    [y, s] = step1d(opt, y, s);
    close(y, 0.505);
    close(scheduleFreeEvalParams(s, scalar(y, F64)).itemSync(), 0.5 + 0.1375 / 3);
  });

  it('schedule-free AdamW (lr 0.1): the bias-corrected second moment normalises the z step', () => {
    const opt = scheduleFreeAdamW({ lr: 0.1 });
    let s = opt.init(scalar(2, F64));
    let y = 2;
    // step 1: v = 0.001 * 4, sqrt(v / 0.001) = 2, c = 1: z = x = y = 2 - 0.1 * 2 / (2 + 1e-8)
    [y, s] = step1d(opt, y, s);
    const z1 = 2 - (0.1 * 2) / (2 + 1e-8);
    close(y, z1);
    // step 2: g = z1, v = 0.999 * 0.004 + 0.001 z1^2, bc = 1 - 0.999^2, c = 1/2
    [y, s] = step1d(opt, y, s);
    const v2 = 0.999 * 0.004 + 0.001 * z1 * z1;
    const z2 = z1 - (0.1 * z1) / (Math.sqrt(v2 / (1 - 0.999 ** 2)) + 1e-8);
    const x2 = 0.5 * z1 + 0.5 * z2;
    close(y, 0.9 * x2 + 0.1 * z2);
    close(scheduleFreeEvalParams(s, scalar(y, F64)).itemSync(), x2);
  });
});

// A non-quadratic, strongly convex loss on a two-leaf tree {w: [2, 2], b: [2]} (flat order w, b):
// f(v) = 1/2 v^T A v - c^T v + 0.05 sum v^4, gradient A v - c + 0.2 v^3.
const A = [
  [3, 0.5, 0, 0.2, 0, 0.1],
  [0.5, 2, 0.3, 0, 0, 0],
  [0, 0.3, 1.5, 0, 0.4, 0],
  [0.2, 0, 0, 1, 0, 0.2],
  [0, 0, 0.4, 0, 0.8, 0],
  [0.1, 0, 0, 0.2, 0, 0.5],
];
const C = [1, -2, 0.5, 1.5, -1, 2];
type P = { w: Tensor; b: Tensor };
const At = tensor(A, F64);
const Ct = tensor(C, F64);
const lossTree = (p: P): Tensor => {
  const v = concat([reshape(p.w, [4]), p.b], 0);
  return add(sub(mul(sum(mul(v, matmul(At, v))), 0.5), sum(mul(Ct, v))), mul(sum(pow(v, 4)), 0.05));
};
const gradHost = (v: V): V =>
  A.map((row, i) => row.reduce((s, a, j) => s + a * v[j]!, 0) - C[i]! + 0.2 * v[i]! ** 3);
const flat = (p: P): V => treeLeaves(p).flatMap((l) => Array.from(l.dataSync()));
const START: V = [0.5, -1, 1.5, 0.2, -0.7, 1];
const startTree = (): P => ({
  w: tensor([START.slice(0, 4)], F64).reshape([2, 2]),
  b: tensor(START.slice(4), F64),
});

/**
 * Runs `opt` (tensors, autodiff gradient) and `oracle` (host numbers, host gradient) side by side
 * and checks the params and the named statistics after every step.
 */
function trajectory(
  opt: GradientTransformation<any>,
  oracle: { step: (x: V, g: V) => V; st: Record<string, unknown> },
  stats: Record<string, string>,
  steps = 40,
  evalPoint?: (s: any, p: P) => P,
): void {
  let p = startTree();
  let s = opt.init(p);
  let x = START.slice();
  const vg = valueAndGrad(lossTree);
  for (let t = 0; t < steps; t++) {
    const [, g] = vg(p) as [Tensor, P];
    const [u, next] = opt.update(g, s, p);
    [p, s] = [applyUpdates(p, u), next];
    x = oracle.step(x, gradHost(x));
    const got = flat(p);
    got.forEach((gv, i) =>
      expect(Math.abs(gv - x[i]!), `step ${t} param ${i}`).toBeLessThan(REL * (1 + Math.abs(x[i]!))),
    );
    for (const [ours, theirs] of Object.entries(stats)) {
      const want = oracle.st[theirs] as number;
      const have = (s[ours] as Tensor).itemSync();
      expect(Math.abs(have - want), `step ${t} ${ours}`).toBeLessThanOrEqual(REL * Math.abs(want) + 1e-300);
    }
  }
  if (evalPoint) {
    const st = oracle.st as { x: V };
    flat(evalPoint(s, p)).forEach((v, i) =>
      expect(Math.abs(v - st.x[i]!)).toBeLessThan(REL * (1 + Math.abs(v))),
    );
  }
}

describe('40-step trajectories against the reference code, float64', () => {
  const prodigyCases = [
    {},
    { lr: 0.5, beta1: 0.8, beta2: 0.99, beta3: 0.9, eps: 1e-6, weightDecay: 0.1, decouple: true },
    {
      weightDecay: 0.05,
      decouple: false,
      useBiasCorrection: true,
      safeguardWarmup: true,
      d0: 1e-4,
      dCoef: 2,
    },
    { beta1: 0, growthRate: 1.05 },
  ];
  it.each(prodigyCases)('prodigy %o', (o) => {
    trajectory(prodigy(o), prodigyOracle(o), { d: 'd', dMax: 'dMax', dNumerator: 'dNumerator' });
  });

  const dAdaptAdamCases = [
    {},
    { lr: 0.5, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, decouple: true, growthRate: 1.1 },
    { weightDecay: 0.05, useBiasCorrection: true, d0: 1e-4 },
  ];
  it.each(dAdaptAdamCases)('dAdaptAdam %o', (o) => {
    trajectory(dAdaptAdam(o), dAdaptAdamOracle(o), { d: 'd', numeratorWeighted: 'numeratorWeighted' });
  });

  const dAdaptSgdCases = [{}, { lr: 0.5, momentum: 0.9, weightDecay: 0.1, d0: 1e-3, growthRate: 1.2 }];
  it.each(dAdaptSgdCases)('dAdaptSgd %o', (o) => {
    trajectory(dAdaptSgd(o), dAdaptSgdOracle(o), {
      d: 'd',
      numeratorWeighted: 'numeratorWeighted',
      g0Norm: 'g0Norm',
    });
  });

  const dogCases = [{}, { lr: 0.5, repsRel: 1e-3, eps: 1e-4, weightDecay: 0.1 }, { initEta: 1e-2 }];
  it.each(dogCases)('dog %o', (o) => {
    trajectory(dog(o), dogOracle(o), { eta: 'eta', rbar: 'rbar', G: 'G' });
  });

  const sfSgdCases = [
    { lr: 0.1 },
    { lr: 0.05, momentum: 0.5, weightDecay: 0.1, warmupSteps: 10, r: 1, weightLrPower: 1 },
  ];
  it.each(sfSgdCases)('scheduleFreeSgd %o', (o) => {
    trajectory(scheduleFreeSgd(o), scheduleFreeOracle(false, o), {}, 40, scheduleFreeEvalParams);
  });

  const sfAdamCases = [
    {},
    { lr: 0.05, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, warmupSteps: 10, r: 0.5 },
  ];
  it.each(sfAdamCases)('scheduleFreeAdamW %o', (o) => {
    trajectory(scheduleFreeAdamW(o), scheduleFreeOracle(true, o), {}, 40, scheduleFreeEvalParams);
  });
});

describe('a zero gradient moves nothing and keeps d, as the references do', () => {
  // DAdaptSGD's reference divides by ||g_0|| and fails on a zero first gradient; here that step is
  // skipped and ||g_0|| taken from the first non-zero one: the reference started there.
  const cases: [
    string,
    () => GradientTransformation<any>,
    () => { step: (x: V, g: V) => V; st: any },
    boolean,
  ][] = [
    ['prodigy', () => prodigy(), () => prodigyOracle({}), true],
    ['dAdaptAdam', () => dAdaptAdam(), () => dAdaptAdamOracle({}), true],
    ['dAdaptSgd', () => dAdaptSgd(), () => dAdaptSgdOracle({}), false],
  ];
  it.each(cases)(
    '%s: a zero first gradient, then the trajectory of the reference',
    (_name, make, oracle, seesZero) => {
      const opt = make();
      const o = oracle();
      let x = tensor([2, -1], F64);
      let s = opt.init(x);
      let xh: V = [2, -1];
      const grads: V[] = [
        [0, 0],
        [2, -1],
        [1.5, -0.5],
        [1, 0.25],
      ];
      for (const g of grads) {
        const [u, next] = opt.update(tensor(g, F64), s, x);
        if (g[0] === 0) expect((u.toArray() as number[]).map(Math.abs)).toEqual([0, 0]);
        [x, s] = [applyUpdates(x, u), next];
        if (g[0] !== 0 || seesZero) xh = o.step(xh, g);
        (x.toArray() as number[]).forEach((v, i) => close(v, xh[i]!));
        close(s.d.itemSync(), o.st.d);
      }
    },
  );
});
