/**
 * The peers in the optax protocol: each ignores extras it does not read, fails clearly when a
 * required extra (or `params`) is missing, rejects bad and unknown options at construction, works
 * under `injectHyperparams` (same steps as the plain factory; a changed hyperparameter takes
 * effect), and keeps its statistics on the device (a step runs on a backend that refuses reads).
 */
import { describe, expect, it } from 'vitest';
import {
  add,
  mul,
  sin,
  square,
  sum,
  tensor,
  treeScale,
  valueAndGrad,
  type Backend,
  type Tensor,
} from '@gen-ts/core';
import * as G from '@gen-ts/gen';
import type { GradientTransformation } from '@gen-ts/gen';
import { noReadBackend } from '../support/backends.js';

const F64 = { dtype: 'float64' as const };
type P = { a: Tensor; b: Tensor };
const loss = (p: P): Tensor => add(sum(square(add(p.a, 0.5))), sum(mul(sin(p.b), 2)));
const p0 = (backend?: Backend): P => ({
  a: tensor([0.3, -1.2, 2], { ...F64, backend }),
  b: tensor([[0.7], [-0.4]], { ...F64, backend }),
});

/** Factory, options, the extras it needs, and the hyperparameter the injection test halves. */
type Entry = [
  string,
  (o: any) => GradientTransformation<any, any>,
  object,
  readonly ('value' | 'grad' | 'valueFn')[],
  string,
];
const PEERS: Entry[] = [
  ['prodigy', G.prodigy, { lr: 0.5 }, [], 'lr'],
  ['dAdaptAdam', G.dAdaptAdam, { lr: 0.5 }, [], 'lr'],
  ['dAdaptSgd', G.dAdaptSgd, { lr: 0.5, momentum: 0.5 }, [], 'lr'],
  ['dog', G.dog, { lr: 0.5 }, [], 'lr'],
  ['scheduleFreeSgd', G.scheduleFreeSgd, { lr: 0.1 }, [], 'lr'],
  ['scheduleFreeAdamW', G.scheduleFreeAdamW, { lr: 0.1 }, [], 'lr'],
  ['polyakSgd', G.polyakSgd, { maxLr: 0.5, scaling: 1 }, ['value'], 'scaling'],
  [
    'scaleByBacktrackingLinesearch',
    G.scaleByBacktrackingLinesearch,
    { maxBacktrackingSteps: 10, maxLearningRate: 1 },
    ['value', 'grad', 'valueFn'],
    'maxLearningRate',
  ],
  ['reduceOnPlateau', G.reduceOnPlateau, { patience: 1, factor: 0.5 }, ['value'], 'factor'],
];

/** Runs `steps` steps; `extras(p)` builds the extras at params p. The line search needs a descent step: -g. */
function run(
  opt: GradientTransformation<any, any>,
  name: string,
  extras: (p: P, v: Tensor, g: P) => object,
  steps = 3,
  start = p0(),
) {
  let p = start;
  let s = opt.init(p);
  const vg = valueAndGrad(loss);
  const ups: unknown[] = [];
  for (let t = 0; t < steps; t++) {
    const [v, g] = vg(p) as [Tensor, P];
    const u0 = name === 'scaleByBacktrackingLinesearch' ? treeScale(g, -1) : g;
    const [u, next] = opt.update(u0, s, p, extras(p, v, g));
    ups.push(u);
    [p, s] = [G.applyUpdates(p, u), next];
  }
  return { p, s, ups };
}

const pick = (need: Entry[3]) => (_p: P, value: Tensor, grad: P) => {
  const all = { value, grad, valueFn: loss };
  return Object.fromEntries(need.map((k) => [k, all[k]]));
};
const flat = (x: unknown) =>
  JSON.stringify(x, (_k, v) =>
    v && typeof v === 'object' && 'dataSync' in v ? Array.from((v as Tensor).dataSync()) : v,
  );

describe('the peers in the protocol', () => {
  it.each(PEERS)('%s ignores extras it does not read', (name, f, o, need) => {
    const a = run(f(o), name, pick(need));
    const b = run(f(o), name, (p, value, grad) => ({
      ...pick(need)(p, value, grad),
      valueFn: loss,
      value,
      grad,
      unrelated: 1,
    }));
    expect(flat(b.ups)).toBe(flat(a.ups));
    expect(flat(b.s)).toBe(flat(a.s));
  });

  it.each(PEERS.filter((e) => e[3].length > 0))(
    '%s throws a clear error for each missing required extra',
    (name, f, o, need) => {
      for (const missing of need) {
        const rest = need.filter((k) => k !== missing);
        expect(() => run(f(o), name, pick(rest), 1)).toThrow(
          new RegExp(`${name}: update needs extra\\.${missing}`),
        );
      }
    },
  );

  it.each(PEERS.filter((e) => !['polyakSgd', 'reduceOnPlateau', 'dAdaptAdam'].includes(e[0])))(
    '%s throws a clear error without params',
    (name, f, o, need) => {
      const opt = f(o);
      const p = p0();
      const [v, g] = valueAndGrad(loss)(p) as [Tensor, P];
      expect(() => opt.update(g, opt.init(p), undefined, pick(need)(p, v, g))).toThrow(
        new RegExp(`${name}: update needs params`),
      );
    },
  );

  it.each(PEERS)('%s rejects unknown and bad options at construction, naming them', (name, f, o) => {
    expect(() => f({ ...o, lerningRate: 1 })).toThrow(new RegExp(`${name}: unknown option lerningRate`));
    const bad =
      name === 'scaleByBacktrackingLinesearch'
        ? { decreaseFactor: 1.5 }
        : name === 'polyakSgd'
          ? { maxLr: -1 }
          : name === 'reduceOnPlateau'
            ? { factor: 2 }
            : { lr: -1 };
    const key = Object.keys(bad)[0]!;
    expect(() => f({ ...o, ...bad })).toThrow(new RegExp(`${name}: option ${key}`));
  });

  it.each(PEERS)(
    '%s works under injectHyperparams: the same steps, and a written hyperparameter takes effect',
    (name, f, o, need, k) => {
      const plain = run(f(o), name, pick(need));
      const injected = run(G.injectHyperparams(f)(o as never), name, pick(need));
      expect(flat(injected.ups)).toBe(flat(plain.ups));
      expect(flat(injected.s.inner)).toBe(flat(plain.s));
      expect(injected.s.count).toBe(3);
      // halve a hyperparameter in the state: the next step differs
      const opt = G.injectHyperparams(f)(o as never);
      const p = p0();
      const [v, g] = valueAndGrad(loss)(p) as [Tensor, P];
      const u0 = name === 'scaleByBacktrackingLinesearch' ? treeScale(g, -1) : g;
      const s0 = opt.init(p);
      const changed = { ...s0, hyperparams: { ...s0.hyperparams, [k]: s0.hyperparams[k]! * 0.5 } };
      const ex = pick(need)(p, v, g);
      const [ua] = opt.update(u0, s0, p, ex);
      const [ub, sb] = opt.update(u0, changed, p, ex);
      expect(sb.hyperparams[k]).toBe(s0.hyperparams[k]! * 0.5);
      if (name !== 'reduceOnPlateau') expect(flat(ub)).not.toBe(flat(ua)); // patience only acts later
    },
  );
});

describe('statistics stay on the device', () => {
  const withLs = PEERS.map((e): Entry =>
    e[0] === 'scaleByBacktrackingLinesearch' ? [e[0], e[1], { ...e[2], earlyExit: false }, e[3], e[4]] : e,
  );
  it.each(withLs)('%s: three steps on a backend that refuses reads', (name, f, o, need) => {
    const { p } = run(f(o), name, pick(need), 3, p0(noReadBackend()));
    expect(() => p.a.dataSync()).toThrow(/readback/);
  });

  it('the line search gives the same steps with and without early exit', () => {
    const need = ['value', 'grad', 'valueFn'] as const;
    const a = run(
      G.scaleByBacktrackingLinesearch({ maxBacktrackingSteps: 20 }),
      'scaleByBacktrackingLinesearch',
      pick(need),
      5,
    );
    const b = run(
      G.scaleByBacktrackingLinesearch({ maxBacktrackingSteps: 20, earlyExit: false }),
      'scaleByBacktrackingLinesearch',
      pick(need),
      5,
    );
    expect(flat(b.ups)).toBe(flat(a.ups));
    expect(flat(b.s)).toBe(flat(a.s));
  });
});
