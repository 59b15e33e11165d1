/**
 * The stream definitions that every backend reproduces: the 24-bit float32 uniform is the 53-bit
 * one cut to 24 bits, and bernoulli's decision on 16-bit halves of the words against
 * `bernoulliThresholds` (what the gpu kernels compute) is exactly `u53 < p`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bernoulliThresholds, threefryBlocks, uniform24, uniform53 } from './prng.js';

/** The device's decision: `a < below`, or `a < upto` and `b < second`, each on [hi, lo] halves. */
function onHalves(x0: number, x1: number, p: number): boolean {
  const t = bernoulliThresholds(p);
  const lt = (w: number, [h, l]: readonly [number, number]) => {
    const wh = Math.floor(w / 65536);
    return wh < h || (wh === h && w % 65536 < l);
  };
  return lt(x0, t.below) || (lt(x0, t.upto) && lt(x1, t.second));
}

const word = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('prng streams', () => {
  it('bernoulli on 16-bit halves decides exactly u53 < p, p near u included', () => {
    fc.assert(
      fc.property(
        word,
        word,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: -2, max: 2 }),
        (x0, x1, p, near) => {
          const blocks = Uint32Array.of(x0, x1);
          const u = uniform53(blocks, 0);
          // half the draws put p within a few ulps of u, where an inexact comparison would slip
          const q = near === 0 ? p : Math.min(1, Math.max(0, u + near * 2 ** -53));
          expect(onHalves(x0, x1, q)).toBe(u < q);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the float32 uniform is the float64 one cut to 24 bits, so never 1', () => {
    const blocks = threefryBlocks(7, 9, 4096);
    for (let i = 0; i < 4096; i++) {
      expect(uniform24(blocks, i)).toBe(Math.floor(uniform53(blocks, i) * 2 ** 24) / 2 ** 24);
      expect(uniform24(blocks, i)).toBeLessThan(1);
    }
    const top = Uint32Array.of(0xffffffff, 0xffffffff);
    expect(uniform24(top, 0)).toBe(1 - 2 ** -24);
    expect(uniform53(top, 0)).toBe(1 - 2 ** -53);
  });
});
