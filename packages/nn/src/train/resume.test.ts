/**
 * Resume: a run that crashes after its checkpoint at step k and is resumed from it repeats steps
 * k+1..n of the uninterrupted run exactly on the cpu backend (float32 and float64): the same losses
 * and rates bit for bit, the same params and GeN state, and the same batches in the same order for
 * the gradients and for GeN's probes (with dropout drawn from each step's key).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  add,
  arange,
  bernoulli,
  cast,
  key,
  matmul,
  mean,
  mul,
  normal,
  split,
  square,
  sub,
  tanh,
  treeLeaves,
  zeros,
  type Tensor,
} from '@gen-ts/core';
import { findGeNState, genAdam } from '@gen-ts/gen';
import { describe, expect, it } from 'vitest';
import { Dataset } from '../data/dataset.js';
import { linearRegression } from '../data/synthetic.js';
import { batchNorm } from '../layers/normalization.js';
import { linear } from '../layers/linear.js';
import { sequential } from '../layers/sequential.js';
import { mse } from '../losses.js';
import { fit } from './fit.js';
import type { LossContext } from './step.js';

type P = { w1: Tensor; b1: Tensor; w2: Tensor };
type B = { x: Tensor; y: Tensor; id: Tensor };
const bits = (t: Tensor) => Array.from(new Uint8Array(t.dataSync().buffer));

describe.each(['float32', 'float64'] as const)('resume (%s)', (dtype) => {
  it('repeats steps k+1..n of the uninterrupted run exactly', async () => {
    const { x, y } = linearRegression(key(0), { n: 40, features: 3, dtype });
    const data = Dataset.fromArrays({ x, y, id: arange(0, 40, 1, { dtype: 'int32' }) })
      .shuffle(key(1))
      .batch(8);
    const [k1, k2] = split(key(2));
    const params = (): P => ({
      w1: mul(normal(k1!, [3, 8], { dtype }), 0.5),
      b1: zeros([8], { dtype }),
      w2: mul(normal(k2!, [8, 1], { dtype }), 0.3),
    });
    const calls: string[] = [];
    // dropout on the hidden layer: the step's key matters, so it must be restored too
    const lossFn = (p: P, b: B, ctx: LossContext) => {
      calls.push(`${p.w1.level > 0 ? 'grad' : 'probe'} ${Array.from(b.id.dataSync()).join(',')}`);
      const h = tanh(add(matmul(b.x, p.w1), p.b1));
      const mask = cast(bernoulli(ctx.key, 0.8, h.shape), dtype);
      return mean(square(sub(matmul(mul(h, mask), p.w2), b.y)));
    };

    const common = {
      lossFn,
      optimizer: genAdam({ lr: 1e-2, phi: 3 }),
      train: data,
      steps: 23,
      key: key(7),
      verbose: 'silent' as const,
    };

    const full = await fit({ ...common, params: params() });
    const fullCalls = calls.splice(0);

    const path = join(mkdtempSync(join(tmpdir(), 'gen-ts-resume-')), 'run.ckpt');
    const crash = {
      onStepEnd: (log: { step: number }) => {
        if (log.step === 11) throw new Error('crash');
      },
    };
    await expect(
      fit({ ...common, params: params(), checkpoint: { path, every: 5 }, callbacks: [crash] }),
    ).rejects.toThrow('crash');
    calls.splice(0);
    const resumed = await fit({ ...common, key: undefined, resume: path });

    const k = 10; // the last checkpoint before the crash
    expect(resumed.history.step).toEqual(full.history.step.slice(k));
    expect(resumed.history.loss).toEqual(full.history.loss.slice(k));
    expect(resumed.history.lr).toEqual(full.history.lr.slice(k));
    expect(new Set(full.history.lr.slice(k)).size).toBeGreaterThan(1); // GeN's rate kept moving across the resume
    // the batches, for gradients and probes, in the same order
    const firstAfterK = fullCalls.findIndex(
      (_, i) => fullCalls.slice(0, i + 1).filter((c) => c.startsWith('grad')).length === k + 1,
    );
    expect(calls).toEqual(fullCalls.slice(firstAfterK));
    expect(calls.some((c) => c.startsWith('probe'))).toBe(true);
    // the end state, bit for bit: params, Adam's moments, GeN's rate and fit record
    const a = treeLeaves([full.params, full.optState]);
    const b = treeLeaves([resumed.params, resumed.optState]);
    expect(b.length).toBe(a.length);
    a.forEach((t, i) => expect(bits(b[i]!)).toEqual(bits(t)));
    expect(b[0]!.dtype).toBe(dtype);
    const g = findGeNState(resumed.optState)!;
    expect([g.count, g.fit.step]).toEqual([
      findGeNState(full.optState)!.count,
      findGeNState(full.optState)!.fit.step,
    ]);
    expect(resumed.data).toEqual(full.data);
  }, 30_000);
});

describe('resume with batch normalisation', () => {
  it('restores the running statistics and repeats the uninterrupted run exactly', async () => {
    const { x, y } = linearRegression(key(3), { n: 48, features: 3, dtype: 'float64' });
    const train = Dataset.fromArrays({ x, y }).shuffle(key(4)).batch(8);
    // batchNorm last: sequential drops trailing undefined entries from the state it returns and then
    // refuses that state (4 layers, 2 entries) when batchNorm sits before stateless layers
    const model = sequential([
      linear(6, { dtype: 'float64' }),
      tanh,
      linear(1, { dtype: 'float64' }),
      batchNorm({ dtype: 'float64', momentum: 0.9 }),
    ]);
    const init = model.init(key(5), [8, 3]);
    const common = {
      model,
      loss: mse,
      optimizer: genAdam({ lr: 1e-2, phi: 2 }),
      train,
      steps: 14,
      verbose: 'silent' as const,
    };
    const full = await fit({ ...common, params: init.params, modelState: init.state });
    const path = join(mkdtempSync(join(tmpdir(), 'gen-ts-resume-bn-')), 'run.ckpt');
    await fit({
      ...common,
      params: init.params,
      modelState: init.state,
      steps: 6,
      checkpoint: { path, every: 6 },
    });
    const resumed = await fit({ ...common, resume: path });
    expect(resumed.history.loss).toEqual(full.history.loss.slice(6));
    const a = treeLeaves([full.params, full.modelState]);
    const b = treeLeaves([resumed.params, resumed.modelState]);
    a.forEach((t, i) => expect(bits(b[i]!)).toEqual(bits(t)));
    // the running statistics moved off their initial values (mean 0, variance 1)
    const stats = treeLeaves(full.modelState);
    expect(stats.length).toBeGreaterThan(0);
    expect(stats.some((t) => Array.from(t.dataSync()).some((v) => v !== 0 && v !== 1))).toBe(true);
  }, 30_000);
});
