/**
 * Issue 13 item 10, the non-finite guard: a skipped step leaves the params exactly as they were,
 * in `scaleByGeN` (a non-finite direction or loss at `w` on a probe step, and `verify`'s skips) and in
 * `trainStep` (a non-finite loss, gradient or update: params and the optimizer state's tensors
 * kept), decided on device.
 */
import { describe, expect, it } from 'vitest';
import { abs, add, mul, sqrt, square, sum, tensor, type Tensor } from '@gen-ts/core';
import { adam, findGeNState, genAdam, genSgd, scaleByGeN, sgd, trainStep } from '@gen-ts/gen';
import { F64 } from './helpers.js';

const quad = (w: Tensor) => mul(sum(square(w)), 0.5);
const w0 = () => tensor([1, -2, 0.5], F64);
const nanDir = () => tensor([0.3, NaN, -0.1], F64);
const arr = (t: Tensor) => Array.from(t.dataSync());
type Batch = Tensor;
const loss = (w: Tensor, b: Batch) => mul(sum(square(add(w, b))), 0.5);
const good = (k: number) => tensor([0.1 * k, -0.2, 0.3], F64);
const poisoned = () => tensor([0.1, NaN, 0.3], F64);

describe('scaleByGeN skips a non-finite step with a where, never 0 * NaN', () => {
  for (const verify of [false, true]) {
    it(`a NaN direction on a probe step: update 0 everywhere, rate kept, skipped (verify ${verify})`, () => {
      const t = scaleByGeN({ lr: 0.1, phi: 1, verify });
      const [u, s] = t.update(nanDir(), t.init(w0()), w0(), { valueFn: quad });
      expect(arr(u).every((x) => x === 0)).toBe(true);
      expect(s.lr.itemSync()).toBe(0.1);
      expect(s.fit.skipped.itemSync()).toBe(1);
      expect(s.fit.accepted.itemSync()).toBe(0);
    });
  }

  it('between probes the update is -lr * d, as any learning rate: trainStep is what guards those steps', () => {
    const t = scaleByGeN({ lr: 0.1, phi: 2 });
    const [, s1] = t.update(w0(), t.init(w0()), w0(), { valueFn: quad });
    const [u, s2] = t.update(nanDir(), s1, w0());
    const lr = s1.lr.itemSync();
    expect(arr(u).map((x) => (Number.isNaN(x) ? 'NaN' : x))).toEqual([-lr * 0.3, 'NaN', lr * 0.1]);
    expect(s2.lr.itemSync()).toBe(lr);
    const opt = genSgd({ lr: 0.1, phi: 2 });
    const step = trainStep(loss, opt);
    const r0 = step(w0(), opt.init(w0()), good(1), good(2));
    const p0 = arr(r0.params); // read now: the next step takes back what this one returned
    const r1 = step(r0.params, r0.state, poisoned(), good(3)); // step 1: not a probe step
    expect(r1.applied.itemSync()).toBe(0);
    expect(arr(r1.params)).toEqual(p0);
  });

  it('an infinite direction is skipped too; a finite one is not', () => {
    const t = scaleByGeN({ lr: 0.1, phi: 1 });
    const [u] = t.update(tensor([Infinity, 1, 1], F64), t.init(w0()), w0(), { valueFn: quad });
    expect(arr(u).every((x) => x === 0)).toBe(true);
    const [v, s] = t.update(w0(), t.init(w0()), w0(), { valueFn: quad });
    expect(s.fit.skipped.itemSync()).toBe(0);
    expect(arr(v).every((x, i) => x === -s.lr.itemSync() * arr(w0())[i]!)).toBe(true);
  });

  it('a non-finite loss at w (the probe data): step skipped; the rate follows the non-finite rule', () => {
    const t = scaleByGeN({ lr: 0.1, phi: 1 });
    const bad = (w: Tensor) => add(quad(w), NaN);
    const [u, s] = t.update(w0(), t.init(w0()), w0(), { valueFn: bad });
    expect(arr(u).every((x) => x === 0)).toBe(true);
    expect(s.fit.skipped.itemSync()).toBe(1);
    expect(s.lr.itemSync()).toBe(0.05); // a non-finite probe loss halves the rate (nonFiniteFactor)
  });

  it("verify's skip with a finite direction still gives exact zeros", () => {
    // b < 0: d points downhill, every descent-side probe raises the loss, verify fails and skips
    const t = scaleByGeN({ lr: 0.1, phi: 1, verify: true });
    const [u, s] = t.update(mul(w0(), -1), t.init(w0()), w0(), { valueFn: quad });
    expect(s.fit.verified.itemSync()).toBe(0);
    expect(s.fit.skipped.itemSync()).toBe(1);
    expect(arr(u).every((x) => x === 0)).toBe(true);
  });
});

describe('trainStep skips a step whose loss, gradient or updates are not finite', () => {
  it('a NaN in the batch: params, Adam moments and the GeN rate kept exactly; applied false', () => {
    const opt = genAdam({ lr: 0.05, phi: 1 });
    const step = trainStep(loss, opt);
    const r0 = step(w0(), opt.init(w0()), good(1), good(2));
    // read now: the next step takes back the params and state this one returned
    const [adam0, gen0] = r0.state;
    const before = {
      p: arr(r0.params),
      mu: arr(adam0.mu as Tensor),
      nu: arr(adam0.nu as Tensor),
      lr: gen0.lr.itemSync(),
    };
    const r1 = step(r0.params, r0.state, poisoned(), good(3));
    expect(r1.applied.itemSync()).toBe(0);
    expect(r0.applied.itemSync()).toBe(1);
    expect(arr(r1.params)).toEqual(before.p);
    const [adam1, gen1] = r1.state;
    expect(arr(adam1.mu as Tensor)).toEqual(before.mu);
    expect(arr(adam1.nu as Tensor)).toEqual(before.nu);
    expect(gen1.lr.itemSync()).toBe(before.lr);
    expect(arr(r1.params).every(Number.isFinite)).toBe(true);
  });

  it('a NaN in the probe batch only: the step is skipped by GeN, the params kept', () => {
    const opt = genSgd({ lr: 0.05, phi: 1 });
    const step = trainStep(loss, opt);
    const r = step(w0(), opt.init(w0()), good(1), poisoned());
    expect(arr(r.params)).toEqual(arr(w0()));
    expect(findGeNState(r.state)!.fit.skipped.itemSync()).toBe(1);
  });

  it('a skipped batch changes nothing: sgd and GeN-SGD (phi 1) continue as if it was not there', () => {
    for (const opt of [sgd({ lr: 0.1 }), genSgd({ lr: 0.05, phi: 1 })]) {
      const step = trainStep(loss, opt);
      let [p, s] = [w0(), opt.init(w0())];
      let [q, t] = [w0(), opt.init(w0())];
      for (let k = 0; k < 4; k++) {
        ({ params: p, state: s } = step(p, s, good(k), good(k + 1)));
        if (k === 1) ({ params: q, state: t } = step(q, t, poisoned(), good(k + 1)));
        ({ params: q, state: t } = step(q, t, good(k), good(k + 1)));
      }
      expect(arr(q)).toEqual(arr(p));
    }
  });

  it('an infinite gradient with a finite loss is skipped (sqrt|w| at 0)', () => {
    const opt = adam({ lr: 0.1 });
    const step = trainStep((w: Tensor) => sum(sqrt(abs(w))), opt);
    const w = tensor([0, 1], F64);
    const r = step(w, opt.init(w), tensor(0, F64));
    expect(r.loss.itemSync()).toBe(1);
    expect(r.applied.itemSync()).toBe(0);
    expect(arr(r.params)).toEqual([0, 1]);
  });

  it('skipNonFinite: false applies the step as computed (NaN reaches the params)', () => {
    const opt = sgd({ lr: 0.1 });
    const step = trainStep(loss, opt, { skipNonFinite: false });
    const r = step(w0(), opt.init(w0()), poisoned());
    expect(Number.isNaN(arr(r.params)[1])).toBe(true);
    expect(r.applied.itemSync()).toBe(1);
  });
});
