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
  mT,
  mul,
  notEqual,
  sub,
  tensor,
  where,
  withBackend,
  type Tensor,
} from '../../index.js';
import { globalWebAssembly } from './api.js';
import { elementwiseModule, WasmElementwise } from './elementwise.js';

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

  it('large operands: the memory grows between calls (views renewed) and results still agree', () => {
    const cols = 1009; // rows of an odd length, not a multiple of any group
    const rows = 101;
    const n = rows * cols;
    const full = Array.from({ length: n }, (_, i) => SPECIAL[(i * 7) % SPECIAL.length]! * ((i % 13) - 6));
    const row = Array.from({ length: cols }, (_, i) => SPECIAL[i % SPECIAL.length]!);
    const cond = Array.from({ length: n }, (_, i) => Number((i * 5) % 7 < 3));
    for (const dtype of ['float32', 'float64'] as Float[]) {
      const simd = cpu();
      const js = cpu({ kernels: 'js' });
      const run = (be: ReturnType<typeof cpu>) =>
        withBackend(be, () => {
          const a = tensor(full, { shape: [rows, cols], dtype });
          const r = tensor(row, { shape: [cols], dtype });
          const small = sub(tensor(row.slice(0, 70), { dtype }), 1).dataSync(); // memory sized small first
          const d = sub(a, r).dataSync();
          const c = greaterEqual(r, a).dataSync();
          const w = where(tensor(cond, { shape: [rows, cols], dtype: 'bool' }), a, 0).dataSync();
          return [small, d, c, w].map((x) => Array.from(x));
        });
      const [got, want] = [run(simd), run(js)];
      got.forEach((g, i) => expectSame(g, want[i]!, `${dtype} result ${i}`));
      expect(simd.info().elementwise).toEqual({ wasm: 4, js: 0 });
      expect(simd.info().wasmBytes).toBeGreaterThan(n * (dtype === 'float32' ? 4 : 8) * 2);
    }
  });

  it('aliased operands (the same tensor twice) and a transposed view read as their values', () => {
    const n = 12 * 11;
    const v = specials(n, 1);
    const cond = Array.from({ length: n }, (_, i) => Number(i % 3 === 0));
    for (const dtype of ['float32', 'float64'] as Float[]) {
      const results = [cpu(), cpu({ kernels: 'js' })].map((be) =>
        withBackend(be, () => {
          const x = tensor(v, { shape: [12, 11], dtype });
          const c = tensor(cond, { shape: [12, 11], dtype: 'bool' });
          const y = tensor(v.slice().reverse(), { shape: [11, 12], dtype });
          const outs = [add(x, x), div(x, x), equal(x, x), where(c, x, x), sub(mT(y), x), less(x, mT(y))];
          return { values: outs.map((t) => Array.from(t.dataSync())), path: be.info().elementwise };
        }),
      );
      const [got, want] = results as [(typeof results)[0], (typeof results)[0]];
      got.values.forEach((g, i) => expectSame(g, want.values[i]!, `${dtype} case ${i}`));
      expect(got.path).toEqual({ wasm: 6, js: 0 });
    }
  });

  it('an op that would grow the memory past maxBytes stays in the loop (false), a smaller one runs', () => {
    const api = globalWebAssembly()!;
    const mods = [
      new api.Module(elementwiseModule('f32')),
      new api.Module(elementwiseModule('f64')),
    ] as const;
    const k = new WasmElementwise(api, mods, new api.Memory({ initial: 1 }), 65536);
    const big = new Float64Array(5000).fill(2);
    const res = new Float64Array(5000);
    expect(k.binary('mul', 'float64', big, big, res, { pattern: 'same' })).toBe(false);
    expect(res.every((x) => x === 0)).toBe(true);
    expect(k.where('float64', new Uint8Array(5000), big, big, res)).toBe(false);
    const small = new Float64Array(1000).fill(3);
    const out = new Float64Array(1000);
    expect(k.binary('mul', 'float64', small, small, out, { pattern: 'same' })).toBe(true);
    expect(out.every((x) => x === 9)).toBe(true);
    expect(k.bytes).toBe(65536);
  });
});
