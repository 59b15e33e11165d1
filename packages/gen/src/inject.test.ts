/**
 * Issue 13 items 2 and 11: scheduled hyperparameters keep the state's layout (sgd and rmsprop with
 * a momentum that starts at 0), rmsprop's momentum follows optax's order under a schedule, a
 * schedule may reach lr = 0, and GeN's `lr` (the initial rate only) is not offered as a
 * hyperparameter that would do nothing.
 */
import { describe, expect, it } from 'vitest';
import { add, mul, square, sum, tensor, type Tensor } from '@gen-ts/core';
import * as G from './index.js';

const f64 = { dtype: 'float64' as const };
const g0 = () => tensor([0.5, -2, 1.25], f64);
// a gradient that changes from step to step, so momentum and schedules matter
const gradAt = (t: number) => mul(g0(), 1 + 0.3 * t);
const arr = (t: Tensor) => Array.from(t.dataSync());
const close = (a: Tensor, b: number[]) =>
  arr(a).forEach((x, i) => expect(Math.abs(x - b[i]!)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(b[i]!))));

function run(opt: G.GradientTransformation<any, any>, steps: number): Tensor[] {
  const p = g0();
  let s = opt.init(p);
  const out: Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const [u, ns] = opt.update(gradAt(t), s, p);
    out.push(u);
    s = ns;
  }
  return out;
}

describe('scheduled momentum (issue 13 item 2)', () => {
  it('injectHyperparams(sgd) with a momentum from 0 runs and is heavy ball with momentum beta_t', () => {
    const beta = G.linearSchedule(0, 0.9, 10);
    const got = run(G.injectHyperparams(G.sgd)({ lr: 0.1, momentum: beta }), 14);
    let m = [0, 0, 0];
    got.forEach((u, t) => {
      m = arr(gradAt(t)).map((g, i) => g + beta(t) * m[i]!);
      close(
        u,
        m.map((x) => -0.1 * x),
      );
    });
  });

  it('sgd keeps a trace whenever momentum is given, 0 included (optax: momentum not None)', () => {
    const p = g0();
    expect(G.sgd({ lr: 0.1, momentum: 0 }).init(p)[0]).toHaveProperty('trace');
    expect(G.sgd({ lr: 0.1 }).init(p)[0]).toEqual({});
    expect(() => G.sgd({ lr: 0.1, nesterov: true })).toThrow(/sgd: option nesterov needs a momentum/);
  });

  it('rmsprop applies the momentum after the learning rate, as optax, under an lr schedule', () => {
    const lr = G.linearSchedule(0.1, 0.01, 5);
    const [decay, eps, beta] = [0.9, 1e-8, 0.5];
    const got = run(G.rmsprop({ lr, decay, eps, momentum: beta }), 8);
    let nu = [0, 0, 0];
    let m = [0, 0, 0];
    got.forEach((u, t) => {
      const g = arr(gradAt(t));
      nu = g.map((x, i) => decay * nu[i]! + (1 - decay) * x * x);
      // optax: chain(scale_by_rms, scale_by_learning_rate, trace): m_t = -lr_t u_t + beta m_{t-1}
      m = g.map((x, i) => -lr(t) * (x / Math.sqrt(nu[i]! + eps)) + beta * m[i]!);
      close(u, m);
    });
    // differs from scaling the accumulated direction: -lr_t (u_t + beta m'_{t-1})
    const lateFirst = arr(got[3]!)[0]!;
    const u = (t: number) => {
      const n = Array.from({ length: t + 1 }, (_, k) => k).reduce(
        (acc, k) => decay * acc + (1 - decay) * arr(gradAt(k))[0]! ** 2,
        0,
      );
      return arr(gradAt(t))[0]! / Math.sqrt(n + eps);
    };
    const before = -lr(3) * (u(3) + beta * (u(2) + beta * (u(1) + beta * u(0))));
    expect(Math.abs(lateFirst - before)).toBeGreaterThan(1e-3);
  });

  it('injectHyperparams(rmsprop) with a momentum from 0 runs and matches rmsprop with that momentum', () => {
    const beta = G.linearSchedule(0, 0.5, 4);
    const inj = run(G.injectHyperparams(G.rmsprop)({ lr: 0.05, momentum: beta }), 6);
    const rms = G.scaleByRms();
    let s = rms.init(g0());
    let m = tensor([0, 0, 0], f64);
    inj.forEach((u, t) => {
      const [d, ns] = rms.update(gradAt(t), s);
      s = ns;
      m = add(mul(d, -0.05), mul(m, beta(t)));
      close(u, arr(m));
    });
  });

  it('a schedule may reach 0 (cosine decay, warm-up from 0); constant options are still checked', () => {
    const steps = run(G.injectHyperparams(G.adam)({ lr: G.cosineDecaySchedule(0.1, 3) }), 6);
    expect(arr(steps[5]!).every((x) => x === 0)).toBe(true);
    const warm = run(G.injectHyperparams(G.sgd)({ lr: G.linearSchedule(0, 0.1, 4) }), 2);
    expect(arr(warm[0]!).every((x) => x === 0)).toBe(true);
    expect(() => G.injectHyperparams(G.adam)({ lr: 0 })).toThrow(/adam: option lr must be > 0/);
    expect(() => G.injectHyperparams(G.adam)({ lr: 0.1, beta1: 0.9 } as never)).toThrow(
      /adam: unknown option beta1 \(did you mean b1\?\)/,
    );
    expect(() => G.injectHyperparams(G.adam)(0.1 as never)).toThrow(
      /injectHyperparams\(adam\)\(\{ lr: 0.1 \}\)/,
    );
  });

  it('a hyperparameter the optimizer does not have cannot be written', () => {
    const opt = G.injectHyperparams(G.adam)({ lr: 0.1 });
    const p = g0();
    const s = opt.init(p);
    expect(() => opt.update(g0(), { ...s, hyperparams: { ...s.hyperparams, b1: 0.5 } })).toThrow(
      /hyperparams\.b1 is not a hyperparameter of this optimizer \(they are: lr\)/,
    );
  });
});

describe('injectHyperparams with GeN (issue 13 item 11)', () => {
  const valueFn = (w: Tensor) => mul(sum(square(w)), 0.5);

  it("GeN's lr seeds the state's rate and is not a hyperparameter; the rate in effect is findGeNState(state).lr", () => {
    const opt = G.injectHyperparams(G.genSgd)({ lr: 0.1, phi: 1, gamma: 0.5 });
    const plain = G.genSgd({ lr: 0.1, phi: 1, gamma: 0.5 });
    const p = g0();
    let s = opt.init(p);
    let sp = plain.init(p);
    expect(s.hyperparams).toEqual({ phi: 1, gamma: 0.5 });
    for (let t = 0; t < 3; t++) {
      const [u, ns] = opt.update(gradAt(t), s, p, { valueFn });
      const [up, nsp] = plain.update(gradAt(t), sp, p, { valueFn });
      close(u, arr(up));
      [s, sp] = [ns, nsp];
    }
    const rate = G.findGeNState(s)!.lr.itemSync();
    expect(rate).toBe(G.findGeNState(sp)!.lr.itemSync());
    expect(rate).not.toBe(0.1); // GeN moved it: a stored 0.1 would have reported a rate not in effect
  });

  it('writing or scheduling GeN lr throws, pointing at the state', () => {
    const opt = G.injectHyperparams(G.genAdam)({ lr: 0.1 });
    const s = opt.init(g0());
    expect(() =>
      opt.update(g0(), { ...s, hyperparams: { ...s.hyperparams, lr: 0.5 } }, g0(), { valueFn }),
    ).toThrow(/hyperparams\.lr is not a hyperparameter.*findGeNState\(state\)\.lr/);
    expect(() => G.injectHyperparams(G.genSgd)({ lr: G.linearSchedule(0.1, 0.01, 10) })).toThrow(
      /option lr cannot be scheduled.*findGeNState\(state\)\.lr/,
    );
  });

  it("GeN's other options can be scheduled: a gamma schedule equals genSgd at each step's gamma", () => {
    const gamma = G.linearSchedule(0.9, 0, 2);
    const opt = G.injectHyperparams(G.genSgd)({ lr: 0.1, phi: 1, gamma });
    const p = g0();
    let s = opt.init(p);
    let lr = tensor(0.1, f64);
    for (let t = 0; t < 3; t++) {
      const ref = G.scaleByGeN({ lr: 0.1, phi: 1, gamma: gamma(t) });
      const [ur, sr] = ref.update(gradAt(t), { ...ref.init(p), lr }, p, { valueFn });
      const [u, ns] = opt.update(gradAt(t), s, p, { valueFn });
      close(u, arr(ur));
      [s, lr] = [ns, sr.lr];
    }
  });
});
