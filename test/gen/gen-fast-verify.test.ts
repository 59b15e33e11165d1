/**
 * The `fastDecrease` and `verify` options of `scaleByGeN`: each rule of their documented
 * behaviour on a probe step (float64, one update), validation, the extra evaluation `verify`
 * costs, and that both stay on device (a step on a backend that refuses reads).
 */
import { describe, expect, it } from 'vitest';
import { add, mul, relu, square, sub, sum, tensor, type Tensor } from '@gen-ts/core';
import { genSgd, scaleByGeN, trainStep, type GeNOptions } from '@gen-ts/gen';
import { noReadBackend } from '../support/backends.js';
import { F64 } from './helpers.js';

const quad = (w: Tensor) => mul(sum(square(w)), 0.5); // along d = w: eta* = 1 exactly
const w0 = () => tensor([1, -2, 0.5], F64);

function probe(valueFn: (w: Tensor) => Tensor, d: Tensor, options: GeNOptions, w = w0()) {
  const t = scaleByGeN(options);
  const [u, s] = t.update(d, t.init(w), w, { valueFn });
  return { u: u.toArray() as number[], s, lr: s.lr.itemSync() };
}

describe('fastDecrease', () => {
  it('an accepted eta* below eta is taken at once (times s_t), with no smoothing or lower clip', () => {
    const w = w0();
    // authors' rule from eta = 5: 0.9 * 5 + 0.1 * clip(1, 2.5, 10) = 4.75
    expect(probe(quad, w, { lr: 5 }).lr).toBeCloseTo(4.75, 14);
    expect(probe(quad, w, { lr: 5, fastDecrease: true }).lr).toBeCloseTo(1, 14);
    expect(probe(quad, w, { lr: 5, fastDecrease: true, scale: 0.5 }).lr).toBeCloseTo(0.5, 14);
    // and the update uses it: w - 1 * w = 0
    const wv = w.toArray() as number[];
    probe(quad, w, { lr: 5, fastDecrease: true }).u.forEach((x, i) => expect(x).toBeCloseTo(-wv[i]!, 14));
  });

  it('increases keep the smoothed, clipped rule', () => {
    expect(probe(quad, w0(), { lr: 0.1, fastDecrease: true }).lr).toBeCloseTo(0.9 * 0.1 + 0.1 * 0.2, 14);
    expect(probe(quad, w0(), { lr: 0.1, fastDecrease: true, gamma: 0, clipRatio: 4 }).lr).toBeCloseTo(
      0.4,
      14,
    );
  });

  it('a rejected fit whose probes all raised the loss shrinks the rate; otherwise it is kept', () => {
    const d = mul(w0(), -1); // points downhill: b < 0, rejected
    // eta = 3: w - 3 d = 4 w and w + 3 d = -2 w both raise the loss: the probe step is too long
    const long = probe(quad, d, { lr: 3, fastDecrease: true });
    expect(long.s.fit.accepted.itemSync()).toBe(0);
    expect(long.lr).toBe(1.5);
    expect(probe(quad, d, { lr: 3 }).lr).toBe(3); // the authors' rule keeps it
    expect(probe(quad, d, { lr: 3, fastDecrease: true, safeguard: { nonFiniteFactor: 0.25 } }).lr).toBe(0.75);
    // eta = 0.1: w + 0.1 d = 0.9 w lowers the loss; the direction is wrong, not the step: kept
    expect(probe(quad, d, { lr: 0.1, fastDecrease: true }).lr).toBe(0.1);
  });
});

describe('verify', () => {
  // 0.5 w^2 with a wall once w < 0.4 (1-d, d = w): probes at w = 0.9, 1.1 fit eta* = 1 exactly,
  // which lands at w = 0 behind the wall (loss 40 > 0.5).
  const wall = (w: Tensor) => add(quad(w), mul(sum(relu(sub(0.4, w))), 100));
  const one = () => tensor([1], F64);
  const LS = { gamma: 0, clipRatio: Infinity };

  it('a step that decreases the loss is kept (same rate as without verify), at one more forward', () => {
    let calls = 0;
    const counted = (p: Tensor) => (calls++, quad(p));
    const r = probe(counted, w0(), { lr: 0.1, verify: true });
    expect(r.s.fit.verified.itemSync()).toBe(1);
    expect(r.lr).toBeCloseTo(0.11, 14);
    expect(calls).toBe(4);
    expect(r.s.fit.evals).toBe(4);
    expect(probe(quad, w0(), { lr: 0.1 }).s.fit.verified.itemSync()).toBe(1); // off: reported true
  });

  it('a step that raises the loss falls back to the best descent-side probe that lowered it', () => {
    const plain = probe(wall, one(), { lr: 0.1, ...LS }, one());
    expect(plain.lr).toBeCloseTo(1, 12); // without verify: the step goes through the wall
    const r = probe(wall, one(), { lr: 0.1, ...LS, verify: true }, one());
    expect(r.s.fit.verified.itemSync()).toBe(0);
    expect(r.lr).toBeCloseTo(0.1, 14);
    expect(r.u[0]).toBeCloseTo(-0.1, 14);
    // with factors [-1, 0, 0.5, 1] both descent probes lower the loss; the lower one (x = 0.1) wins
    const f = probe(wall, one(), { lr: 0.1, ...LS, factors: [-1, 0, 0.5, 1], r2Min: 0, verify: true }, one());
    expect(f.lr).toBeCloseTo(0.1, 14);
  });

  it('Armijo: a decrease smaller than armijo * eta * b fails', () => {
    // eta* = 1 lands on w = 0: L drops by L0 = b / 2 (b = |w|^2); fails for armijo > 0.5
    expect(probe(quad, w0(), { lr: 0.1, ...LS, verify: true, armijo: 0.4 }).lr).toBeCloseTo(1, 12);
    const r = probe(quad, w0(), { lr: 0.1, ...LS, verify: true, armijo: 0.6 });
    expect(r.s.fit.verified.itemSync()).toBe(0);
    expect(r.lr).toBeCloseTo(0.1, 14);
  });

  it('when every step tried was too long: skip the step (update 0) and shrink the rate', () => {
    const d = mul(w0(), -1);
    const r = probe(quad, d, { lr: 3, verify: true });
    expect(r.s.fit.verified.itemSync()).toBe(0);
    expect(r.lr).toBe(1.5);
    expect(r.u.map(Math.abs)).toEqual([0, 0, 0]);
  });

  it('when the direction goes uphill (an ascent-side probe lowered the loss): skip the step, keep the rate', () => {
    const r = probe(quad, mul(w0(), -1), { lr: 0.1, verify: true });
    expect(r.s.fit.verified.itemSync()).toBe(0);
    expect(r.lr).toBe(0.1);
    expect(r.u.map(Math.abs)).toEqual([0, 0, 0]);
  });

  it('exact mode: one forward-over-reverse pass plus one forward', () => {
    const r = probe(wall, one(), { lr: 0.1, ...LS, mode: 'exact', verify: true }, one());
    expect(r.s.fit.evals).toBe(2);
    expect(r.s.fit.verified.itemSync()).toBe(0);
    // no probes to fall back to; b > 0: the step was too long, shrunk from 1 and skipped
    expect(r.lr).toBeCloseTo(0.5, 12);
    expect(Math.abs(r.u[0]!)).toBe(0);
  });
});

describe('fastDecrease / verify options', () => {
  it('are validated at construction', () => {
    expect(() => scaleByGeN({ fastDecrease: 'yes' as never })).toThrow(/option fastDecrease/);
    expect(() => scaleByGeN({ verify: 1 as never })).toThrow(/option verify/);
    expect(() => scaleByGeN({ armijo: 1 })).toThrow(/option armijo/);
    expect(() => scaleByGeN({ armijo: -0.1 })).toThrow(/option armijo/);
    expect(() => genSgd({ verfy: true } as never)).toThrow(/unknown option verfy/);
  });

  it('never read back: GeN-GD with both runs on a backend that refuses reads', () => {
    const noRead = noReadBackend();
    const x = tensor([0.1, 0.2, 0.3], { dtype: 'float32', backend: noRead });
    const opt = genSgd({ phi: 1, gamma: 0, clipRatio: 4, fastDecrease: true, verify: true });
    const step = trainStep((p: Tensor, b: Tensor) => mul(sum(square(add(p, b))), 0.5), opt);
    let params = tensor([1, -2, 0.5], { dtype: 'float32', backend: noRead });
    let state = opt.init(params);
    for (let k = 0; k < 3; k++) ({ params, state } = step(params, state, x, mul(x, 2)));
    expect(params.dtype).toBe('float32');
    expect(() => params.dataSync()).toThrow(/readback/);
  });
});
