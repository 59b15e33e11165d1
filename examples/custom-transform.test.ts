import { describe, expect, it } from 'vitest';
import { tensor, treeNorm, type Tensor } from '@gen-ts/core';
import { chain, scaleByLearningRate } from '@gen-ts/gen';
import { normalizedMomentum, run } from './custom-transform.js';

const F64 = { dtype: 'float64' as const };

describe('examples/custom-transform', () => {
  it('normalizedMomentum averages the gradients and hands on a unit vector over the whole pytree', () => {
    const t = normalizedMomentum({ beta: 0.5 });
    const params = { a: tensor([1, 2], F64), b: tensor([[3]], F64) };
    const s0 = t.init(params);
    const g1 = { a: tensor([2, 0], F64), b: tensor([[4]], F64) };
    const [u1, s1] = t.update(g1, s0);
    const [u2, s2] = t.update(g1, s1);
    // m1 = 0.5 g1, m2 = 0.5 m1 + 0.5 g1 = 0.75 g1; both normalise to g1 / ||g1|| = (2, 0, 4) / sqrt(20)
    const m2 = s2.momentum as { a: Tensor; b: Tensor };
    expect(Array.from(m2.a.dataSync())).toEqual([1.5, 0]);
    expect(Array.from(m2.b.dataSync())).toEqual([3]);
    for (const u of [u1, u2]) {
      expect(treeNorm(u).itemSync()).toBeCloseTo(1, 14);
      expect(u.a.dataSync()[0]).toBeCloseTo(2 / Math.sqrt(20), 14);
    }
    // pure: the first state is unchanged by the second update
    expect(Array.from((s1.momentum as { a: Tensor }).a.dataSync())).toEqual([1, 0]);
  });

  it('chained with a constant rate, every step has length lr', () => {
    const t = chain(normalizedMomentum(), scaleByLearningRate(0.05));
    const w = tensor([1, -2, 3], F64);
    let s = t.init(w);
    for (const g of [tensor([1, 1, 0], F64), tensor([0, -5, 2], F64)]) {
      const [u, next] = t.update(g, s, w);
      s = next;
      expect(treeNorm(u).itemSync()).toBeCloseTo(0.05, 14);
    }
  });

  it('a zero gradient gives a zero update, not NaN (the eps floor)', () => {
    const t = normalizedMomentum();
    const z = tensor([0, 0], F64);
    const [u] = t.update(z, t.init(z));
    expect(Array.from(u.dataSync())).toEqual([0, 0]);
  });

  it('bad options fail at construction, naming the option', () => {
    expect(() => normalizedMomentum({ beta: 1 })).toThrow(/option 'beta' must be in \[0, 1\)/);
    expect(() => normalizedMomentum({ eps: 0 })).toThrow(/option 'eps'/);
    expect(() => normalizedMomentum({ momentum: 0.9 } as never)).toThrow(/unknown option 'momentum'/);
  });

  it('(smoke, tiny size) every optimizer trains the MLP through fit with finite losses', async () => {
    const runs = await run({ points: 128, batch: 32, epochs: 3, hidden: 8 });
    expect(runs).toHaveLength(5);
    for (const r of runs) {
      expect(r.history.loss, r.label).toHaveLength(12);
      expect(r.history.loss.every(Number.isFinite), r.label).toBe(true);
      expect(Number.isFinite(r.final['loss']!), r.label).toBe(true);
    }
    const gen = runs.find((r) => r.label.includes('GeN'))!;
    expect(gen.history.lr.at(-1)).not.toBe(1e-2);
  });
});
