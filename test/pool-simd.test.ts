/**
 * Max pooling's SIMD kernel (float32 `reduceWindow` max and argmax on 4 channels at a time) against
 * the same backend's plain loops, element by element with `Object.is`: max selects, so the two
 * must agree exactly, NaN, signed zeros (the first of -0 and +0 stays), infinities and ties
 * included. Geometries are fast-check window problems with a batch axis before and a channel axis
 * after, so padding holes, strides and dilations all occur; the path that ran is asserted (the
 * kernel for channels in multiples of 4 without an all-padding window, the loops otherwise), and
 * the gradient (argmax, then the scatter of the cotangent) agrees too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpu, grad, mul, reduceWindow, sum, tensor, withBackend, type Tensor } from '@gen-ts/core';
import { reduceWindowLoop } from './support/conv-reference.js';
import { windowProblemArb } from './support/window-samplers.js';

const RUNS = Number(process.env.GRADCHECK_RUNS ?? 60);
const VALUES = [NaN, -0, 0, 1, -1, 2, Infinity, -Infinity];

const problems = fc
  .record({
    p: windowProblemArb({ maxRank: 2 }),
    batch: fc.integer({ min: 1, max: 3 }),
    channels: fc.constantFrom(4, 8, 12, 3, 6),
    picks: fc.array(fc.nat({ max: VALUES.length - 1 }), { minLength: 1, maxLength: 64 }),
  })
  .map(({ p, batch, channels, picks }) => {
    const lift = <T>(inner: readonly T[], edge: T): T[] => [edge, ...inner, edge];
    const g = p.geometry;
    const geometry = {
      window: lift(g.window, 1),
      strides: lift(g.strides, 1),
      padding: lift(g.padding, [0, 0] as [number, number]),
      baseDilation: lift(g.baseDilation, 1),
      windowDilation: lift(g.windowDilation, 1),
    };
    const shape = [batch, ...p.shape, channels];
    const n = shape.reduce((a, b) => a * b, 1);
    // the picks repeat with a period prime to most strides, so windows see mixed values and ties
    const data = Array.from({ length: n }, (_, i) => VALUES[picks[(i * 5) % picks.length]!]!);
    return { shape, geometry, data };
  });

type Problem = typeof problems extends fc.Arbitrary<infer T> ? T : never;

const opts = (g: Problem['geometry']) => ({
  strides: g.strides,
  padding: g.padding,
  baseDilation: g.baseDilation,
  windowDilation: g.windowDilation,
});

function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++)
    if (!Object.is(got[i], want[i])) expect.fail(`${what}, element ${i}: ${got[i]} vs ${want[i]}`);
}

describe('max pooling on f32x4 (cpu)', () => {
  it('max and argmax equal the plain loops exactly; the kernel runs where it should', () => {
    fc.assert(
      fc.property(problems, ({ shape, geometry, data }) => {
        const simd = cpu();
        const loops = cpu({ kernels: 'js' });
        const run = (be: ReturnType<typeof cpu>, op: 'max' | 'argmax') =>
          withBackend(be, () =>
            reduceWindow(
              tensor(data, { shape, dtype: 'float32' }),
              op,
              geometry.window,
              opts(geometry),
            ).dataSync(),
          );
        for (const op of ['max', 'argmax'] as const) expectSame(run(simd, op), run(loops, op), op);
        // the kernel's conditions: a window that moves along some axis, channels in fours after it,
        // 64 outputs or more, every window reading input
        const zeros = { shape, data: new Array<number>(data.length).fill(0) };
        const empty = reduceWindowLoop(zeros, 'max', geometry);
        const outputs = empty.data.length;
        const g = geometry;
        const moves = g.window.some(
          (k, d) =>
            k !== 1 ||
            g.strides[d] !== 1 ||
            g.padding[d]![0] !== 0 ||
            g.padding[d]![1] !== 0 ||
            g.baseDilation[d] !== 1 ||
            g.windowDilation[d] !== 1,
        );
        const kernel = moves && shape.at(-1)! % 4 === 0 && outputs >= 64 && !empty.data.includes(-Infinity);
        expect(simd.info().pooling).toEqual(kernel ? { wasm: 2, js: 0 } : { wasm: 0, js: 2 });
        expect(loops.info().pooling).toEqual({ wasm: 0, js: 2 });
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('the gradient of a weighted max (argmax, then the scatter) equals the plain loops', () => {
    fc.assert(
      fc.property(problems, ({ shape, geometry, data }) => {
        const finite = data.map((v, i) => (Number.isFinite(v) ? v : (i % 5) - 2));
        const results = [cpu(), cpu({ kernels: 'js' })].map((be) =>
          withBackend(be, () => {
            const f = (x: Tensor) => {
              const y = reduceWindow(x, 'max', geometry.window, opts(geometry));
              const w = tensor(
                Array.from({ length: y.size }, (_, i) => ((i * 7) % 11) / 4 - 1),
                { shape: y.shape, dtype: 'float32' },
              );
              return sum(mul(y, w));
            };
            return grad(f)(tensor(finite, { shape, dtype: 'float32' })).dataSync();
          }),
        );
        expectSame(results[0]!, results[1]!, 'gradient');
      }),
      { numRuns: RUNS },
    );
  });

  it('the CNN shapes run on the kernel (max, argmax, gradient), a float64 max stays in the loops', () => {
    for (const [shape, window] of [
      [
        [4, 26, 26, 32],
        [1, 2, 2, 1],
      ],
      [
        [4, 11, 11, 64],
        [1, 2, 2, 1],
      ],
      [
        [2, 9, 9, 8],
        [1, 3, 3, 1],
      ], // overlapping windows (stride 2 < 3): the scatter sums in float64
    ] as const) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Array.from({ length: n }, (_, i) => VALUES[((i * 2654435761) % 7919) % VALUES.length]!);
      const finite = data.map((v, i) => (Number.isFinite(v) ? v : (i % 5) - 2));
      const o = { strides: [1, 2, 2, 1] };
      const outs = [cpu(), cpu({ kernels: 'js' })].map((be) =>
        withBackend(be, () => {
          const x = tensor(data, { shape: [...shape], dtype: 'float32' });
          const max = reduceWindow(x, 'max', window, o).dataSync();
          const arg = reduceWindow(x, 'argmax', window, o).dataSync();
          const dx = grad((t: Tensor) => sum(mul(reduceWindow(t, 'max', window, o), 0.5)))(
            tensor(finite, { shape: [...shape], dtype: 'float32' }),
          ).dataSync();
          return { max, arg, dx, path: be.info().pooling };
        }),
      );
      const [simd, loops] = outs as [(typeof outs)[0], (typeof outs)[0]];
      expectSame(simd.max, loops.max, `${shape} max`);
      expectSame(simd.arg, loops.arg, `${shape} argmax`);
      expectSame(simd.dx, loops.dx, `${shape} gradient`);
      expect(simd.path.wasm).toBeGreaterThanOrEqual(3);
      expect(simd.path.js).toBe(0);
    }
    const be = cpu();
    withBackend(be, () => {
      const ones = tensor(new Array(2 * 8 * 8 * 8).fill(1), { shape: [2, 8, 8, 8], dtype: 'float64' });
      reduceWindow(ones, 'max', [1, 2, 2, 1], { strides: [1, 2, 2, 1] }).dataSync();
    });
    expect(be.info().pooling).toEqual({ wasm: 0, js: 1 });
  });
});
