/**
 * Check 6 of docs/gen.md (safeguards leave the documented learning rate), option validation, the
 * lazy schedule, required extras, on-device arithmetic (no readback), and the authors' defects
 * avoided (base state advanced once, probe counts).
 */
import { describe, expect, it } from 'vitest';
import {
  add,
  log,
  mul,
  neg,
  sin,
  square,
  sum,
  tensor,
  treeMap,
  valueAndGrad,
  type Tensor,
} from '@gen-ts/core';
import {
  adam,
  genAdam,
  genConfig,
  GEN_DEFAULTS,
  scaleByGeN,
  trainStep,
  type ScaleByAdamState,
} from '@gen-ts/gen';
import { F64 } from './helpers.js';
import { noReadBackend } from '../support/backends.js';

const quad = (w: Tensor) => mul(sum(square(w)), 0.5); // a = |d|^2, b = w.d
const w0 = () => tensor([1, -2, 0.5], F64);

function oneProbe(valueFn: (w: Tensor) => Tensor, d: Tensor, options = {}, w = w0()) {
  const t = scaleByGeN({ lr: 0.1, ...options });
  const [u, s] = t.update(d, t.init(w), w, { valueFn });
  return { u, s };
}

describe('GeN safeguards (docs/gen.md check 6)', () => {
  it('accepts a good fit: eta = gamma eta + (1 - gamma) s clip(eta*, eta/2, 2 eta)', () => {
    const w = w0();
    // eta* = b / a = 1 for d = w on |w|^2 / 2: clipped to 2 * 0.1, smoothed: 0.9*0.1 + 0.1*0.2
    const { s, u } = oneProbe(quad, w);
    expect(s.fit.accepted.itemSync()).toBe(1);
    expect(s.fit.etaStar.itemSync()).toBeCloseTo(1, 12);
    expect(s.lr.itemSync()).toBeCloseTo(0.9 * 0.1 + 0.1 * 0.2, 14);
    expect((u.toArray() as number[])[0]).toBeCloseTo(-0.11, 14);
    // with a horizon scale s_t = 0.5 the estimate is halved before smoothing
    expect(oneProbe(quad, w, { scale: 0.5 }).s.lr.itemSync()).toBeCloseTo(0.9 * 0.1 + 0.1 * 0.5 * 0.2, 14);
  });

  it('a <= 0 (concave along d): learning rate unchanged, not accepted', () => {
    const { s } = oneProbe((w) => neg(quad(w)), neg(w0()));
    expect(s.fit.a.itemSync()).toBeLessThan(0);
    expect(s.fit.b.itemSync()).toBeGreaterThan(0);
    expect(s.fit.accepted.itemSync()).toBe(0);
    expect(s.lr.itemSync()).toBe(0.1);
  });

  it("a <= 0 with negativeCurvature 'grow': the rate goes to the clipped upper bound; b <= 0 and low R^2 still keep it", () => {
    const concave = (w: Tensor) => neg(quad(w));
    const grow = { negativeCurvature: 'grow' as const };
    const { s } = oneProbe(concave, neg(w0()), grow);
    expect(s.fit.accepted.itemSync()).toBe(0); // eta* was not used
    expect(s.lr.itemSync()).toBeCloseTo(0.9 * 0.1 + 0.1 * 2 * 0.1, 14);
    const g4 = oneProbe(concave, neg(w0()), { ...grow, gamma: 0, clipRatio: 4, scale: 0.5 });
    expect(g4.s.lr.itemSync()).toBeCloseTo(0.5 * 4 * 0.1, 14);
    // verified: the step at the grown rate lowers the loss by more than armijo * eta * b
    const v = oneProbe(concave, neg(w0()), { ...grow, gamma: 0, clipRatio: 4, verify: true, armijo: 0.5 });
    expect(v.s.fit.verified.itemSync()).toBe(1);
    expect(v.s.lr.itemSync()).toBeCloseTo(0.4, 14);
    expect(oneProbe(quad, neg(w0()), grow).s.lr.itemSync()).toBe(0.1); // b <= 0
    const bumpy = (w: Tensor) => add(concave(w), mul(sum(sin(mul(w, 60))), 0.2));
    const r = oneProbe(bumpy, neg(w0()), { ...grow, factors: [-1, -0.5, 0, 0.5, 1] });
    expect(r.s.fit.r2.itemSync()).toBeLessThan(0.99);
    expect(r.s.lr.itemSync()).toBe(0.1);
  });

  it('b <= 0 (direction points downhill): learning rate unchanged', () => {
    const { s } = oneProbe(quad, neg(w0()));
    expect(s.fit.b.itemSync()).toBeLessThan(0);
    expect(s.fit.accepted.itemSync()).toBe(0);
    expect(s.lr.itemSync()).toBe(0.1);
  });

  it('a non-finite probe loss halves the learning rate (nonFiniteFactor configurable)', () => {
    const w = tensor([0.5, 1], F64);
    const barrier = (p: Tensor) => neg(sum(log(p))); // NaN once a probe leaves w > 0
    const d = tensor([10, 0], F64); // w - 0.1 * 10 < 0 on the +1 probe
    expect(oneProbe(barrier, d, {}, w).s.lr.itemSync()).toBe(0.05);
    expect(oneProbe(barrier, d, { safeguard: { nonFiniteFactor: 0.25 } }, w).s.lr.itemSync()).toBe(0.025);
    expect(oneProbe(barrier, d, { mode: 'exact' }, tensor([-0.5, 1], F64)).s.lr.itemSync()).toBe(0.05);
  });

  it('low R^2 with 4+ factors: learning rate unchanged (3 factors are never gated)', () => {
    const bumpy = (w: Tensor) => add(quad(w), mul(sum(sin(mul(w, 60))), 0.2));
    const d = w0();
    const { s } = oneProbe(bumpy, d, { factors: [-1, -0.5, 0, 0.5, 1] });
    expect(s.fit.a.itemSync()).toBeGreaterThan(0);
    expect(s.fit.b.itemSync()).toBeGreaterThan(0);
    expect(s.fit.r2.itemSync()).toBeLessThan(0.99);
    expect(s.fit.accepted.itemSync()).toBe(0);
    expect(s.lr.itemSync()).toBe(0.1);
    // the same fit is accepted when the gate is lowered below its R^2
    const r2 = s.fit.r2.itemSync();
    const low = oneProbe(bumpy, d, { factors: [-1, -0.5, 0, 0.5, 1], r2Min: Math.max(0, r2 - 0.01) });
    expect(low.s.fit.accepted.itemSync()).toBe(1);
  });

  it('minLr / maxLr clamp the learning rate after every probe', () => {
    expect(oneProbe(quad, w0(), { safeguard: { maxLr: 0.105 } }).s.lr.itemSync()).toBe(0.105);
    expect(oneProbe(quad, neg(w0()), { lr: 0.01, safeguard: { minLr: 0.02 } }).s.lr.itemSync()).toBe(0.02);
  });
});

describe('GeN schedule, extras and state', () => {
  it('probes every phi steps only; in between eta is kept and valueFn is not called', () => {
    const t = scaleByGeN({ lr: 0.1, phi: 3 });
    const w = w0();
    let calls = 0;
    const valueFn = (p: Tensor) => {
      calls++;
      return quad(p);
    };
    let s = t.init(w);
    const seen: number[] = [];
    for (let k = 0; k < 7; k++) {
      const before = calls;
      [, s] = t.update(w, s, w, { valueFn });
      seen.push(calls - before);
    }
    expect(seen).toEqual([3, 0, 0, 3, 0, 0, 3]);
    expect(s.count).toBe(7);
    expect(s.fit.step).toBe(6);
    expect(s.fit.evals).toBe(3);
  });

  it('value saves the probe at factor 0; exact mode costs one pass', () => {
    const w = w0();
    let calls = 0;
    const valueFn = (p: Tensor) => (calls++, quad(p));
    const t = scaleByGeN({ factors: [-2, -1, 0, 1, 2], r2Min: 0 });
    const [, s] = t.update(w, t.init(w), w, { valueFn, value: quad(w) });
    expect(calls).toBe(4);
    expect(s.fit.evals).toBe(4);
    const e = scaleByGeN({ mode: 'exact' });
    expect(e.update(w, e.init(w), w, { valueFn })[1].fit.evals).toBe(1);
  });

  it('a missing valueFn on a probe step throws a clear error; non-probe steps need none', () => {
    const t = scaleByGeN({ phi: 2 });
    const w = w0();
    expect(() => t.update(w, t.init(w), w)).toThrow(/scaleByGeN: step 0 is a probe step.*extra\.valueFn/);
    expect(() => t.update(w, t.init(w), w, {})).toThrow(/valueFn/);
    const s1 = { ...t.init(w), count: 1 };
    expect(() => t.update(w, s1, w)).not.toThrow();
    expect(() => t.update(w, t.init(w), undefined, { valueFn: quad })).toThrow(/needs params/);
    expect(() => t.update(w, t.init(w), w, { valueFn: (p: Tensor) => p })).toThrow(/0-d/);
  });

  it("slope 'gradient' needs extra.grad and extra.value on probe steps, with the params' shapes", () => {
    const t = scaleByGeN({ lr: 0.5, gamma: 0, clipRatio: Infinity, slope: 'gradient', factors: [0, 1] });
    const w = w0();
    const value = quad(w);
    expect(() => t.update(w, t.init(w), w, { valueFn: quad, value })).toThrow(
      /slope 'gradient'.*step 0.*extra\.grad and extra\.value/,
    );
    expect(() => t.update(w, t.init(w), w, { valueFn: quad, grad: w })).toThrow(
      /extra\.grad and extra\.value/,
    );
    expect(() => t.update(w, t.init(w), w, { valueFn: quad, value, grad: tensor([1, 2], F64) })).toThrow(
      /extra\.grad: a leaf of shape \[2\] where the direction has \[3\]/,
    );
    let calls = 0;
    const [u, s] = t.update(w, t.init(w), w, { valueFn: (p: Tensor) => (calls++, quad(p)), value, grad: w });
    expect(calls).toBe(1); // one forward per probe step
    expect(s.fit.evals).toBe(1);
    // quad: a = |d|^2, b = w.d = |w|^2 with d = w, so eta* = 1 and the step lands on 0.
    expect(s.fit.etaStar.itemSync()).toBeCloseTo(1, 12);
    expect(
      add(w, u)
        .dataSync()
        .every((x) => Math.abs(x) < 1e-12),
    ).toBe(true);
  });

  it('bad options throw at construction, naming the option', () => {
    expect(() => scaleByGeN({ phi: 0 })).toThrow(/option phi/);
    expect(() => scaleByGeN({ phi: 1.5 })).toThrow(/option phi/);
    expect(() => scaleByGeN({ gamma: 1 })).toThrow(/option gamma/);
    expect(() => scaleByGeN({ gamma: -0.1 })).toThrow(/option gamma/);
    expect(() => scaleByGeN({ factors: [-1, 1, 2] })).toThrow(/option factors.*exactly one 0/);
    expect(() => scaleByGeN({ factors: [0, 0, 1] })).toThrow(/option factors/);
    expect(() => scaleByGeN({ factors: [0, 1] })).toThrow(/option factors needs at least 3/);
    expect(() => scaleByGeN({ factors: [0, 1], slope: 'gradient' })).not.toThrow();
    expect(() => scaleByGeN({ factors: [1], slope: 'gradient' })).toThrow(/option factors needs at least 2/);
    expect(() => scaleByGeN({ slope: 'hessian' as never })).toThrow(/option slope/);
    expect(() => scaleByGeN({ slope: 'gradient', mode: 'exact' })).toThrow(/option slope.*mode 'fit' only/);
    expect(() => scaleByGeN({ negativeCurvature: 'flip' as never })).toThrow(/option negativeCurvature/);
    expect(() => scaleByGeN({ negativeCurvature: 'grow', clipRatio: Infinity })).toThrow(
      /option negativeCurvature 'grow' needs a finite clipRatio/,
    );
    expect(() => scaleByGeN({ factors: [0, 1, 1] })).toThrow(/option factors must be distinct/);
    expect(() => scaleByGeN({ lr: 0 })).toThrow(/option lr/);
    expect(() => scaleByGeN({ r2Min: 1.5 })).toThrow(/option r2Min/);
    expect(() => scaleByGeN({ clipRatio: 0.5 })).toThrow(/option clipRatio/);
    expect(() => scaleByGeN({ scale: -1 })).toThrow(/option scale/);
    expect(() => scaleByGeN({ mode: 'newton' as never })).toThrow(/option mode/);
    expect(() => scaleByGeN({ safeguard: { nonFiniteFactor: 2 } })).toThrow(/safeguard\.nonFiniteFactor/);
    expect(() => scaleByGeN({ phy: 4 } as never)).toThrow(/unknown option phy/);
    expect(() => genAdam({ gama: 0.9 } as never)).toThrow(/unknown option gama/);
    expect(genConfig({})).toEqual(GEN_DEFAULTS);
  });

  it('never reads back: a full GeN-Adam step runs on a backend that refuses reads', () => {
    const noRead = noReadBackend();
    const w = tensor([1, -2, 0.5], { dtype: 'float32', backend: noRead });
    const opt = genAdam({ phi: 1 });
    const step = trainStep((p: Tensor, x: Tensor) => mul(sum(square(add(p, x))), 0.5), opt);
    let params = w;
    let state = opt.init(w);
    const x = tensor([0.1, 0.2, 0.3], { dtype: 'float32', backend: noRead });
    for (let k = 0; k < 3; k++) ({ params, state } = step(params, state, x, mul(x, 2)));
    expect(params.dtype).toBe('float32');
    expect(() => params.dataSync()).toThrow(/readback/);
  });

  it("advances the base optimizer's state once per step (GeN-Adam's moments equal Adam's)", () => {
    const loss = (p: Tensor) => add(mul(sum(square(p)), 0.5), sum(sin(p)));
    const w = w0();
    const vg = valueAndGrad(loss);
    const ga = genAdam({ phi: 1 });
    const ad = adam({ lr: 1 });
    let sg = ga.init(w);
    let sa = ad.init(w);
    const [, g] = vg(w);
    for (let k = 0; k < 3; k++) {
      [, sg] = ga.update(g, sg, w, { valueFn: loss });
      [, sa] = ad.update(g, sa, w);
    }
    expect(sg[0].count).toBe(3);
    const [mg, ma] = [sg[0] as ScaleByAdamState<Tensor>, sa[0] as ScaleByAdamState<Tensor>];
    expect(mg.mu.toArray()).toEqual(ma.mu.toArray());
    expect(mg.nu.toArray()).toEqual(ma.nu.toArray());
    // and its update is -eta * (Adam's direction)
    const [u] = ga.update(g, sg, w, { valueFn: loss });
    const [ua] = ad.update(g, sa, w);
    const eta = ga.update(g, sg, w, { valueFn: loss })[1][1].lr.itemSync();
    const want = treeMap((x) => mul(x, eta), ua) as Tensor;
    (u.toArray() as number[]).forEach((x, i) => expect(x).toBeCloseTo((want.toArray() as number[])[i]!, 12));
  });
});
