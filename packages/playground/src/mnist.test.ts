/**
 * The page's MNIST session on synthetic digits: memory stays flat on a gpu.js backend (each step
 * is tidied and the old params and state are disposed, so the live-buffer count after a step
 * never grows), runs are reproducible from the seed, and a batch too large is refused by name.
 */
import { cpu } from '@gen-ts/core';
import { gpujs } from '@gen-ts/gpu';
import { describe, expect, it } from 'vitest';
import { DIGIT_PIXELS, type Digits } from './digits.js';
import { MnistSession, type MnistOptions } from './mnist.js';

/** `n` digits per split whose class is readable from the pixels (a bright block per class). */
function synthetic(n: number): Digits {
  const split = (offset: number) => {
    const x = new Float32Array(n * DIGIT_PIXELS);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = (i + offset) % 10;
      for (let p = 0; p < DIGIT_PIXELS; p++) x[i * DIGIT_PIXELS + p] = ((p * 7 + i) % 13) / 52;
      for (let p = 0; p < 40; p++) x[i * DIGIT_PIXELS + labels[i]! * 60 + p] = 1;
    }
    return { x, labels, n };
  };
  return { train: split(0), test: split(3) };
}

const base: MnistOptions = {
  optimizer: 'gen-adam',
  lr: 1e-3,
  hidden: 16,
  batch: 8,
  seed: 0,
  dtype: 'float32',
};

describe('MnistSession', () => {
  it('keeps the live-buffer count flat on gpu.js (tidy plus disposal)', async () => {
    const backend = gpujs({ mode: 'webasm', threads: 0, finalize: false }); // only dispose/tidy release
    try {
      const s = new MnistSession(synthetic(40), { ...base, backend });
      const live: number[] = [];
      for (let t = 0; t < 16; t++) {
        await s.step();
        live.push(backend.info().liveBuffers);
      }
      await s.evaluate();
      live.push(backend.info().liveBuffers);
      // after the first step the count repeats: nothing a step or an evaluation makes survives it
      expect(new Set(live.slice(1)).size).toBe(1);
      expect(backend.info().ranOn).toEqual(['WebAssemblyKernel']);
    } finally {
      backend.destroy();
    }
  });

  it('is reproducible from its seed', async () => {
    const data = synthetic(40);
    const run = async (seed: number) => {
      const s = new MnistSession(data, { ...base, seed, dtype: 'float64', backend: cpu() });
      for (let t = 0; t < 8; t++) await s.step(); // crosses an epoch: 40 digits, batches of 8
      return [...s.records, await s.evaluate()];
    };
    const a = await run(0);
    expect(await run(0)).toEqual(a);
    expect(await run(1)).not.toEqual(a);
  });

  it('refuses a batch that leaves no probe batch', () => {
    expect(() => new MnistSession(synthetic(10), { ...base, batch: 6, backend: cpu() })).toThrow(
      /batch 6 needs at least 12 digits/,
    );
  });
});
