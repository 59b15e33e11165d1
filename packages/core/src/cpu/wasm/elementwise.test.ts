/**
 * The SIMD elementwise kernels against the plain loops of the same backend (`kernels: 'js'`),
 * element by element with `Object.is` (NaN, signed zeros and infinities included): every vector op
 * and comparison in both float dtypes, on full, scalar and row-broadcast operands on either side,
 * `where` with full and scalar branches, lengths and row lengths around the vector and group
 * widths. The path is asserted both ways: what runs on the vectors, and what stays in loops
 * (general broadcasting, int32, short arrays, the plain-loop backend).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  cpu,
  div,
  equal,
  greater,
  greaterEqual,
  less,
  lessEqual,
  maximum,
  minimum,
  mul,
  notEqual,
  sub,
  tensor,
  where,
  withBackend,
  type Tensor,
} from '../../index.js';

type Float = 'float32' | 'float64';
const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 1, -1, 1e-40, -3.5, 2.5, 3e38];
const OPS: [string, (a: Tensor, b: Tensor) => Tensor][] = [
  ['add', add],
  ['sub', sub],
  ['mul', mul],
  ['div', div],
  ['maximum', maximum],
  ['minimum', minimum],
  ['lt', less],
  ['le', lessEqual],
  ['gt', greater],
  ['ge', greaterEqual],
  ['eq', equal],
  ['ne', notEqual],
];

/** `f` of the operands on the default backend and on the plain loops: values and paths. */
function both(f: (...xs: Tensor[]) => Tensor, xs: [number[], number[], string][]) {
  const run = (be: ReturnType<typeof cpu>) =>
    withBackend(be, () => {
      const ts = xs.map(([v, s, d]) =>
        tensor(v, { shape: s, dtype: d as Float | 'bool' } as { shape: number[]; dtype: Float }),
      );
      return Array.from(f(...ts).dataSync());
    });
  const simd = cpu();
  const js = cpu({ kernels: 'js' });
  const got = run(simd);
  const want = run(js);
  expect(js.info().elementwise.wasm).toBe(0);
  return { got, want, path: simd.info().elementwise };
}

function expectSame(got: number[], want: number[], what: string): void {
  const bad = got.findIndex((g, i) => !Object.is(g, want[i]));
  expect(bad, bad >= 0 ? `${what}, element ${bad}: ${got[bad]} vs ${want[bad]}` : '').toBe(-1);
}

/** Values cycling through the special ones with a stride, so each pair of them meets. */
const specials = (n: number, stride: number) =>
  Array.from({ length: n }, (_, i) => SPECIAL[Math.floor(i / stride) % SPECIAL.length]!);

describe('SIMD elementwise kernels', () => {
  for (const dtype of ['float64', 'float32'] as Float[]) {
    it(`${dtype}: every op on special values, full, scalar and row operands on either side`, () => {
      const n = SPECIAL.length * SPECIAL.length; // 121: every pair, and not a multiple of a group
      const a = specials(n, 1);
      const b = specials(n, SPECIAL.length);
      const row = SPECIAL;
      for (const [name, f] of OPS) {
        const cases: [string, [number[], number[]], [number[], number[]]][] = [
          ['same', [a, [n]], [b, [n]]],
          ['scalar right', [a, [n]], [[-0], []]],
          ['scalar left', [[NaN], [1]], [b, [n]]],
          ['row right', [a, [SPECIAL.length, SPECIAL.length]], [row, [SPECIAL.length]]],
          ['row left', [row, [1, SPECIAL.length]], [b, [SPECIAL.length, SPECIAL.length]]],
        ];
        for (const s of SPECIAL.slice(0, 6)) cases.push([`scalar ${s}`, [a, [n]], [[s], []]]);
        for (const [what, [va, sa], [vb, sb]] of cases) {
          const r = both(f, [
            [va, sa, dtype],
            [vb, sb, dtype],
          ]);
          expectSame(r.got, r.want, `${dtype} ${name} ${what}`);
          expect(r.path, `${name} ${what}`).toEqual({ wasm: 1, js: 0 });
        }
      }
    });

    it(`${dtype}: where with full and scalar branches`, () => {
      const n = 130;
      const cond = Array.from({ length: n }, (_, i) => (i * 7) % 3 === 0);
      const a = specials(n, 1);
      const b = specials(n, 3);
      for (const [va, sa, vb, sb] of [
        [a, [n], b, [n]],
        [[1], [], b, [n]],
        [a, [n], [-0], []],
        [[0.5], [], [NaN], []],
      ] as [number[], number[], number[], number[]][]) {
        const r = both(where, [
          [cond.map(Number), [n], 'bool'],
          [va, sa, dtype],
          [vb, sb, dtype],
        ]);
        expectSame(r.got, r.want, `${dtype} where ${sa} ${sb}`);
        expect(r.path).toEqual({ wasm: 1, js: 0 });
      }
    });
  }

  it('property: random values, lengths and row lengths around the vector and group widths', () => {
    const arb = fc.record({
      op: fc.integer({ min: 0, max: OPS.length - 1 }),
      rows: fc.integer({ min: 1, max: 9 }),
      cols: fc.integer({ min: 1, max: 40 }),
      layout: fc.constantFrom('same', 'rowA', 'rowB', 'scalarA', 'scalarB'),
      dtype: fc.constantFrom<Float>('float32', 'float64'),
      seed: fc.integer({ min: 0, max: 2 ** 30 }),
    });
    fc.assert(
      fc.property(arb, ({ op, rows, cols, layout, dtype, seed }) => {
        let s = seed;
        // a few exact ties and zeros among random values, so comparisons see every outcome
        const rnd = () => (
          (s = (s * 1103515245 + 12345) % 2147483648),
          Math.round((s / 2 ** 30 - 1) * 8) / 4
        );
        const full = Array.from({ length: rows * cols }, rnd);
        const row = Array.from({ length: cols }, rnd);
        const shapes: Record<string, [number[], number[], number[], number[]]> = {
          same: [full, [rows, cols], full.map((v) => -v / 2), [rows, cols]],
          rowA: [row, [cols], full, [rows, cols]],
          rowB: [full, [rows, cols], row, [cols]],
          scalarA: [[row[0]!], [], full, [rows, cols]],
          scalarB: [full, [rows, cols], [row[0]!], []],
        };
        const [va, sa, vb, sb] = shapes[layout]!;
        const [name, f] = OPS[op]!;
        const r = both(f, [
          [va, sa, dtype],
          [vb, sb, dtype],
        ]);
        expectSame(r.got, r.want, `${name} ${layout} ${rows}x${cols}`);
        const vectors = rows * cols >= 64;
        expect(r.path).toEqual(vectors ? { wasm: 1, js: 0 } : { wasm: 0, js: 1 });
      }),
      { numRuns: 150 },
    );
  });

  it('leaves general broadcasting, int32, short arrays and the plain-loop backend in loops', () => {
    const col = Array.from({ length: 20 }, (_, i) => i - 10);
    const row = Array.from({ length: 10 }, (_, i) => 5 - i);
    const outer = both(add, [
      [col, [20, 1], 'float32'],
      [row, [1, 10], 'float32'],
    ]);
    expectSame(outer.got, outer.want, 'outer sum');
    expect(outer.path).toEqual({ wasm: 0, js: 1 });
    const ints = both(maximum, [
      [col.concat(col, col, col), [80], 'int32'],
      [[0], [], 'int32'],
    ]);
    expectSame(ints.got, ints.want, 'int32');
    expect(ints.path).toEqual({ wasm: 0, js: 1 });
    const short = both(mul, [
      [col, [20], 'float64'],
      [[3], [], 'float64'],
    ]);
    expect(short.path).toEqual({ wasm: 0, js: 1 });
    const be = cpu({ kernels: 'js' });
    withBackend(be, () => maximum(tensor(Array.from({ length: 200 }, (_, i) => i - 100)), 0).dataSync());
    expect(be.info().elementwise).toEqual({ wasm: 0, js: 1 });
  });
});
