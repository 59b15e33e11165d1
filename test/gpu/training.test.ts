/**
 * Training on the gpu.js backend: the kernel cache stops growing after the first step, memory stays
 * flat (the live-buffer count is back at its baseline after every step, over 200 steps), and an
 * MLP's gradients match the cpu float64 reference to float32 tolerance.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cpu, useBackend, withBackend, valueAndGrad, type Backend, type Tensor } from '@gen-ts/core';
import { gpujs, type GpujsBackend } from '@gen-ts/gpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batch, initParams, loss, sgdStep, type Params } from '../support/mlp.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage until the FinalizationRegistry has released what was dropped. */
async function settle(b: GpujsBackend, want: number): Promise<number> {
  for (let k = 0; k < 20 && b.info().liveBuffers !== want; k++) {
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
  return b.info().liveBuffers;
}

/** Computes a loss and drops every tensor undisposed (a function of its own, so no frame keeps them). */
async function dropAll(): Promise<void> {
  const { x, y } = batch(8, 12, 4);
  await loss(initParams([12, 16, 4], 5), x, y).data();
}

describe.each([
  { mode: 'webasm', threads: 2 },
  { mode: 'webasm', threads: 0 },
  { mode: 'cpu', threads: 0 },
] as const)('training on gpujs $mode (threads $threads)', ({ mode, threads }) => {
  let b: GpujsBackend;
  let prev: Backend;
  beforeAll(() => {
    b = gpujs({ mode, threads });
    prev = useBackend(b);
  });
  afterAll(() => {
    useBackend(prev);
    b.destroy();
  });

  it('compiles no kernel after the first step', async () => {
    const { x, y } = batch(8, 12, 4);
    let p = initParams([12, 16, 4], 1);
    let after1 = 0;
    for (let s = 0; s < 6; s++) {
      const r = sgdStep(p, x, y, 0.1);
      p = r.params;
      await r.loss.data();
      if (s === 0) after1 = b.info().compiles;
      else expect(b.info().compiles).toBe(after1);
    }
    expect(after1).toBeGreaterThan(10);
    expect(b.info().ranOn).toEqual([mode === 'cpu' ? 'CPUKernel' : 'WebAssemblyKernel']);
  });

  /** Runs `body` on a fresh backend of this mode (so no other test's tensors are counted). */
  async function fresh(finalize: boolean, body: (f: GpujsBackend) => Promise<void>): Promise<void> {
    const f = gpujs({ mode, threads, finalize });
    const before = useBackend(f);
    try {
      await body(f);
    } finally {
      useBackend(before);
      f.destroy();
    }
  }

  // finalize off: only tidy and dispose release here, so the count is deterministic
  it('keeps the live-buffer count at its baseline over 200 steps (tidy)', () =>
    fresh(false, async (f) => {
      const { x, y } = batch(8, 12, 4);
      let p = initParams([12, 16, 4], 2);
      const step = async (): Promise<number> => {
        const r = f.tidy(() => sgdStep(p, x, y, 0.1));
        p = r.params;
        const l = await r.loss.item();
        await Promise.all(Object.values(p).map((t: Tensor) => t.data())); // no kernel still queued
        r.loss.dispose();
        return l;
      };
      const losses = [await step()];
      const baseline = f.info().liveBuffers;
      // 4 parameters, the batch, and initParams' 4 undisposed temporaries (2 normals, 2 scales),
      // besides the step's constants kept on the device (webgpu)
      expect(baseline - f.info().constants).toBe(10);
      for (let s = 0; s < 200; s++) {
        const l = await step();
        if (s % 50 === 49) losses.push(l);
        expect(f.info().liveBuffers).toBe(baseline);
      }
      expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!); // it trained
    }));

  it('releases the buffers of dropped tensors through the FinalizationRegistry', () =>
    fresh(true, async (f) => {
      for (let k = 0; k < 5; k++) await dropAll();
      expect(await settle(f, 0)).toBe(0);
    }));

  it('gives MLP gradients equal to the cpu float64 ones to float32 tolerance', async () => {
    const grads = (backend: Backend, dtype: 'float32' | 'float64'): Promise<Float64Array[]> =>
      withBackend(backend, async () => {
        const { x, y } = batch(16, 20, 5, dtype);
        const p = initParams([20, 24, 5], 3, dtype);
        const [, g] = valueAndGrad((q: Params) => loss(q, x, y))(p) as [Tensor, Params];
        return Promise.all([g.w1, g.b1, g.w2, g.b2].map(async (t) => Float64Array.from(await t.data())));
      });
    const got = await grads(b, 'float32');
    const want = await grads(cpu(), 'float64');
    for (let k = 0; k < 4; k++) {
      for (let i = 0; i < want[k]!.length; i++) {
        expect(Math.abs(got[k]![i]! - want[k]![i]!)).toBeLessThanOrEqual(
          1e-5 + 1e-4 * Math.abs(want[k]![i]!),
        );
      }
    }
  });
});
