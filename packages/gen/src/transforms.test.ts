/** optax-style properties of the protocol, building blocks, aliases and schedules. */
import { describe, expect, it } from 'vitest';
import { sin, square, sum, tensor, valueAndGrad, add, type Tensor } from '@gen-ts/core';
import * as G from './index.js';
import type { GradientTransformation } from './index.js';

type P = { w: Tensor; b: Tensor };
const params = (dtype: 'float32' | 'float64' = 'float64'): P => ({
  w: tensor(
    [
      [0.5, -1],
      [2, 0.25],
    ],
    { dtype },
  ),
  b: tensor([0.1, -0.3], { dtype }),
});
const loss = (p: P) => add(sum(square(p.w)), sum(sin(p.b)));
const grads = (p: P) => valueAndGrad(loss)(p)[1] as P;
const arr = (t: Tensor) => Array.from(t.dataSync());

/** Runs `steps` updates with fixed gradients; returns the update trees. */
function roll(opt: GradientTransformation<any, any>, p: P, steps: number, extra?: object): P[] {
  let s = opt.init(p);
  const out: P[] = [];
  for (let i = 0; i < steps; i++) {
    const [u, ns] = opt.update(grads(p), s, p, extra);
    out.push(u);
    s = ns;
  }
  return out;
}
const expectTreesClose = (a: P[], b: P[], digits = 12) =>
  a.forEach((u, i) => {
    arr(u.w).forEach((x, j) => expect(x).toBeCloseTo(arr(b[i]!.w)[j]!, digits));
    arr(u.b).forEach((x, j) => expect(x).toBeCloseTo(arr(b[i]!.b)[j]!, digits));
  });

const PLAIN: Record<string, () => GradientTransformation<any, any>> = {
  identity: () => G.identity(),
  setToZero: () => G.setToZero(),
  scale: () => G.scale(-0.5),
  scaleByLearningRate: () => G.scaleByLearningRate(G.cosineDecaySchedule(0.1, 10)),
  scaleByAdam: () => G.scaleByAdam(),
  scaleByRms: () => G.scaleByRms(),
  scaleByRss: () => G.scaleByRss(),
  trace: () => G.trace(0.9, true),
  addDecayedWeights: () => G.addDecayedWeights(1e-2),
  clipByGlobalNorm: () => G.clipByGlobalNorm(0.5),
  clip: () => G.clip(0.3),
  scaleByLion: () => G.scaleByLion(),
  sgd: () => G.sgd({ lr: 0.1, momentum: 0.9 }),
  momentum: () => G.momentum({ lr: 0.1 }),
  adam: () => G.adam({ lr: 0.1 }),
  adamw: () => G.adamw({ lr: 0.1 }),
  rmsprop: () => G.rmsprop({ lr: 0.1, momentum: 0.5 }),
  adagrad: () => G.adagrad({ lr: 0.1 }),
  lion: () => G.lion({ lr: 0.1 }),
  injectAdam: () => G.injectHyperparams(G.adam)({ lr: 0.1 }),
  namedChain: () => G.namedChain({ clip: G.clipByGlobalNorm(1), adam: G.scaleByAdam() }),
  partition: () => G.partition({ a: G.adam({ lr: 0.1 }), s: G.sgd({ lr: 0.1 }) }, { w: 'a', b: 's' }),
  masked: () => G.masked(G.scale(2), { w: true, b: false }),
};

describe('every transform', () => {
  for (const [name, make] of Object.entries(PLAIN)) {
    it(`${name}: ignores extras it does not need, keeps float32, is pure`, () => {
      const p = params();
      const extra = {
        value: loss(p),
        valueFn: () => {
          throw new Error('must not be called');
        },
        other: 1,
      };
      expectTreesClose(roll(make(), p, 3, extra), roll(make(), p, 3), 15);
      // float32 params -> float32 updates
      const p32 = params('float32');
      const t = make();
      const [u] = t.update(grads(p32), t.init(p32), p32);
      expect(u.w.dtype).toBe('float32');
      expect(u.b.dtype).toBe('float32');
      // pure: the same (frozen) state gives the same result twice
      const s0 = Object.freeze(t.init(p));
      const [u1] = t.update(grads(p), s0, p);
      const [u2] = t.update(grads(p), s0, p);
      expectTreesClose([u1], [u2], 15);
    });
  }

  it('GeN aliases keep float32 too (learning rate state in the params dtype)', () => {
    const p32 = params('float32');
    for (const t of [
      G.genSgd(),
      G.genMomentum(),
      G.genAdam(),
      G.genAdamW(),
      G.scaleByGeN({ mode: 'exact' }),
    ] as GradientTransformation<any, any>[]) {
      const [u, s] = t.update(grads(p32), t.init(p32), p32, { valueFn: loss });
      expect(u.w.dtype).toBe('float32');
      expect(G.findGeNState(s)!.lr.dtype).toBe('float32');
    }
  });
});

describe('equivalences', () => {
  it('injectHyperparams(adam) equals adam; its lr is readable and writable', () => {
    const p = params();
    const inj = G.injectHyperparams(G.adam)({ lr: 0.1, b1: 0.8 });
    expectTreesClose(roll(inj, p, 5), roll(G.adam({ lr: 0.1, b1: 0.8 }), p, 5), 14);
    let s = inj.init(p);
    expect(s.hyperparams.lr).toBe(0.1);
    s = { ...s, hyperparams: { ...s.hyperparams, lr: 0.01 } };
    const [u] = inj.update(grads(p), s, p);
    const [ua] = G.adam({ lr: 0.01, b1: 0.8 }).update(grads(p), G.adam({ lr: 0.01 }).init(p), p);
    expectTreesClose([u], [ua], 14);
    // a schedule is evaluated at the count and stored
    const sch = G.injectHyperparams(G.sgd)({ lr: G.linearSchedule(1, 0, 10) });
    let ss = sch.init(p);
    [, ss] = sch.update(grads(p), ss, p);
    [, ss] = sch.update(grads(p), ss, p);
    expect(ss.hyperparams.lr).toBeCloseTo(0.9, 15);
  });

  it('scaleByRms (bias-corrected, eps outside the root) equals scaleByAdam with b1 = 0', () => {
    const p = params();
    const rms = G.scaleByRms({ decay: 0.99, eps: 1e-8, epsInSqrt: false, biasCorrection: true });
    expectTreesClose(roll(rms, p, 5), roll(G.scaleByAdam({ b1: 0, b2: 0.99, eps: 1e-8 }), p, 5), 14);
  });

  it('chain composes in order and namedChain equals chain', () => {
    const p = params();
    expectTreesClose(
      roll(G.chain(G.scaleByAdam(), G.scaleByLearningRate(0.1)), p, 3),
      roll(G.adam({ lr: 0.1 }), p, 3),
      15,
    );
    expectTreesClose(
      roll(G.namedChain({ adam: G.scaleByAdam(), lr: G.scaleByLearningRate(0.1) }), p, 3),
      roll(G.adam({ lr: 0.1 }), p, 3),
      15,
    );
    expect(Object.keys(G.namedChain({ adam: G.scaleByAdam(), lr: G.scale(1) }).init(p))).toEqual([
      'adam',
      'lr',
    ]);
  });

  it('partition routes leaves by label; masked leaves others unchanged; setToZero freezes', () => {
    const p = params();
    const g = grads(p);
    const part = G.partition({ frozen: G.setToZero(), train: G.sgd({ lr: 0.5 }) }, (q: P) => ({
      w: 'train',
      b: Object.keys(q).length ? 'frozen' : 'train',
    }));
    const [u] = part.update(g, part.init(p), p);
    expect(arr(u.b)).toEqual([0, 0]);
    expect(arr(u.w)).toEqual(arr(g.w).map((x) => -0.5 * x));
    expect(() => G.partition({ a: G.identity() }, { w: 'a', b: 'zzz' }).init(p)).toThrow(/label "zzz"/);
    const m = G.masked(G.scale(3), { w: false, b: true });
    const [um] = m.update(g, m.init(p), p);
    expect(arr(um.w)).toEqual(arr(g.w));
    expect(arr(um.b)).toEqual(arr(g.b).map((x) => 3 * x));
  });

  it('clipByGlobalNorm, clip, addDecayedWeights, trace and applyUpdates do what they say', () => {
    const p = params();
    const g = grads(p);
    const n = Math.sqrt([...arr(g.w), ...arr(g.b)].reduce((s, x) => s + x * x, 0));
    const [c] = G.clipByGlobalNorm(1).update(g, {}, p);
    expect(Math.sqrt([...arr(c.w), ...arr(c.b)].reduce((s, x) => s + x * x, 0))).toBeCloseTo(
      Math.min(n, 1),
      14,
    );
    const [k] = G.clip(0.3).update(g, {}, p);
    expect(Math.max(...arr(k.w).map(Math.abs))).toBeLessThanOrEqual(0.3);
    const [d] = G.addDecayedWeights(0.1).update(g, {}, p);
    expect(arr(d.b)).toEqual(arr(g.b).map((x, i) => x + 0.1 * arr(p.b)[i]!));
    expect(() => G.addDecayedWeights(0.1).update(g, {})).toThrow(/needs params/);
    const tr = G.trace(0.5);
    const [, s1] = tr.update(g, tr.init(p), p);
    const [t2] = tr.update(g, s1, p);
    expect(arr(t2.b)).toEqual(arr(g.b).map((x) => x + 0.5 * x));
    const a = G.applyUpdates(params('float32'), g);
    expect(a.w.dtype).toBe('float32');
  });
});

describe('schedules', () => {
  it('match their formulas', () => {
    expect(G.constantSchedule(3)(100)).toBe(3);
    const lin = G.linearSchedule(1, 0, 10, 5);
    expect([lin(0), lin(5), lin(10), lin(15), lin(99)]).toEqual([1, 1, 0.5, 0, 0]);
    const cos = G.cosineDecaySchedule(2, 10, 0.1);
    expect(cos(0)).toBeCloseTo(2, 15);
    expect(cos(5)).toBeCloseTo(2 * (0.9 * 0.5 + 0.1), 15);
    expect(cos(20)).toBeCloseTo(0.2, 15);
    const wc = G.warmupCosineDecaySchedule(0, 1, 10, 110, 0.1);
    expect([wc(0), wc(5), wc(10)]).toEqual([0, 0.5, 1]);
    expect(wc(60)).toBeCloseTo(0.55, 15);
    expect(wc(110)).toBeCloseTo(0.1, 15);
    const ex = G.exponentialDecay(1, 10, 0.5, { staircase: true, endValue: 0.2 });
    expect([ex(9), ex(10), ex(25), ex(1000)]).toEqual([1, 0.5, 0.25, 0.2]);
    const pw = G.piecewiseConstantSchedule(1, { 10: 0.1, 20: 0.5 });
    expect([pw(9), pw(10), pw(20)].map((x) => +x.toFixed(12))).toEqual([1, 0.1, 0.05]);
    const j = G.joinSchedules([G.constantSchedule(1), G.linearSchedule(1, 0, 4)], [3]);
    expect([j(2), j(3), j(5)]).toEqual([1, 1, 0.5]);
  });

  it('reject bad arguments at construction, naming them', () => {
    expect(() => G.linearSchedule(1, 0, 0)).toThrow(/transitionSteps/);
    expect(() => G.cosineDecaySchedule(1, -1)).toThrow(/decaySteps/);
    expect(() => G.warmupCosineDecaySchedule(0, 1, 10, 5)).toThrow(/decaySteps/);
    expect(() => G.joinSchedules([G.constantSchedule(1)], [3])).toThrow(/one more schedule/);
    expect(() => G.scaleByAdam({ b1: 1 })).toThrow(/option b1/);
    expect(() => G.scaleByLearningRate(NaN)).toThrow(/option lr/);
  });
});
