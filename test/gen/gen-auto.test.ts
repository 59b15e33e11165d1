/**
 * GeN's recommended configuration (`preset: 'auto'`) and the options it is made of: `horizon`,
 * `biasFactor`, `warmupSteps` (mode 'lagged' has its own file). Validation, the authors' rule
 * unchanged under `preset: 'paper'`, and the unit behaviour of each option in float64 on
 * quadratics where `eta*` is known exactly.
 */
import { describe, expect, it } from 'vitest';
import { add, mul, sum, square, tensor, valueAndGrad, type Tensor } from '@gen-ts/core';
import {
  applyUpdates,
  findGeNState,
  GEN_AUTO,
  GEN_AUTO_SGD,
  GEN_DEFAULTS,
  genAdam,
  genAdamW,
  genConfig,
  genMomentum,
  genSgd,
  scaleByBlockGeN,
  scaleByGeN,
  trainStep,
  type GeNOptions,
  type ScaleByGeNState,
} from '@gen-ts/gen';
import { noReadBackend } from '../support/backends.js';
import { F64, rel } from './helpers.js';

describe('preset and the new options are validated at construction', () => {
  it("preset 'paper' is the authors' rule: every default unchanged", () => {
    expect(genConfig({ preset: 'paper' })).toEqual(genConfig({}));
    expect(genConfig({})).toEqual(GEN_DEFAULTS);
    expect(GEN_DEFAULTS).toMatchObject({
      phi: 4,
      gamma: 0.9,
      clipRatio: 2,
      mode: 'fit',
      biasFactor: 1,
      warmupSteps: 0,
      afterLanding: 'smooth',
    });
    expect(GEN_DEFAULTS.horizon).toBeUndefined();
  });

  it("preset 'auto' sets GEN_AUTO's options, needs horizon, and yields to options given", () => {
    const c = genConfig({ preset: 'auto', horizon: 100 });
    for (const [k, v] of Object.entries(GEN_AUTO)) expect(c[k as keyof typeof c]).toEqual(v);
    expect(c.horizon).toBe(100);
    expect(genConfig({ preset: 'auto', horizon: 100, phi: 2, biasFactor: 1.25 })).toMatchObject({
      phi: 2,
      biasFactor: 1.25,
    });
    expect(() => scaleByGeN({ preset: 'auto' })).toThrow(
      /preset 'auto' needs option horizon, the planned number of training steps/,
    );
    for (const make of [genSgd, genMomentum, genAdam, genAdamW] as ((o: GeNOptions) => unknown)[]) {
      expect(() => make({ preset: 'auto' })).toThrow(
        new RegExp(`${make.name}: preset 'auto' needs option horizon`),
      );
      expect(() => make({ preset: 'auto', horizon: 10 })).not.toThrow();
    }
  });

  it("genSgd's auto doubles the bias factor (GEN_AUTO_SGD); the bases with momentum keep 1", () => {
    expect(GEN_AUTO_SGD).toEqual({ ...GEN_AUTO, biasFactor: 2, afterLanding: 'hold' });
    expect(genConfig({ preset: 'auto', horizon: 10 }).afterLanding).toBe('smooth');
    // the factor shows in the rate: one accepted estimate after the warm-up, gamma 0, no clip
    const rateAfter = (make: (o: GeNOptions) => any) => {
      const opt = make({
        preset: 'auto',
        horizon: 1000,
        gamma: 0,
        clipRatio: Infinity,
        warmupSteps: 1,
        phi: 1,
        landing: 'first', // genMomentum's confirmed landing: gen-landing.test.ts
      });
      const loss = (w: Tensor) => mul(sum(mul(tensor([1, 0.3, 0.05], F64), square(w))), 0.5);
      const vg = valueAndGrad(loss);
      let w = tensor([1, -2, 3], F64);
      let s = opt.init(w);
      const out: number[] = [];
      for (let i = 0; i < 4; i++) {
        const [v, g] = vg(w) as [Tensor, Tensor];
        const [u, n] = opt.update(g, s, w, { value: v, grad: g, valueFn: loss });
        w = applyUpdates(w, u);
        s = n;
        const st = findGeNState(s)!;
        out.push(st.lr.itemSync() / st.fit.etaStar.itemSync());
      }
      return out;
    };
    // step 1 lands the warm-up at eta* (factor 1); from step 2 the rate is s_t * c * eta*
    const s2 = 0.5 * (1 + Math.cos((Math.PI * 2) / 1000));
    expect(rateAfter(genSgd)[2]).toBeCloseTo(2 * s2, 10);
    for (const make of [genMomentum, genAdam, genAdamW]) expect(rateAfter(make)[2]).toBeCloseTo(s2, 10);
  });

  it('bad values name the option', () => {
    expect(() => scaleByGeN({ preset: 'fast' as never })).toThrow(/option preset must be 'paper' or 'auto'/);
    expect(() => scaleByGeN({ horizon: 0 })).toThrow(/option horizon must be >= 1/);
    expect(() => scaleByGeN({ horizon: 2.5 })).toThrow(/option horizon must be an integer/);
    expect(() => scaleByGeN({ afterLanding: 'stay' as never })).toThrow(
      /option afterLanding must be 'smooth' or 'hold' or 'lower', got stay/,
    );
    expect(() => scaleByGeN({ horizon: 10, scale: 0.5 })).toThrow(/options horizon and scale both set/);
    expect(() => scaleByGeN({ biasFactor: 0 })).toThrow(/option biasFactor must be > 0/);
    expect(() => scaleByGeN({ biasFactor: 2.5 })).toThrow(/option biasFactor must be <= 2/);
    expect(() => scaleByGeN({ warmupSteps: -1 })).toThrow(/option warmupSteps must be >= 0/);
    expect(() => scaleByGeN({ warmupSteps: 1.5 })).toThrow(/option warmupSteps must be an integer/);
    expect(() => scaleByGeN({ mode: 'lagged', verify: true })).toThrow(/option verify.*mode 'lagged'/);
    expect(() => scaleByGeN({ mode: 'lagged', slope: 'gradient' })).toThrow(
      /option slope 'gradient' applies to mode 'fit' only/,
    );
    expect(() => genAdam({ preset: 'auto', horizon: 10, verify: true })).toThrow(/genAdam: option verify/);
    for (const o of [{ preset: 'auto' }, { warmupSteps: 5 }, { mode: 'lagged' }] as const)
      expect(() => scaleByBlockGeN(() => 'all', o as never)).toThrow(/scaleByBlockGeN: .* is not supported/);
  });
});

const quad = (w: Tensor) => mul(sum(square(w)), 0.5);

/** Runs `steps` steps of GeN-GD on `loss` from `w`; returns the rate after each step and the states. */
function run(options: GeNOptions, steps: number, loss = quad, w0 = tensor([1, -2, 0.5], F64)) {
  const t = scaleByGeN(options);
  const vg = valueAndGrad(loss);
  let w = w0;
  let s = t.init(w);
  const lrs: number[] = [];
  const states: ScaleByGeNState[] = [];
  for (let i = 0; i < steps; i++) {
    const [v, g] = vg(w) as [Tensor, Tensor];
    const [u, next] = t.update(g, s, w, { value: v, grad: g, valueFn: loss });
    w = applyUpdates(w, u);
    s = next;
    lrs.push(s.lr.itemSync());
    states.push(s);
  }
  return { lrs, states, w };
}

/** A diagonal quadratic `sum_i h_i w_i^2 / 2`: GD along the gradient never lands in one step. */
const diag = (h: number[]) => {
  const H = tensor(h, F64);
  return (w: Tensor) => mul(sum(mul(H, square(w))), 0.5);
};
/** `eta* = g^T g / g^T H g` along the gradient `g = H w` at `w`. */
const etaStarAt = (h: number[], w: number[]) => {
  const g = w.map((x, i) => h[i]! * x);
  return g.reduce((s, x) => s + x * x, 0) / g.reduce((s, x, i) => s + h[i]! * x * x, 0);
};

describe('warmupSteps: probes every step, unsmoothed, growth bounded by clipRatio', () => {
  const h = [1, 0.3, 0.05];
  const w0 = () => tensor([1, -2, 3], F64);
  for (const mode of ['fit', 'lagged'] as const) {
    it(`${mode}: from eta_0 1e-5 the rate doubles each step until eta* is within the clip range, then the smoothed rule`, () => {
      const { lrs, states } = run({ mode, lr: 1e-5, phi: 8, warmupSteps: 30 }, 30, diag(h), w0());
      const first = mode === 'lagged' ? 1 : 0; // the lagged fit needs one step behind it
      let landedAt = -1;
      let prev = 1e-5;
      for (let t = first; t < 30; t++) {
        const s = states[t]!;
        // every step of the warm-up fits, whatever phi
        expect(s.fit.step).toBe(t);
        const ratio = lrs[t]! / prev;
        if (landedAt < 0) {
          expect(ratio).toBeLessThanOrEqual(2 * (1 + 1e-12));
          expect(ratio).toBeGreaterThanOrEqual(0.5 * (1 - 1e-12));
          if (s.warm!.itemSync() === 0) landedAt = t;
        }
        prev = lrs[t]!;
      }
      // it grew x2 per step from 1e-5 (a doubling every step before landing) ...
      expect(landedAt).toBeGreaterThan(10);
      for (let t = first; t < landedAt; t++)
        expect(lrs[t]! / (t === first ? 1e-5 : lrs[t - 1]!)).toBeCloseTo(2, 12);
      // ... and the step it landed took eta* unsmoothed; later steps smooth with gamma 0.9
      const f = states[landedAt]!.fit.etaStar.itemSync();
      expect(rel(lrs[landedAt]!, f)).toBeLessThan(1e-12);
      const t1 = landedAt + 1;
      const f1 = states[t1]!.fit.etaStar.itemSync();
      const clipped = Math.min(Math.max(f1, lrs[landedAt]! / 2), 2 * lrs[landedAt]!);
      expect(rel(lrs[t1]!, 0.9 * lrs[landedAt]! + 0.1 * clipped)).toBeLessThan(1e-12);
    });
  }

  it("afterLanding 'hold': after landing the window leaves the rate to the regular fits (every phi); a non-finite loss still halves it", () => {
    // d = c w on |w|^2 / 2 from w: eta* = 1 / c exactly, whatever the step
    const w = tensor([1, -2, 0.5], F64);
    const cs = [1, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25];
    const rates = (afterLanding: 'hold' | 'smooth', loss = (_t: number) => quad) => {
      const t = scaleByGeN({
        lr: 0.5,
        phi: 4,
        warmupSteps: 20,
        gamma: 0.9,
        biasFactor: 2,
        afterLanding,
        mode: 'fit',
      });
      let s = t.init(w);
      return cs.map((c, i) => {
        s = t.update(mul(w, c), s, w, { valueFn: loss(i) })[1];
        return { lr: s.lr.itemSync(), warm: s.warm!.itemSync(), step: s.fit.step };
      });
    };
    const two = rates('hold');
    // step 0: eta* = 1, target 1 within [0.25, 1]: landed at 1 (no factor while warm)
    expect(two[0]).toEqual({ lr: 1, warm: 0, step: 0 });
    // steps 1-3 fit (eta* = 4, target 8, clipped to 2) but leave the rate; step 4 is a regular fit
    for (const i of [1, 2, 3]) expect(two[i]!.lr).toBe(1);
    expect(rel(two[4]!.lr, 0.9 * 1 + 0.1 * 2)).toBeLessThan(1e-12);
    for (const i of [5, 6, 7]) expect(two[i]!.lr).toBe(two[4]!.lr);
    expect(rel(two[8]!.lr, 0.9 * two[4]!.lr + 0.1 * 2 * two[4]!.lr)).toBeLessThan(1e-12);
    expect(two.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // the window still fits every step
    // 'smooth' (the default): the window's fits smooth as the regular ones do
    const smooth = rates('smooth');
    expect(rel(smooth[1]!.lr, 0.9 * 1 + 0.1 * 2)).toBeLessThan(1e-12);
    expect(rel(smooth[2]!.lr, 0.9 * smooth[1]!.lr + 0.1 * 2 * smooth[1]!.lr)).toBeLessThan(1e-12);
    // a non-finite loss on a window fit halves the rate, landed or not
    const bad = (w: Tensor) => add(quad(w), NaN);
    const blown = rates('hold', (i) => (i === 2 ? bad : quad));
    expect(blown[1]!.lr).toBe(1);
    expect(blown[2]!.lr).toBe(0.5);
    expect(blown[3]!.lr).toBe(0.5);
  });

  it('afterLanding with verify: the check is made at the rate the window keeps', () => {
    const w = tensor([1, -2, 0.5], F64);
    const t = scaleByGeN({
      lr: 0.5,
      phi: 4,
      warmupSteps: 20,
      biasFactor: 2,
      afterLanding: 'hold',
      mode: 'fit',
      verify: true,
    });
    let s = t.update(w, t.init(w), w, { valueFn: quad })[1]; // lands at eta* = 1
    expect([s.lr.itemSync(), s.warm!.itemSync()]).toEqual([1, 0]);
    const seen: number[][] = [];
    const spy = (p: Tensor) => (seen.push(Array.from(p.dataSync())), quad(p));
    // eta* = 4 along d = w / 4 asks for 2; the window holds 1, and verify evaluates w - 1 * d
    s = t.update(mul(w, 0.25), s, w, { valueFn: spy })[1];
    expect(s.lr.itemSync()).toBe(1);
    expect(s.fit.verified.itemSync()).toBe(1);
    seen.at(-1)!.forEach((x, i) => expect(x).toBeCloseTo(0.75 * [1, -2, 0.5][i]!, 14));
  });

  it("afterLanding 'lower': after landing the window follows a falling eta* down at once and holds against a rising one", () => {
    // a growing momentum trace: each step's direction is longer, so eta* along it falls
    const t = scaleByGeN({ lr: 1, phi: 8, warmupSteps: 20, gamma: 0.9, afterLanding: 'lower', mode: 'fit' });
    const w = tensor([1, -2, 0.5], F64);
    let s = t.init(w);
    const lrs: number[] = [];
    for (const c of [1, 1, 1.5, 3, 2, 0.5]) {
      // d = c w on |w|^2 / 2 from w: eta* = 1 / c exactly
      s = t.update(mul(w, c), s, w, { valueFn: quad })[1];
      lrs.push(s.lr.itemSync());
    }
    expect(s.warm!.itemSync()).toBe(0);
    // landed at step 0 (eta* = 1 = eta); 1: held; 2: 1/1.5; 3: 1/3; 4: 1/2 > 1/3, held; 5: 2, held
    const want = [1, 1, 1 / 1.5, 1 / 3, 1 / 3, 1 / 3];
    lrs.forEach((lr, i) => expect(rel(lr, want[i]!)).toBeLessThan(1e-12));
    // a fall of more than clipRatio in one step goes down to the clip, eta / 2; step 8 (regular) smooths
    const u = scaleByGeN({ lr: 1, phi: 8, warmupSteps: 20, afterLanding: 'lower', mode: 'fit' });
    let r = u.init(w);
    const got: number[] = [];
    for (const c of [1, 10, 1, 1, 1, 1, 1, 1, 0.25]) {
      r = u.update(mul(w, c), r, w, { valueFn: quad })[1];
      got.push(r.lr.itemSync());
    }
    expect(rel(got[1]!, 0.5)).toBeLessThan(1e-12);
    for (let i = 2; i < 8; i++) expect(got[i]).toBe(0.5); // eta* = 1 > 0.5: a rise waits
    expect(rel(got[8]!, 0.9 * 0.5 + 0.1 * 1)).toBeLessThan(1e-12); // regular: eta* 4 clipped to 1
  });

  it('a short horizon does not slow the warm-up: it doubles per step while s_t falls, then s_t applies', () => {
    const T = 24;
    const { lrs, states } = run({ lr: 1e-5, phi: 8, warmupSteps: 20, horizon: T }, 20, diag(h), w0());
    const landed = states.findIndex((s) => s.warm!.itemSync() === 0);
    expect(landed).toBeGreaterThan(10); // s_t is 0.75 at step 8 and 0.5 at step 12: the doubling went on
    for (let t = 1; t < landed; t++) expect(lrs[t]! / lrs[t - 1]!).toBeCloseTo(2, 12);
    const next = states[landed + 1]!;
    const st = 0.5 * (1 + Math.cos((Math.PI * (landed + 1)) / T));
    const e = next.fit.etaStar.itemSync();
    const prev = lrs[landed]!;
    const want = 0.9 * prev + 0.1 * st * Math.min(Math.max(e, prev / 2), 2 * prev);
    expect(rel(lrs[landed + 1]!, want)).toBeLessThan(1e-12);
  });

  it('with warmupSteps 0 (the authors) an accepted estimate grows the rate by at most gamma + (1 - gamma) clipRatio per probe', () => {
    const { lrs } = run({ lr: 1e-5, phi: 1 }, 20, diag(h), w0());
    let prev = 1e-5;
    for (const lr of lrs) {
      expect(lr / prev).toBeCloseTo(1.1, 12);
      prev = lr;
    }
  });

  it('after warmupSteps steps probes return to every phi steps, and an unlanded warm-up stays unsmoothed there', () => {
    const { states } = run({ lr: 1e-9, phi: 4, warmupSteps: 3 }, 12, diag(h), w0());
    expect(states.map((s) => s.fit.step)).toEqual([0, 1, 2, 2, 4, 4, 4, 4, 8, 8, 8, 8]);
    expect(states[11]!.warm!.itemSync()).toBe(1);
    expect(states[8]!.lr.itemSync() / states[4]!.lr.itemSync()).toBeCloseTo(2, 12);
  });
});

describe('biasFactor and horizon: the accepted rate is gamma eta + (1 - gamma) s_t clip(c eta*)', () => {
  const h = [1, 0.3, 0.05];
  const w = [1, -2, 3];
  const star = etaStarAt(h, w);
  const one = (o: GeNOptions) => run({ lr: star, phi: 1, ...o }, 1, diag(h), tensor(w, F64)).states[0]!;

  it('biasFactor c multiplies eta* before the clip', () => {
    for (const c of [0.5, 1, 1.5, 2]) {
      const s = one({ biasFactor: c, gamma: 0, clipRatio: Infinity });
      expect(rel(s.fit.etaStar.itemSync(), star)).toBeLessThan(1e-12);
      expect(rel(s.lr.itemSync(), c * star)).toBeLessThan(1e-12);
    }
    // inside the clip: 2 * 1.5 eta* is clipped to 2 eta, then smoothed
    const clipped = one({ biasFactor: 2, lr: star / 1.5 });
    expect(rel(clipped.lr.itemSync(), (0.9 + 0.1 * 2) * (star / 1.5))).toBeLessThan(1e-12);
  });

  it('with warmupSteps, biasFactor applies once the warm-up has landed', () => {
    const h2 = [1, 0.3, 0.05];
    const { states } = run(
      { lr: 1e-3, phi: 1, gamma: 0, clipRatio: 2, warmupSteps: 30, biasFactor: 1.5 },
      25,
      diag(h2),
      tensor([1, -2, 3], F64),
    );
    const landed = states.findIndex((s) => s.warm!.itemSync() === 0);
    expect(landed).toBeGreaterThan(3);
    // while warm the target is eta* itself (landing needs eta* within [eta / 2, 2 eta]) ...
    const l = states[landed]!;
    expect(rel(l.lr.itemSync(), l.fit.etaStar.itemSync())).toBeLessThan(1e-12);
    // ... after it, 1.5 eta* (clipped at 2 eta, gamma 0)
    for (const t of [landed + 1, landed + 2]) {
      const e = 1.5 * states[t]!.fit.etaStar.itemSync();
      const prev = states[t - 1]!.lr.itemSync();
      expect(rel(states[t]!.lr.itemSync(), Math.min(Math.max(e, prev / 2), 2 * prev))).toBeLessThan(1e-12);
    }
  });

  it('with a horizon a rejected fit follows s_t too: eta <- gamma eta + (1 - gamma) s_t eta; the non-finite halving is unchanged', () => {
    // b <= 0 on every fit: the direction points downhill (d = -w on |w|^2 / 2)
    const t = scaleByGeN({ lr: 0.1, phi: 1, horizon: 10 });
    const w = tensor([1, -2, 0.5], F64);
    let s = t.init(w);
    for (let i = 0; i < 12; i++) {
      const before = s.lr.itemSync();
      [, s] = t.update(mul(w, -1), s, w, { valueFn: quad });
      expect(s.fit.accepted.itemSync()).toBe(0);
      const st = 0.5 * (1 + Math.cos((Math.PI * Math.min(i, 10)) / 10));
      expect(rel(s.lr.itemSync(), 0.9 * before + 0.1 * st * before)).toBeLessThan(1e-12);
    }
    // without a horizon the rate is kept (the authors' rule), also with a constant scale
    for (const o of [{}, { scale: 0.5 }]) {
      const k = scaleByGeN({ lr: 0.1, phi: 1, ...o });
      expect(k.update(mul(w, -1), k.init(w), w, { valueFn: quad })[1].lr.itemSync()).toBe(0.1);
    }
    // a non-finite probe halves the rate whatever the horizon
    const bad = (p: Tensor) => mul(quad(p), Infinity);
    const hb = scaleByGeN({ lr: 0.1, phi: 1, horizon: 10 });
    expect(hb.update(w, hb.init(w), w, { valueFn: bad })[1].lr.itemSync()).toBe(0.05);
  });

  it('horizon T scales the estimate by s_t = (1 + cos(pi min(t, T) / T)) / 2, reaching 0 at T and staying there', () => {
    const T = 10;
    const { states } = run(
      { lr: 0.1, phi: 1, gamma: 0, clipRatio: Infinity, horizon: T },
      14,
      diag(h),
      tensor(w, F64),
    );
    states.forEach((s, t) => {
      const st = 0.5 * (1 + Math.cos((Math.PI * Math.min(t, T)) / T));
      const e = s.fit.etaStar.itemSync();
      if (s.fit.accepted.itemSync())
        expect(Math.abs(s.lr.itemSync() - st * e)).toBeLessThanOrEqual(1e-12 * e);
    });
    expect(states[10]!.lr.itemSync()).toBe(0);
  });
});

describe('auto never reads back during a step', () => {
  it('GeN-Adam with preset auto runs on a backend that refuses reads', () => {
    const noRead = noReadBackend();
    const w = tensor([1, -2, 0.5], { dtype: 'float32', backend: noRead });
    const opt = genAdam({ preset: 'auto', horizon: 30 });
    const step = trainStep((p: Tensor, x: Tensor) => mul(sum(square(p.add(x))), 0.5), opt, { probe: 'own' });
    let params = w;
    let state = opt.init(w);
    const x = tensor([0.1, 0.2, 0.3], { dtype: 'float32', backend: noRead });
    for (let k = 0; k < 12; k++) ({ params, state } = step(params, state, x));
    expect(() => params.dataSync()).toThrow(/readback/);
  });
});
