/**
 * The windowed primitives against direct loops written from their definitions
 * (support/conv-reference.ts), in float64 and float32 on the cpu backend, over fast-check
 * geometries: strides, paddings (negative ones crop), input and kernel dilations, feature groups.
 * Tolerances are rounding bounds: a result of `n` products is within `(n + 2) u` of the sum of
 * their magnitudes, `u` the unit roundoff of the dtype the products are summed in.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  avgPool,
  conv,
  cpu,
  CpuBackend,
  withBackend,
  maxPool,
  reduceWindow,
  tensor,
  useBackend,
  type ConvGeometry,
  type Tensor,
  type WindowGeometry,
} from '@gen-ts/core';
import { convLoop, reduceWindowLoop, type Nd } from './support/conv-reference.js';
import { convProblemArb, windowProblemArb } from './support/window-samplers.js';

useBackend(cpu());

const RUNS = Number(process.env.GRADCHECK_RUNS ?? 60);
const U64 = 2 ** -53;
const U32 = 2 ** -24;

/** Values on a 2^-10 grid of [-2, 2]: exact in float32, so both dtypes see the same inputs. */
const ndArb = (shape: number[]): fc.Arbitrary<Nd> => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc
    .array(fc.integer({ min: -2048, max: 2048 }), { minLength: n, maxLength: n })
    .map((v) => ({ shape, data: v.map((i) => i / 1024) }));
};

const put = (x: Nd, dtype: 'float32' | 'float64'): Tensor => tensor(x.data, { shape: x.shape, dtype });
const absNd = (x: Nd): Nd => ({ shape: x.shape, data: x.data.map(Math.abs) });

/** Reads `t` and checks every element is within `tol[i]` of `want`. */
function expectClose(t: Tensor, want: Nd, tol: (i: number) => number): void {
  expect(t.shape).toEqual(want.shape);
  const got = t.dataSync();
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - want.data[i]!);
    if (!(err <= tol(i)))
      expect.fail(`element ${i}: got ${got[i]}, want ${want.data[i]} (tolerance ${tol(i)})`);
  }
}

/** `conv` with an explicit geometry, through the public options. */
function convWith(x: Tensor, w: Tensor, g: ConvGeometry): Tensor {
  return conv(x, w, {
    strides: g.strides,
    padding: g.padding,
    lhsDilation: g.lhsDilation,
    rhsDilation: g.rhsDilation,
    featureGroupCount: g.featureGroupCount,
  });
}

const windowOpts = (g: WindowGeometry) => ({
  strides: g.strides,
  padding: g.padding,
  baseDilation: g.baseDilation,
  windowDilation: g.windowDilation,
});

describe('conv agrees with a direct loop (cpu)', () => {
  const problems = convProblemArb({ maxSpatial: 3, maxSize: 4 }).chain((p) =>
    fc.tuple(fc.constant(p), ndArb(p.x), ndArb(p.w)),
  );
  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype}: strides, paddings, dilations and groups`, () => {
      fc.assert(
        fc.property(problems, ([p, x, w]) => {
          const want = convLoop(x, w, p.geometry);
          const mag = convLoop(absNd(x), absNd(w), p.geometry);
          const terms = p.w.reduce((a, b) => a * b, 1) / p.w.at(-1)! + 2;
          // float32 products sum in float32 on the SIMD path (in double, rounded once, in plain loops)
          const tol = (i: number) => terms * (dtype === 'float32' ? U32 : U64) * mag.data[i]!;
          expectClose(convWith(put(x, dtype), put(w, dtype), p.geometry), want, tol);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('builds the patch matrix in the products’ memory (one group), equal to im2col + matmul in plain loops', () => {
    // float64 sums each output's terms in the same order on both paths (these contractions are far
    // shorter than one k block of the kernels): equal bit for bit, non-finite values included
    const specialsArb = fc.array(fc.tuple(fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity, -0)), {
      maxLength: 3,
    });
    const withSpecials = (x: Nd, s: [number, number][]): Nd => {
      const data = x.data.slice();
      if (data.length > 0) for (const [i, v] of s) data[i % data.length] = v;
      return { shape: x.shape, data };
    };
    const simd = cpu();
    const loops = cpu({ kernels: 'js' });
    const matmul = vi.spyOn(CpuBackend.prototype, 'matmul');
    try {
      fc.assert(
        fc.property(problems, specialsArb, specialsArb, ([p, x0, w0], sx, sw) => {
          const [x, w] = [withSpecials(x0, sx), withSpecials(w0, sw)];
          const run = (be: CpuBackend) =>
            withBackend(be, () => convWith(put(x, 'float64'), put(w, 'float64'), p.geometry).dataSync());
          matmul.mockClear();
          const before = simd.info().products.wasm;
          const got = Array.from(run(simd));
          const grouped = p.geometry.featureGroupCount > 1;
          const empty = got.length === 0 || p.w.slice(0, -1).reduce((a, b) => a * b, 1) === 0;
          if (!empty) {
            expect(simd.info().products.wasm).toBe(before + 1);
            expect(matmul).toHaveBeenCalledTimes(grouped ? 1 : 0); // one group: no patch matrix, no matmul
          }
          const want = Array.from(run(loops));
          expect(got.findIndex((v, i) => !Object.is(v, want[i]))).toBe(-1);
        }),
        { numRuns: RUNS },
      );
    } finally {
      matmul.mockRestore();
    }
  });

  it("'same' pads as TensorFlow: ceil(n / stride) outputs, the odd padding element after", () => {
    const x = tensor(
      Array.from({ length: 16 }, (_, i) => i + 1),
      { shape: [1, 4, 4, 1], dtype: 'float64' },
    );
    const w = tensor([1, 0, 0, 0], { shape: [2, 2, 1, 1], dtype: 'float64' }); // picks the window's top left
    // total padding 1 per axis, all after: output (i, j) reads x(i, j)
    expect(conv(x, w, { padding: 'same' }).toArray()).toEqual(x.toArray());
    const y = conv(x, tensor([1], { shape: [1, 1, 1, 1], dtype: 'float64' }), {
      padding: 'same',
      strides: 3,
    });
    expect(y.toArray()).toEqual([
      [
        [[1], [4]],
        [[13], [16]],
      ],
    ]);
  });
});

describe('reduceWindow agrees with a direct loop (cpu)', () => {
  const problems = windowProblemArb({ real: true }).chain((p) => fc.tuple(fc.constant(p), ndArb(p.shape)));
  for (const op of ['sum', 'max'] as const) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${op}, ${dtype}`, () => {
        fc.assert(
          fc.property(problems, ([p, x]) => {
            const want = reduceWindowLoop(x, op, p.geometry);
            const mag = reduceWindowLoop(absNd(x), 'sum', p.geometry);
            const taps = p.geometry.window.reduce((a, b) => a * b, 1);
            const tol = (i: number) =>
              op === 'max'
                ? 0
                : (taps + 2) * U64 * mag.data[i]! + (dtype === 'float32' ? U32 * mag.data[i]! : 0);
            expectClose(
              reduceWindow(put(x, dtype), op, p.geometry.window, windowOpts(p.geometry)),
              want,
              tol,
            );
          }),
          { numRuns: RUNS },
        );
      });
    }
  }

  it('argmax (the index max differentiates through) is the first maximum of each window, ties included', () => {
    const ties = windowProblemArb({ real: true }).chain((p) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      const vals = fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }); // many ties
      return fc.tuple(
        fc.constant(p),
        vals.map((data) => ({ shape: p.shape, data })),
      );
    });
    fc.assert(
      fc.property(ties, ([p, x]) => {
        const want = reduceWindowLoop(x, 'argmax', p.geometry);
        const got = reduceWindow(put(x, 'float64'), 'argmax', p.geometry.window, windowOpts(p.geometry));
        expect(got.dtype).toBe('int32');
        expect(Array.from(got.dataSync())).toEqual(want.data);
      }),
      { numRuns: RUNS },
    );
  });

  it('a window of holes only sums to 0 and maxes to -Infinity; NaN wins a max', () => {
    const x = tensor([1, Number.NaN, 3], { dtype: 'float64' });
    const g = { padding: [[2, 0]] as [number, number][], strides: 2 };
    expect(reduceWindow(x, 'sum', [1], g).toArray()).toEqual([0, 1, 3]);
    expect(reduceWindow(x, 'max', [1], g).toArray()).toEqual([-Infinity, 1, 3]);
    expect(reduceWindow(x, 'max', [2]).toArray()).toEqual([Number.NaN, Number.NaN]);
  });
});

describe('maxPool and avgPool', () => {
  const img = tensor(
    Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(i * 1.7)),
    { shape: [2, 5, 5, 3], dtype: 'float64' },
  );

  it('are reduceWindow over the spatial axes, strides defaulting to the window', () => {
    expect(maxPool(img, 2).toArray()).toEqual(
      reduceWindow(img, 'max', [1, 2, 2, 1], { strides: [1, 2, 2, 1] }).toArray(),
    );
    const s = reduceWindow(img, 'sum', [1, 3, 2, 1], { strides: [1, 1, 2, 1] });
    expectClose(
      avgPool(img, [3, 2], { strides: [1, 2] }),
      { shape: s.shape.slice(), data: Array.from(s.dataSync(), (v) => v / 6) },
      () => 1e-15,
    );
  });

  it("avgPool with 'same' divides by the covered elements, or by the window with countIncludePad", () => {
    const ones = tensor(new Array(2 * 5 * 5 * 3).fill(1), { shape: [2, 5, 5, 3], dtype: 'float64' });
    const y = avgPool(ones, 3, { strides: 2, padding: 'same' });
    expect(y.shape).toEqual([2, 3, 3, 3]);
    expect(Array.from(y.dataSync()).every((v) => v === 1)).toBe(true);
    const z = avgPool(ones, 3, { strides: 2, padding: 'same', countIncludePad: true }).dataSync();
    expect(z[0]).toBeCloseTo(4 / 9, 15); // the corner window covers 2 x 2 of its 3 x 3 taps
  });
});
