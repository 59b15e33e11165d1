/**
 * The SIMD `maximum` / `minimum` against `Math.max` / `Math.min` element by element (float32
 * results rounded from them): NaN in either operand, signed zeros, infinities, random signs; full
 * and scalar operands on either side, lengths around the vector width; the path is asserted
 * (row-broadcast operands and short arrays stay in JavaScript).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpu, maximum, minimum, tensor, withBackend, type Tensor } from '../../index.js';

type Float = 'float32' | 'float64';
const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 1e-40, -3.5];

function run(
  f: (a: Tensor, b: Tensor) => Tensor,
  a: number[],
  as: number[],
  b: number[],
  bs: number[],
  dtype: Float,
) {
  const be = cpu();
  const out = withBackend(be, () =>
    f(tensor(a, { shape: as, dtype }), tensor(b, { shape: bs, dtype })).dataSync(),
  );
  return { out: Array.from(out), info: be.info().minmax };
}

function expectSame(got: number[], want: number[]): void {
  const bad = got.findIndex((g, i) => !Object.is(g, want[i]));
  expect(bad, bad >= 0 ? `element ${bad}: ${got[bad]} vs ${want[bad]}` : '').toBe(-1);
}

describe('SIMD maximum and minimum', () => {
  for (const dtype of ['float64', 'float32'] as Float[]) {
    const round = dtype === 'float32' ? Math.fround : (v: number) => v;
    it(`${dtype}: match Math.max / Math.min on special values, both orders, full and scalar operands`, () => {
      const n = 9 * 9 * 2;
      const a = Array.from({ length: n }, (_, i) => SPECIAL[i % 9]!);
      const b = Array.from({ length: n }, (_, i) => SPECIAL[Math.floor(i / 9) % 9]!);
      for (const [f, ref] of [
        [maximum, Math.max],
        [minimum, Math.min],
      ] as const) {
        const full = run(f, a, [n], b, [n], dtype);
        expectSame(
          full.out,
          a.map((v, i) => round(ref(round(v), round(b[i]!)))),
        );
        expect(full.info).toEqual({ wasm: 1, js: 0 });
        for (const s of SPECIAL) {
          const right = run(f, a, [2, n / 2], [s], [], dtype);
          expectSame(
            right.out,
            a.map((v) => round(ref(round(v), round(s)))),
          );
          const left = run(f, [s], [1], a, [n], dtype);
          expectSame(
            left.out,
            a.map((v) => round(ref(round(s), round(v)))),
          );
          expect(left.info.wasm + right.info.wasm).toBe(2);
        }
      }
    });
  }

  it('property: random values and lengths around the vector width', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom<Float>('float32', 'float64'),
        (n, seed, dtype) => {
          let s = seed;
          const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 1073741824 - 1);
          const a = Array.from({ length: n }, rnd);
          const b = Array.from({ length: n }, rnd);
          const round = dtype === 'float32' ? Math.fround : (v: number) => v;
          const r = run(maximum, a, [n], b, [n], dtype);
          expectSame(
            r.out,
            a.map((v, i) => Math.max(round(v), round(b[i]!))),
          );
          expect(r.info).toEqual(n >= 64 ? { wasm: 1, js: 0 } : { wasm: 0, js: 1 });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves row broadcasts and the plain-loop backend in JavaScript', () => {
    const a = Array.from({ length: 200 }, (_, i) => i - 100);
    const b = Array.from({ length: 20 }, (_, i) => 10 - i);
    const rows = run(maximum, a, [10, 20], b, [20], 'float32');
    expectSame(
      rows.out,
      a.map((v, i) => Math.max(v, b[i % 20]!)),
    );
    expect(rows.info).toEqual({ wasm: 0, js: 1 });
    const be = cpu({ kernels: 'js' });
    withBackend(be, () => maximum(tensor(a), 0).dataSync());
    expect(be.info().minmax).toEqual({ wasm: 0, js: 1 });
  });
});
