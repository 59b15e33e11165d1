/**
 * The WebAssembly SIMD products against the cpu backend's plain loops (the reference), through
 * the public API: odd sizes in every role, transposed operands (mT views read in place), batch
 * broadcasting, empty tensors, and a fast-check property over shapes. The tolerance is the
 * summation error bound of a k-term dot product, `(k + 2) u sum_p |a_ip b_pj|` with `u` the unit
 * roundoff of the dtype (twice that when both sides round); float64 must in fact match bit for
 * bit, because both sum each element in the order p = 0 .. k-1 with separate multiply and add.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { abs, cpu, matmul, mT, tensor, withBackend, type CpuBackend, type Tensor } from '../../index.js';

type Float = 'float32' | 'float64';

/** One operand: its logical shape, and whether it is built as `mT` of its transpose. */
interface Operand {
  shape: number[];
  transposed: boolean;
}

const simd = cpu({ kernels: 'wasm-simd' });
const ref = cpu({ kernels: 'js' });

/** Deterministic values in [-1, 1), exactly representable in float32. */
function values(n: number, seed: number): number[] {
  let s = seed * 7919 + 13;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.fround(s / 1073741824 - 1);
  });
}

/** The tensor of an operand on the current backend: built transposed and viewed back with mT. */
function build(o: Operand, dtype: Float, seed: number): Tensor {
  const n = o.shape.reduce((a, b) => a * b, 1);
  if (!o.transposed) return tensor(values(n, seed), { shape: o.shape, dtype });
  const r = o.shape.length;
  const stored = [...o.shape.slice(0, -2), o.shape[r - 1]!, o.shape[r - 2]!];
  return mT(tensor(values(n, seed), { shape: stored, dtype }));
}

/** Runs `a @ b` on SIMD and on the reference and checks the difference against the bound. */
function check(a: Operand, b: Operand, dtype: Float): void {
  const run = (be: CpuBackend, f: (x: Tensor, y: Tensor) => Tensor) =>
    withBackend(be, () => {
      const c = f(build(a, dtype, 1), build(b, dtype, 2));
      return { shape: c.shape, data: c.dataSync() };
    });
  const before = simd.info().products;
  const got = run(simd, matmul);
  const after = simd.info().products;
  const want = run(ref, matmul);
  const bound = run(ref, (x, y) => matmul(abs(x), abs(y))); // sum_p |a_ip b_pj|, in float64 loops
  expect(got.shape).toEqual(want.shape);
  if (want.data.length > 0 && a.shape[a.shape.length - 1]! > 0) expect(after.wasm).toBe(before.wasm + 1);
  const k = a.shape[a.shape.length - 1]!;
  const u = dtype === 'float64' ? 2 ** -53 : 2 ** -24;
  for (let i = 0; i < want.data.length; i++) {
    const [g, w] = [got.data[i]!, want.data[i]!];
    const tol = (dtype === 'float64' ? 2 : 1) * (k + 2) * u * bound.data[i]!;
    if (!(Math.abs(g - w) <= tol)) expect.fail(`element ${i}: ${g} vs ${w} (bound ${tol})`);
    if (dtype === 'float64' && g !== w)
      expect.fail(`element ${i}: ${g} vs ${w} (float64 must match exactly)`);
  }
}

const op = (shape: number[], transposed = false): Operand => ({ shape, transposed });
const DTYPES: Float[] = ['float64', 'float32'];

describe('wasm-simd matmul against the plain loops', () => {
  // every odd size of the issue in each of m, k and n, with the other two small
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [3, 3, 3],
    [17, 17, 17],
    [127, 127, 127],
    [1023, 3, 17],
    [17, 1023, 3],
    [3, 17, 1023],
    [127, 1, 1023],
    [1, 1023, 127],
  ];
  for (const dtype of DTYPES) {
    for (const [m, k, n] of sizes) {
      it(`${dtype} ${m}x${k} @ ${k}x${n}, each operand plain or transposed`, () => {
        for (const [ta, tb] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ])
          check(op([m, k], ta), op([k, n], tb), dtype);
      });
    }
    it(`${dtype} batches broadcast against each other and against a single matrix`, () => {
      check(op([2, 1, 3, 5]), op([4, 5, 7]), dtype);
      check(op([2, 1, 3, 5], true), op([4, 5, 7], true), dtype);
      check(op([3, 9, 6], true), op([6, 11]), dtype);
      check(op([6, 9]), op([1, 3, 9, 4], true), dtype);
    });
    it(`${dtype} empty tensors: no rows, no columns, no batch, and k = 0 (zeros)`, () => {
      check(op([0, 5]), op([5, 3]), dtype);
      check(op([4, 5]), op([5, 0], true), dtype);
      check(op([0, 2, 5]), op([5, 3]), dtype);
      check(op([4, 0]), op([0, 3]), dtype);
      const z = withBackend(simd, () => matmul(build(op([4, 0]), dtype, 1), build(op([0, 3]), dtype, 2)));
      expect(Array.from(z.dataSync())).toEqual(new Array(12).fill(0));
    });
  }

  it('property: any shapes, batches, transposes and dtype match the reference', () => {
    const dim = fc.integer({ min: 0, max: 24 });
    const batchDim = fc.integer({ min: 1, max: 3 });
    fc.assert(
      fc.property(
        fc.record({
          m: dim,
          k: dim,
          n: dim,
          batch: fc.array(batchDim, { maxLength: 2 }),
          dropA: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
          dropB: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
          ta: fc.boolean(),
          tb: fc.boolean(),
          dtype: fc.constantFrom<Float>('float64', 'float32'),
        }),
        ({ m, k, n, batch, dropA, dropB, ta, tb, dtype }) => {
          // each batch axis of an operand is kept, or set to 1 (then broadcast)
          const ba = batch.map((d, i) => (dropA[i] ? 1 : d));
          const bb = batch.map((d, i) => (dropB[i] ? 1 : d));
          check(op([...ba, m, k], ta), op([...bb, k, n], tb), dtype);
        },
      ),
      { numRuns: 150 },
    );
  });
});
