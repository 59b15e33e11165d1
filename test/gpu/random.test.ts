/**
 * Random draws on the device: on every gpu.js mode, with both ways of doing 32-bit arithmetic
 * ('bits': integer operators on 16-bit halves, 'limbs': floats only), `uniform` and `bernoulli`
 * (the path dropout's masks take) give exactly the cpu backend's numbers for the same key, and
 * only the key crosses from the host: the backend's upload counter grows by a few values, not by
 * the size of the mask.
 */
import { bernoulli, cpu, key, ones, split, uniform, withBackend, type PRNGKey } from '@gen-ts/core';
import { gpujs, type RandomArith } from '@gen-ts/gpu';
import { dropout } from '@gen-ts/nn';
import { expect, it } from 'vitest';
import { describeModes } from '../support/gpu-modes.js';

const ref = cpu();
const keys: PRNGKey[] = [key(0), key(2 ** 40 + 12345), split(key(42))[1]!];
const P = [0, 1e-9, 0.1, 1 / 3, 0.5, 0.9, 1 - 2 ** -53, 1];

await describeModes('random draws on the device: ', (m) => {
  for (const arith of ['bits', 'limbs'] as RandomArith[]) {
    it(`${arith}: uniform and bernoulli equal the cpu backend's draws, and only keys are uploaded`, async () => {
      const b = gpujs({ ...m.options, randomArith: arith });
      try {
        await b.ready();
        expect(b.info().randomArith).toBe(arith);
        const n = 1029; // not a multiple of 4: the scalar and the SIMD paths of webasm both run
        for (const k of keys) {
          const before = b.info().uploaded;
          const u = withBackend(b, () => uniform(k, [n]));
          const masks = P.map((p) => withBackend(b, () => bernoulli(k, p, [n])));
          // 6 key values per draw, 6 more thresholds per bernoulli: nothing of size n
          expect(b.info().uploaded - before).toBe(6 * (1 + P.length) + 6 * P.length);
          expect(Array.from(await u.data())).toEqual(
            Array.from(withBackend(ref, () => uniform(k, [n])).dataSync()),
          );
          for (const [i, p] of P.entries()) {
            const want = withBackend(ref, () => bernoulli(k, p, [n])).dataSync();
            expect(Array.from(await masks[i]!.data()), `p = ${p}`).toEqual(Array.from(want));
          }
        }
        expect(b.info().ranOn).toEqual([expect.stringMatching(/Kernel$/)]);
      } finally {
        b.destroy();
      }
    });
  }

  it("nn's dropout in training draws its mask on the device: the cpu backend's mask, only the key uploaded", async () => {
    const b = gpujs(m.options);
    try {
      const layer = dropout(0.3);
      const x = withBackend(b, () => ones([64, 128]));
      const before = b.info().uploaded;
      const y = withBackend(b, () => layer.apply({}, x, { train: true, key: key(5) }));
      expect(b.info().uploaded - before).toBeLessThan(32); // the key, thresholds and the scale, not 8192 values
      const want = withBackend(ref, () => layer.apply({}, ones([64, 128]), { train: true, key: key(5) }));
      expect(Array.from(await y.data())).toEqual(Array.from(want.dataSync()));
    } finally {
      b.destroy();
    }
  });

  it('uniform on another range is computed in float32 arithmetic, as on the cpu backend', async () => {
    const b = gpujs(m.options);
    try {
      const k = key(9);
      const got = await withBackend(b, () => uniform(k, [257], { minval: -3, maxval: 5.5 })).data();
      const want = withBackend(ref, () => uniform(k, [257], { minval: -3, maxval: 5.5 })).dataSync();
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(Array.from(got).every((v) => v >= -3 && v < 5.5)).toBe(true);
    } finally {
      b.destroy();
    }
  });
});
