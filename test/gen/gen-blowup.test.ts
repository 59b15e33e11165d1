/**
 * GeN's blow-up guard (`blowUpRatio`): validation, off by default, the unit rule (the first finite
 * loss sets the limit; a step whose loss is above it and above the last step's is taken at the
 * rate times `safeguard.nonFiniteFactor`, and the rate stays cut), the error when a step carries
 * no loss, and runs it rescues: GeN-GD from a rate that diverges on a quadratic, and GeN-Adam whose
 * momentum carries it uphill on a parabola (float64).
 */
import { describe, expect, it } from 'vitest';
import { add, mul, scalar, slice, sub, sum, square, tensor, valueAndGrad, type Tensor } from '@gen-ts/core';
import {
  applyUpdates,
  findGeNState,
  GEN_AUTO,
  GEN_AUTO_SGD,
  GEN_DEFAULTS,
  genAdam,
  genConfig,
  genSgd,
  scaleByBlockGeN,
  scaleByGeN,
  trainStep,
  type GeNOptions,
  type ScaleByGeNState,
} from '@gen-ts/gen';
import { F64 } from './helpers.js';

const quad = (w: Tensor) => mul(sum(square(w)), 0.5);
const loss = (v: number) => scalar(v, F64);
const take1 = (p: Tensor, i: number) => sum(slice(p, [i], [1]));

describe('blowUpRatio is validated and off unless asked for', () => {
  it("defaults to Infinity (the authors' rule has no guard); preset 'auto' sets 1.25", () => {
    expect(GEN_DEFAULTS.blowUpRatio).toBe(Infinity);
    expect(genConfig({}).blowUpRatio).toBe(Infinity);
    expect(GEN_AUTO.blowUpRatio).toBe(1.25);
    expect(GEN_AUTO_SGD.blowUpRatio).toBe(1.25);
    expect(genConfig({ preset: 'auto', horizon: 10, blowUpRatio: Infinity }).blowUpRatio).toBe(Infinity);
    // off: the state has no limit, and a step without extras between probes is fine
    const t = scaleByGeN({ phi: 100 });
    const w = tensor([1, 2], F64);
    const s0 = t.init(w);
    expect('limit' in s0 || 'last' in s0).toBe(false);
    const s1 = t.update(w, s0, w, { valueFn: quad })[1];
    expect(() => t.update(w, s1, w)).not.toThrow();
  });

  it('bad values name the option; scaleByBlockGeN does not take it', () => {
    expect(() => scaleByGeN({ blowUpRatio: 1 })).toThrow(/option blowUpRatio must be > 1, got 1/);
    expect(() => scaleByGeN({ blowUpRatio: 0.5 })).toThrow(/option blowUpRatio must be > 1/);
    expect(() => scaleByGeN({ blowUpRatio: NaN })).toThrow(/option blowUpRatio/);
    expect(() => scaleByGeN({ blowUpRatio: '2' as never })).toThrow(/option blowUpRatio must be a number/);
    expect(() => scaleByBlockGeN(() => 'all', { blowUpRatio: 2 } as never)).toThrow(
      /scaleByBlockGeN: option blowUpRatio is not supported/,
    );
  });
});

/** GeN with one fit at step 0 (phi 100, fit mode) and the guard on; steps fed hand-made losses. */
function guarded(options: GeNOptions = {}) {
  const t = scaleByGeN({ phi: 100, blowUpRatio: 1.25, ...options });
  const w = tensor([1, -2], F64);
  const d = tensor([0.5, 0.25], F64);
  const step = (s: ScaleByGeNState, value: number) => {
    const [u, next] = t.update(d, s, w, { value: loss(value) });
    // the update is -lr * d at the rate the step was taken at
    const taken = -(u.dataSync()[0] as number) / 0.5;
    return { next, taken };
  };
  return { t, w, d, step };
}

describe('the guard cuts the rate of a step whose loss is above blowUpRatio times the first', () => {
  it('the first loss sets the limit; a step above it and above the last loss is taken and kept cut', () => {
    const { t, w, step } = guarded({ safeguard: { nonFiniteFactor: 0.25 } });
    // step 0 probes (fit mode) with loss L0: the limit is 1.25 L0
    const s = t.update(tensor([1, -2], F64), t.init(w), w, { value: quad(w), valueFn: quad })[1];
    const lr0 = s.lr.itemSync();
    const L0 = quad(w).itemSync();
    expect(s.limit!.itemSync()).toBeCloseTo(1.25 * L0, 12);
    let r = step(s, 1.2 * L0);
    expect(r.taken).toBeCloseTo(lr0, 12);
    expect(r.next.lr.itemSync()).toBe(lr0);
    r = step(r.next, 1.3 * L0);
    expect(r.taken).toBeCloseTo(0.25 * lr0, 12);
    expect(r.next.lr.itemSync()).toBeCloseTo(0.25 * lr0, 12);
    // still above the limit but no longer climbing: nothing more is cut, and the rate stays cut
    r = step(r.next, 1.28 * L0);
    expect(r.taken).toBeCloseTo(0.25 * lr0, 12);
    r = step(r.next, 0.5 * L0);
    expect(r.taken).toBeCloseTo(0.25 * lr0, 12);
    // climbing above it again cuts again
    r = step(r.next, 2 * L0);
    expect(r.taken).toBeCloseTo(0.0625 * lr0, 12);
    r = step(r.next, 1.9 * L0);
    expect(r.taken).toBeCloseTo(0.0625 * lr0, 12);
    expect(r.next.limit!.itemSync()).toBeCloseTo(1.25 * L0, 12);
  });

  it('a NaN first loss leaves the limit to the next probe step; NaN cuts nothing, Infinity cuts', () => {
    // phi 4: steps 0 and 4 probe (fit mode, from valueFn); the steps between carry only a loss
    const t = scaleByGeN({ phi: 4, blowUpRatio: 1.25 });
    const w = tensor([1, -2], F64);
    const d = tensor([0.5, 0.25], F64);
    const at = (s: ScaleByGeNState, value: number) =>
      t.update(d, s, w, { value: loss(value), valueFn: quad })[1];
    let s = at(t.init(w), NaN);
    expect(Number.isNaN(s.limit!.itemSync())).toBe(true);
    s = at(s, 2);
    s = at(s, 100); // no limit yet: nothing is cut between probes
    const lr0 = s.lr.itemSync();
    s = at(s, 200);
    expect(s.lr.itemSync()).toBe(lr0);
    s = at(s, 2); // step 4 probes: the limit is set from its loss, 2.5
    expect(s.limit!.itemSync()).toBe(2.5);
    const lr1 = s.lr.itemSync();
    s = at(s, 3);
    expect(s.lr.itemSync()).toBeCloseTo(0.5 * lr1, 12);
    s = at(s, Infinity);
    expect(s.lr.itemSync()).toBeCloseTo(0.25 * lr1, 12);
    // NaN compares false: nothing is cut, and the next step has no last loss to climb above
    // (trainStep skips a NaN step, keeping the state as it was)
    s = at(s, 1);
    s = at(s, NaN); // step 8 probes: its fit halves the rate for the non-finite loss, the guard cuts nothing
    const lr2 = s.lr.itemSync();
    s = at(s, 4);
    expect(s.lr.itemSync()).toBe(lr2);
    s = at(s, 5);
    expect(s.lr.itemSync()).toBeCloseTo(0.5 * lr2, 12);
    expect(s.limit!.itemSync()).toBe(2.5);
  });

  it('a step with no loss in its extras is an error naming the option', () => {
    const { t, w } = guarded();
    const s = t.update(tensor([1, -2], F64), t.init(w), w, { value: quad(w), valueFn: quad })[1];
    expect(() => t.update(w, s, w)).toThrow(
      /step 1: option blowUpRatio watches every step's loss and needs it/,
    );
    expect(() => t.update(w, s, w, {})).toThrow(/extra.value .* or extra.own/);
    // extra.own is enough (trainStep passes it)
    expect(() => t.update(w, s, w, { own: { value: quad(w), grad: w, valueFn: quad } })).not.toThrow();
  });
});

describe('the guard brings back a run that diverges', () => {
  // GD on 0.5 |w|^2 (curvature 1) is stable for rates below 2. From 2.5, one fit every 50 steps,
  // smoothed (gamma 0.9), moves the rate only to 2.375 at step 0: each step multiplies w by -1.375,
  // the loss by 1.89, until the next fit. The guard halves the rate on the first step above 1.25 L0.
  const runOf = (options: GeNOptions) => {
    const opt = scaleByGeN({ phi: 50, lr: 2.5, ...options });
    const step = trainStep((w: Tensor, _b: null) => quad(w), opt, { probe: 'own' });
    let w: Tensor = tensor([1, -2, 0.5], F64);
    let s = opt.init(w);
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = step(w, s, null);
      w = r.params;
      s = r.state;
      losses.push(r.loss.itemSync());
    }
    return { losses, lr: findGeNState(s)!.lr.itemSync() };
  };

  it('without it the loss grows 1e4-fold in 20 steps; with it the run converges and no step is above 2.25 L0', () => {
    const off = runOf({});
    expect(off.losses.at(-1)! / off.losses[0]!).toBeGreaterThan(1e4);
    const on = runOf({ blowUpRatio: 1.25 });
    const L0 = on.losses[0]!;
    expect(Math.max(...on.losses)).toBeLessThanOrEqual(2.25 * L0 * (1 + 1e-12));
    expect(on.losses.at(-1)! / L0).toBeLessThan(1e-6);
    // the rate was cut into GD's stable range (0, 2)
    expect(on.lr).toBeGreaterThan(0);
    expect(on.lr).toBeLessThan(2);
  });

  it('a loss that stays above the limit while it falls is left alone: GeN-Adam comes back down', () => {
    // From eta_0 1e-4 the warm-up doubles the rate to 1.3 and Adam's momentum carries the point
    // past the minimum and up the far side, above 1.25 L0 for several steps. Cutting on every
    // step above the limit ground the rate to 1e-70 there and left the loss at 63.7 (L0 = 49).
    const parabola = (p: Tensor) => add(square(sub(take1(p, 0), 1)), mul(square(add(take1(p, 1), 2)), 5));
    const opt = genAdam({ preset: 'auto', horizon: 300, lr: 1e-4 });
    const vg = valueAndGrad(parabola);
    let p: Tensor = tensor([-1, 1], F64);
    let s = opt.init(p);
    const losses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const [value, g] = vg(p) as [Tensor, Tensor];
      const [u, next] = opt.update(g, s, p, { valueFn: parabola, value, grad: g });
      p = applyUpdates(p, u);
      s = next;
      losses.push(value.itemSync());
    }
    expect(Math.max(...losses)).toBeGreaterThan(1.25 * losses[0]!);
    expect(parabola(p).itemSync()).toBeLessThan(1e-10);
  });

  it("genSgd's preset 'auto' carries the guard into trainStep", () => {
    const opt = genSgd({ preset: 'auto', horizon: 100, lr: 0.1 });
    const w = tensor([1, 2], F64);
    expect(findGeNState(opt.init(w))!.limit).toBeDefined();
  });
});
