/**
 * fit owns memory on the gpu.js backend: over 500 steps of SGD, Adam and GeN-SGD (probing every
 * 4th step, so the steps where GeN hands its last fit on unchanged are covered) on webasm,
 * synchronous and with worker threads, the live-buffer count is the same after every step, with no
 * disposal in the caller's code; and once the caller disposes what fit returned, the count is back
 * where it was before fit. The FinalizationRegistry is off, so only explicit releases count.
 */
import { key, treeLeaves, useBackend, type Backend, type Tensor } from '@gen-ts/core';
import { adam, genSgd, sgd, type GradientTransformation } from '@gen-ts/gen';
import { gpujs, type GpujsBackend } from '@gen-ts/gpu';
import { Dataset, fit, twoSpirals } from '@gen-ts/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initParams, loss, type Params } from '../support/mlp.js';

const lossFn = (p: Params, b: { x: Tensor; y: Tensor }): Tensor => loss(p, b.x, b.y);

describe.each([0, 2])('fit memory on gpu.js webasm (threads %i)', (threads) => {
  let f: GpujsBackend;
  let prev: Backend;
  beforeAll(() => {
    f = gpujs({ mode: 'webasm', threads, finalize: false });
    prev = useBackend(f);
  });
  afterAll(() => {
    useBackend(prev);
    f.destroy();
  });

  const optimizers: [string, () => GradientTransformation<any, any>][] = [
    ['SGD', () => sgd({ lr: 0.1 })],
    ['Adam', () => adam({ lr: 1e-2 })],
    ['GeN-SGD', () => genSgd({ lr: 1e-2, phi: 4 })],
  ];
  it.each(optimizers)(
    '%s: live buffers back at the baseline after every one of 500 steps',
    async (_name, make) => {
      const train = Dataset.fromArrays(twoSpirals(key(0), { n: 64, turns: 0.5 }))
        .shuffle(key(1))
        .batch(16);
      const params = initParams([2, 16, 2], 2);
      const before = f.info().liveBuffers;
      const counts: number[] = [];
      const r = await fit({
        lossFn,
        params,
        optimizer: make(),
        train,
        steps: 500,
        verbose: 'silent',
        callbacks: [{ onStepEnd: () => void counts.push(f.info().liveBuffers) }],
      });
      expect(counts.length).toBe(500);
      // Callbacks run when the losses are read back: after every step on the synchronous mode, after
      // every 10 steps with threads (fit's default readEvery), so the last group runs after the last
      // step, when no next batch is drawn any more (for GeN's probe): its two tensors are gone.
      const lastGroup = threads === 0 ? 1 : 10;
      expect(new Set(counts.slice(0, -lastGroup))).toEqual(new Set([counts[0]]));
      expect(new Set(counts.slice(-lastGroup))).toEqual(new Set([counts[0]! - 2]));
      const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(avg(r.history.loss.slice(-50))).toBeLessThan(avg(r.history.loss.slice(0, 50))); // it trained
      for (const l of treeLeaves([r.params, r.optState])) l.dispose();
      await Promise.all(Object.values(params).map((t: Tensor) => t.data())); // nothing still queued
      expect(f.info().liveBuffers).toBe(before);
    },
  );
});
