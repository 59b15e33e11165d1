/**
 * fit on the cpu backend: GeN probes the next batch by default (and the gradient's own with
 * `probe: 'own'`), the history holds every step's loss and GeN's live rate, reading back in groups
 * changes nothing, callbacks stop runs for the documented reasons, a model's state is threaded
 * through (and never updated by probes), and bad options fail before any step.
 */
import {
  add,
  arange,
  key,
  matmul,
  mean,
  mul,
  square,
  sub,
  sum,
  tensor,
  zeros,
  type PRNGKey,
  type Tensor,
} from '@gen-ts/core';
import { adam, findGeNState, genAdamW, genSgd, injectHyperparams, sgd } from '@gen-ts/gen';
import { describe, expect, it } from 'vitest';
import { Dataset } from '../data/dataset.js';
import { linearRegression } from '../data/synthetic.js';
import type { Layer } from '../layer.js';
import { earlyStopping, lrLogger } from './callbacks.js';
import { evaluate } from './evaluate.js';
import { fit } from './fit.js';

type B = { x: Tensor; y: Tensor; id: Tensor };
const data = (n = 64, seed = 0) => {
  const { x, y } = linearRegression(key(seed), { n, features: 3, noise: 0.05, dtype: 'float64' });
  return { x, y, id: arange(0, n, 1, { dtype: 'int32' }) };
};
const mse = (w: Tensor, b: B) => mean(square(sub(matmul(b.x, w), b.y)));
const silent = { verbose: 'silent' as const };

describe('fit', () => {
  it('gives GeN the next batch to probe by default, and the gradient its own with probe: "own"', async () => {
    for (const probe of ['fresh', 'own'] as const) {
      const calls: { grad: boolean; ids: number[] }[] = [];
      const lossFn = (w: Tensor, b: B) => {
        calls.push({ grad: w.level > 0, ids: Array.from(b.id.dataSync()) });
        return mse(w, b);
      };
      const train = Dataset.fromArrays(data(32)).batch(8); // 4 batches: ids 0-7, 8-15, ...
      await fit({
        lossFn,
        params: zeros([3, 1], { dtype: 'float64' }),
        optimizer: genSgd({ lr: 0.01, phi: 1 }),
        train,
        steps: 6,
        probe,
        ...silent,
      });
      const gradFirst = calls.filter((c) => c.grad).map((c) => c.ids[0]);
      expect(gradFirst).toEqual([0, 8, 16, 24, 0, 8]);
      // every probe of step t sees batch t + 1 (wrapping into the next epoch), or batch t itself
      let t = -1;
      for (const c of calls) {
        if (c.grad) t++;
        else expect(c.ids[0]).toBe(((t + (probe === 'fresh' ? 1 : 0)) % 4) * 8);
      }
      expect(calls.filter((c) => !c.grad).length).toBeGreaterThan(6); // GeN did probe on every step
    }
  });

  it("records every step's loss and GeN's live rate, identically whether read back every step or in groups", async () => {
    const run = (readEvery: number) =>
      fit({
        lossFn: mse,
        params: zeros([3, 1], { dtype: 'float64' }),
        optimizer: genSgd({ lr: 0.01, phi: 2 }),
        train: Dataset.fromArrays(data()).shuffle(key(1)).batch(16),
        epochs: 3,
        readEvery,
        ...silent,
      });
    const a = await run(1);
    const b = await run(5);
    expect(a.history.step).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(b.history).toEqual(a.history);
    expect(a.history.loss.at(-1)!).toBeLessThan(a.history.loss[0]!);
    expect(a.history.lr.at(-1)).toBe(findGeNState(a.optState)!.lr.itemSync());
    expect(a.history.lr[0]).toBeGreaterThan(0.01); // GeN moved the rate at the first probe step
    expect(a.step).toBe(12);
    expect(a.data).toEqual({ epoch: 3, index: 0 });
  });

  it('reports the rate of injectHyperparams, and NaN where the state holds none', async () => {
    const train = Dataset.fromArrays(data()).batch(32);
    const p = () => zeros([3, 1], { dtype: 'float64' });
    const inj = await fit({
      lossFn: mse,
      params: p(),
      optimizer: injectHyperparams(sgd)({ lr: 0.05 }),
      train,
      steps: 2,
      ...silent,
    });
    expect(inj.history.lr).toEqual([0.05, 0.05]);
    const plain = await fit({
      lossFn: mse,
      params: p(),
      optimizer: adam({ lr: 0.05 }),
      train,
      steps: 2,
      ...silent,
    });
    expect(plain.history.lr.every(Number.isNaN)).toBe(true);
  });

  it('stops at a non-finite loss, naming the step and the batch', async () => {
    const d = data(32);
    const x = d.x.dataSync().slice();
    x[3 * 20] = NaN; // row 20: batch 2 of every epoch (batch size 8)
    const train = Dataset.fromArrays({ ...d, x: tensor(x, { dtype: 'float64', shape: [32, 3] }) }).batch(8);
    const r = await fit({
      lossFn: mse,
      params: zeros([3, 1], { dtype: 'float64' }),
      optimizer: sgd({ lr: 0.01 }),
      train,
      epochs: 3,
      ...silent,
    });
    expect(r.stopReason).toBe(
      "the loss is NaN at step 3 (epoch 1, batch 2); lower the learning rate or check that batch's data",
    );
    expect(r.step).toBe(3);
    expect(r.history.loss.length).toBe(3);
    const on = await fit({
      lossFn: mse,
      params: zeros([3, 1], { dtype: 'float64' }),
      optimizer: sgd({ lr: 0.01 }),
      train,
      epochs: 1,
      stopOnNonFinite: false,
      ...silent,
    });
    expect(on.step).toBe(4);
    expect(on.stopReason).toBeUndefined();
  });

  it('stops early when the monitored evaluation stops improving, and logs GeN fits', async () => {
    const train = Dataset.fromArrays(data()).batch(16);
    const logger = lrLogger({ every: 2 });
    let evals = 0;
    const r = await fit({
      lossFn: mse,
      params: zeros([3, 1], { dtype: 'float64' }),
      optimizer: genSgd({ lr: 0.01, phi: 2 }),
      train,
      validation: train,
      metrics: { flat: () => tensor(0.5, { dtype: 'float64' }) },
      evalEvery: 2,
      epochs: 10,
      callbacks: [
        earlyStopping({ monitor: 'flat', mode: 'max', patience: 1 }),
        logger,
        { onEvalEnd: () => void evals++ },
      ],
      ...silent,
    });
    expect(evals).toBe(3); // improves at the first, then two without improvement
    expect(r.step).toBe(6);
    expect(r.stopReason).toBe('early stopping: flat has not improved on 0.5 for 2 evaluations');
    expect(r.history.evals.map((e) => e.step)).toEqual([2, 4, 6]);
    expect(logger.records.map((x) => x.step)).toEqual([2, 4, 6]);
    for (const rec of logger.records) {
      expect(rec.gen!.a).toBeGreaterThan(0); // a convex loss: positive curvature along the step
      expect(rec.gen!.etaStar).toBeCloseTo(rec.gen!.b / rec.gen!.a, 10);
      expect(rec.gen!.fitStep % 2).toBe(0);
    }
  });

  it('threads a model state through, updated once per step and never by probes', async () => {
    // a stateful layer: y = x w, state counts the training applications
    const counting: Layer<{ w: Tensor }, { n: Tensor }> = {
      name: 'counting',
      stateful: true,
      init: () => ({
        params: { w: zeros([3, 1], { dtype: 'float64' }) },
        state: { n: tensor(0, { dtype: 'float64' }) },
        outputShape: [1],
      }),
      apply: (p, x, o) => [matmul(x, p.w), { n: o?.train ? add(o.state!.n, 1) : o!.state!.n }] as never,
    };
    const init = counting.init(key(0), [1, 3]);
    const train = Dataset.fromArrays(data())
      .batch(16)
      .map(({ x, y, id }) => {
        id.dispose();
        return { x, y };
      });
    const r = await fit({
      model: counting,
      loss: (out, y) => mean(square(sub(out, y))),
      params: init.params,
      modelState: init.state,
      optimizer: genSgd({ lr: 0.01, phi: 1 }),
      train,
      steps: 7,
      ...silent,
    });
    expect((r.modelState as { n: Tensor }).n.itemSync()).toBe(7);
    expect(init.state.n.itemSync()).toBe(0); // the caller's tensors are untouched
    expect(init.params.w.isDisposed).toBe(false);
  });

  it('evaluates the row-weighted mean over uneven batches', async () => {
    const d = data(10);
    const w = tensor([[1], [2], [3]], { dtype: 'float64' });
    const m = await evaluate({
      lossFn: mse,
      params: w,
      data: Dataset.fromArrays(d).batch(4),
      metrics: { sq: (_p: Tensor, b: B) => mean(sum(square(b.x), 1)) },
    });
    expect(m['loss']).toBeCloseTo(mse(w, d).itemSync(), 12);
    expect(m['sq']).toBeCloseTo(mean(sum(square(d.x), 1)).itemSync(), 12);
  });

  it("uses GeN's recommended AdamW for the run's steps when no optimizer is given", async () => {
    const train = Dataset.fromArrays(data(64)).shuffle(key(2)).batch(16); // 4 batches
    const run = await fit({
      lossFn: mse,
      params: zeros([3, 1], { dtype: 'float64' }),
      train,
      epochs: 10,
      ...silent,
    });
    const gen = findGeNState(run.optState)!;
    // preset 'auto': the lagged fit remembers a point (mode 'lagged') and the warm-up flag exists
    expect(gen.prev).toBeDefined();
    expect(gen.warm).toBeDefined();
    expect(gen.count).toBe(40);
    // the same run with the optimizer named explicitly is the same run, step for step
    const named = await fit({
      lossFn: mse,
      params: zeros([3, 1], { dtype: 'float64' }),
      optimizer: genAdamW({ preset: 'auto', horizon: 40 }),
      train,
      epochs: 10,
      ...silent,
    });
    expect(named.history.loss).toEqual(run.history.loss);
    expect(named.history.lr).toEqual(run.history.lr);
    // it trains: the last epoch's mean batch loss is well below the first batch's (this model has no
    // intercept, so its floor is about a fifth of the start)
    const last = run.history.loss.slice(-4).reduce((s, l) => s + l, 0) / 4;
    expect(last).toBeLessThan(0.3 * run.history.loss[0]!);
  });

  it("builds the optimizer from the run's plan when given a function, and the lagged fit runs whatever probe", async () => {
    const train = Dataset.fromArrays(data(64)).batch(16);
    const plans: unknown[] = [];
    for (const probe of ['fresh', 'own'] as const) {
      const run = await fit({
        lossFn: mse,
        params: zeros([3, 1], { dtype: 'float64' }),
        optimizer: (plan) => (plans.push(plan), genSgd({ preset: 'auto', horizon: plan.steps })),
        train,
        epochs: 3,
        probe,
        ...silent,
      });
      expect(findGeNState(run.optState)!.fit.step).toBeGreaterThan(0);
    }
    expect(plans).toEqual([
      { steps: 12, stepsPerEpoch: 4 },
      { steps: 12, stepsPerEpoch: 4 },
    ]);
  });

  it('refuses bad options before any step, naming them', async () => {
    const train = Dataset.fromArrays(data()).batch(16);
    const base = {
      lossFn: mse,
      params: zeros([3, 1], { dtype: 'float64' }),
      optimizer: sgd({ lr: 0.1 }),
      train,
      steps: 1,
      ...silent,
    };
    await expect(fit({ ...base, epochs: 1 })).rejects.toThrow(/exactly one of 'epochs' and 'steps'/);
    await expect(fit({ ...base, stepz: 1 } as never)).rejects.toThrow(/unknown option 'stepz'/);
    await expect(fit({ ...base, probe: 'other' as 'fresh' })).rejects.toThrow(
      /option 'probe' must be 'fresh' or 'own'/,
    );
    await expect(fit({ ...base, train: [] as never })).rejects.toThrow(/option 'train' must be a Dataset/);
    await expect(fit({ ...base, optimizer: {} as never })).rejects.toThrow(
      /option 'optimizer' must be a gradient transformation/,
    );
    await expect(fit({ ...base, optimizer: (() => 3) as never })).rejects.toThrow(
      /option 'optimizer', a function, must return a gradient transformation/,
    );
    await expect(fit({ ...base, metrics: { a: () => tensor(1) } })).rejects.toThrow(
      /'metrics' are computed on 'validation'/,
    );
    await expect(fit({ ...base, steps: 0 })).rejects.toThrow(
      /option 'steps' must be a positive integer, got 0/,
    );
    await expect(fit({ ...base, key: 1 as unknown as PRNGKey })).rejects.toThrow(
      /option 'key' must be a PRNGKey/,
    );
    const lin: Layer<{ w: Tensor }> = {
      name: 'lin',
      stateful: false,
      init: () => ({
        params: { w: zeros([3, 1], { dtype: 'float64' }) },
        state: undefined,
        outputShape: [1],
      }),
      apply: (p, x) => matmul(x, p.w),
    };
    const inputsOnly = Dataset.fromArrays({ inputs: data().x }).batch(8) as never;
    await expect(
      fit({
        model: lin,
        loss: (o: Tensor, t: Tensor) => mean(square(sub(o, t))),
        params: lin.init(key(0), [1, 3]).params,
        optimizer: sgd({ lr: 0.1 }),
        train: inputsOnly,
        steps: 1,
        ...silent,
      }),
    ).rejects.toThrow(/with 'model', every batch must be \{ x, y \}/);
    await expect(fit({ ...base, lossFn: (w: Tensor) => mul(w, 2) })).rejects.toThrow(
      /the loss must be a 0-d \(scalar\) tensor, got a tensor of shape \[3, 1\]/,
    );
  });
});
