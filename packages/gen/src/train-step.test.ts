/** trainStep: one loss+gradient, probes on the probe batch, optimizer state advanced once. */
import { describe, expect, it } from 'vitest';
import { grad, matmul, mul, square, sub, sum, tensor, type Tensor } from '@gen-ts/core';
import { findGeNState, genAdam, genSgd, newtonDirection, sgd, trainStep } from './index.js';

const f64 = { dtype: 'float64' as const };
type Batch = { x: Tensor; y: Tensor };
const lossFn = (w: Tensor, b: Batch) => mul(sum(square(sub(matmul(b.x, w), b.y))), 0.5);
const batchA: Batch = {
  x: tensor(
    [
      [1, 0],
      [0, 2],
      [1, 1],
    ],
    f64,
  ),
  y: tensor([1, 2, 0], f64),
};
const batchB: Batch = {
  x: tensor(
    [
      [2, 1],
      [0, 1],
    ],
    f64,
  ),
  y: tensor([0, 1], f64),
};

describe('trainStep', () => {
  it("probes the probe batch with probe 'fresh' (no value), the gradient batch with 'own' (value reused)", () => {
    const seen: Batch[] = [];
    const probeLossFn = (w: Tensor, b: Batch) => (seen.push(b), lossFn(w, b));
    const opt = genAdam({ phi: 1 });
    const step = trainStep(lossFn, opt, { probeLossFn });
    const w = tensor([0.3, -0.2], f64);
    const r1 = step(w, opt.init(w), batchA, batchB);
    expect(seen.length).toBe(3); // factors -1, 0, 1 on the fresh batch
    expect(seen.every((b) => b === batchB)).toBe(true);
    expect(r1.loss.itemSync()).toBeCloseTo(lossFn(w, batchA).itemSync(), 14);
    expect(r1.state[0].count).toBe(1); // Adam's moments advanced once
    expect(findGeNState(r1.state)!.count).toBe(1);
    let calls = 0;
    const step2 = trainStep(lossFn, opt, { probe: 'own', probeLossFn: (q, b) => (calls++, lossFn(q, b)) });
    step2(w, opt.init(w), batchA);
    expect(calls).toBe(3); // probeLossFn differs from lossFn: its own value at factor 0
    let calls3 = 0;
    const counted = (q: Tensor, b: Batch) => (calls3++, lossFn(q, b));
    trainStep(counted, opt, { probe: 'own' })(w, opt.init(w), batchA);
    expect(calls3).toBe(1 + 2); // loss+gradient once, then two probes (value reused at factor 0)
  });

  it("passes the gradient with the loss on the gradient's batch only: slope 'gradient' probes once", () => {
    const opt = genSgd({
      lr: 0.1,
      phi: 1,
      gamma: 0,
      clipRatio: Infinity,
      slope: 'gradient',
      factors: [0, 1],
    });
    let calls = 0;
    const counted = (q: Tensor, b: Batch) => (calls++, lossFn(q, b));
    const step = trainStep(counted, opt, { probe: 'own' });
    const w = tensor([0.3, -0.2], f64);
    const r = step(w, opt.init(w), batchA);
    expect(calls).toBe(1 + 1); // loss+gradient, then one probe
    // A quadratic loss: the one-probe fit is exact, so the step is the exact line search.
    const g = grad((q: Tensor) => lossFn(q, batchA))(w) as Tensor;
    const gTAg = sum(square(matmul(batchA.x, g))).itemSync();
    const etaStar = sum(square(g)).itemSync() / gTAg;
    expect(findGeNState(r.state)!.lr.itemSync()).toBeCloseTo(etaStar, 12);
    const fresh = trainStep(counted, opt);
    expect(() => fresh(w, opt.init(w), batchA, batchB)).toThrow(/extra\.grad and extra\.value/);
  });

  it('trains: GeN-Adam lowers the loss', () => {
    const opt = genAdam({ lr: 0.01, phi: 2 });
    const step = trainStep(lossFn, opt);
    let w = tensor([3, -3], f64);
    let state = opt.init(w);
    const first = lossFn(w, batchA).itemSync();
    for (let i = 0; i < 200; i++) ({ params: w, state } = step(w, state, batchA, batchA));
    expect(lossFn(w, batchA).itemSync()).toBeLessThan(first * 0.1);
  });

  it('takes back the params it returned when they come in again, unless reclaim is false', () => {
    for (const reclaim of [true, false]) {
      const opt = sgd({ lr: 0.1 });
      const step = trainStep(lossFn, opt, { reclaim });
      const w0 = tensor([3, -3], f64);
      const r1 = step(w0, opt.init(w0), batchA, batchB);
      const r2 = step(r1.params, r1.state, batchA, batchB);
      step(r2.params, r2.state, batchA, batchB);
      expect(w0.isDisposed).toBe(false); // the caller's own params are never taken
      expect(r1.params.isDisposed).toBe(reclaim);
      if (!reclaim) expect(r1.params.toArray()).toHaveLength(2); // a snapshot stays usable
    }
  });

  it('checks its arguments at construction and each step (issue 13: bare errors)', () => {
    const w = tensor([0.3, -0.2], f64);
    expect(() => (trainStep as any)(lossFn)).toThrow(
      /^trainStep: the second argument \(the optimizer\) is not a gradient transformation/,
    );
    expect(() => trainStep(lossFn, sgd({ lr: 0.1 }), { probe: 'next' as never })).toThrow(
      /^trainStep: option probe must be 'fresh' or 'own', got next/,
    );
    expect(() => trainStep(lossFn, sgd({ lr: 0.1 }), { probeBatch: batchB } as never)).toThrow(
      /^trainStep: unknown option probeBatch/,
    );
    const opt = genSgd({ phi: 1 });
    const step = trainStep(lossFn, opt);
    expect(() => (step as any)(w, opt.init(w))).toThrow(
      /^trainStep: step\(params, state, batch, probeBatch\) needs a batch/,
    );
  });

  it("makes the probe data explicit: 'fresh' (default) needs a probeBatch, 'own' refuses one", () => {
    const w = tensor([0.3, -0.2], f64);
    for (const opt of [genSgd({ phi: 1 }), newtonDirection()]) {
      const fresh = trainStep(lossFn, opt as any);
      expect(() => fresh(w, opt.init(w), batchA)).toThrow(
        /probe is 'fresh' \(the default\): pass a batch the gradient did not see.*probe: 'own'/,
      );
    }
    const own = trainStep(lossFn, genSgd({ phi: 1 }), { probe: 'own' });
    expect(() => own(w, genSgd().init(w), batchA, batchB)).toThrow(/probe is 'own'.*takes no probeBatch/);
    // a transform that never evaluates the loss needs no probe batch
    const plain = trainStep(lossFn, sgd({ lr: 0.1 }));
    expect(plain(w, sgd({ lr: 0.1 }).init(w), batchA).applied.itemSync()).toBe(1);
  });
});
