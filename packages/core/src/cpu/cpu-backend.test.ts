/**
 * The cpu kernels against straightforward reference loops written here with explicit
 * multi-indices, on small random inputs (fast-check). The kernels are called through the Backend
 * interface only. float64 results must match the loops to rounding order (1e-12 relative to the
 * terms); float32 results must be the float64 result rounded once (within half an ulp).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BinaryOp, CompareOp, ReduceOp, UnaryOp } from '../backend.js';
import {
  be,
  info,
  read,
  size,
  unravel,
  ravel,
  bcastRead,
  bcastShape,
  randValues,
  bcastPair,
  shapeArb,
  close64,
  roundedOnce,
} from './test-support.js';

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(Math.abs(a), b),
  maximum: Math.max,
  minimum: Math.min,
};

describe('elementwise kernels', () => {
  it('binary ops broadcast like the index loops (float64 exact, float32 rounded once)', () => {
    fc.assert(
      fc.property(
        bcastPair,
        fc.constantFrom(...(Object.keys(BINARY) as BinaryOp[])),
        fc.nat(),
        ([sa, sb], op, seed) => {
          const out = bcastShape(sa!, sb!);
          let va = randValues(size(sa!), seed);
          const vb = randValues(size(sb!), seed + 1);
          if (op === 'pow') va = va.map(Math.abs); // keep pow real
          const want = Array.from({ length: size(out) }, (_, i) => {
            const idx = unravel(i, out);
            return BINARY[op](va[bcastRead(idx, sa!)]!, vb[bcastRead(idx, sb!)]!);
          });
          const got = read(be.binary(op, info(va, sa!), info(vb, sb!), out), out, 'float64');
          expect(got).toBeInstanceOf(Float64Array);
          expect(Array.from(got)).toEqual(want);
          // float32: inputs rounded, math in double, one rounding on store
          const [fa, fb] = [va.map(Math.fround), vb.map(Math.fround)];
          const exact = Array.from({ length: size(out) }, (_, i) => {
            const idx = unravel(i, out);
            return BINARY[op](fa[bcastRead(idx, sa!)]!, fb[bcastRead(idx, sb!)]!);
          });
          const g32 = read(
            be.binary(op, info(fa, sa!, 'float32'), info(fb, sb!, 'float32'), out),
            out,
            'float32',
          );
          expect(g32).toBeInstanceOf(Float32Array);
          expect(Array.from(g32)).toEqual(exact.map(Math.fround));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('int32 binary ops stay integer', () => {
    const a = info([7, -7, 3], [3], 'int32');
    const b = info([2], [1], 'int32');
    expect(Array.from(read(be.binary('mul', a, b, [3]), [3], 'int32'))).toEqual([14, -14, 6]);
    expect(Array.from(read(be.binary('maximum', a, b, [3]), [3], 'int32'))).toEqual([7, 2, 3]);
  });

  it('comparisons give bool 0/1 under broadcasting', () => {
    const ops: Record<CompareOp, (a: number, b: number) => boolean> = {
      lt: (a, b) => a < b,
      le: (a, b) => a <= b,
      gt: (a, b) => a > b,
      ge: (a, b) => a >= b,
      eq: (a, b) => a === b,
      ne: (a, b) => a !== b,
    };
    fc.assert(
      fc.property(
        bcastPair,
        fc.constantFrom(...(Object.keys(ops) as CompareOp[])),
        fc.nat(),
        ([sa, sb], op, seed) => {
          const out = bcastShape(sa!, sb!);
          // small integers so that ties happen
          const va = randValues(size(sa!), seed).map(Math.round);
          const vb = randValues(size(sb!), seed + 7).map(Math.round);
          const want = Array.from({ length: size(out) }, (_, i) => {
            const idx = unravel(i, out);
            return +ops[op](va[bcastRead(idx, sa!)]!, vb[bcastRead(idx, sb!)]!);
          });
          const got = read(be.compare(op, info(va, sa!), info(vb, sb!), out), out, 'bool');
          expect(got).toBeInstanceOf(Uint8Array);
          expect(Array.from(got)).toEqual(want);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('where picks from a or b under three-way broadcasting', () => {
    fc.assert(
      fc.property(bcastPair, fc.nat(4), fc.nat(), ([sa, sb], drop, seed) => {
        const out = bcastShape(sa!, sb!);
        const sc = out.map((d, i) => (i % 2 ? 1 : d)).slice(Math.min(drop, out.length));
        const c = randValues(size(sc), seed).map((v) => +(v > 0));
        const va = randValues(size(sa!), seed + 1);
        const vb = randValues(size(sb!), seed + 2);
        const want = Array.from({ length: size(out) }, (_, i) => {
          const idx = unravel(i, out);
          return c[bcastRead(idx, sc)] ? va[bcastRead(idx, sa!)]! : vb[bcastRead(idx, sb!)]!;
        });
        const got = read(be.where(info(c, sc, 'bool'), info(va, sa!), info(vb, sb!), out), out, 'float64');
        expect(Array.from(got)).toEqual(want);
      }),
      { numRuns: 100 },
    );
  });

  it('unary ops match Math, sign keeps NaN and signed zero', () => {
    const f: Record<UnaryOp, (x: number) => number> = {
      neg: (x) => -x,
      exp: Math.exp,
      log: Math.log,
      log1p: Math.log1p,
      sin: Math.sin,
      cos: Math.cos,
      tanh: Math.tanh,
      sqrt: Math.sqrt,
      abs: Math.abs,
      sign: Math.sign,
    };
    const xs = [-2.5, -1, -0, 0, 0.3, 1, 4, NaN, Infinity];
    for (const op of Object.keys(f) as UnaryOp[]) {
      const got = read(be.unary(op, info(xs, [xs.length])), [xs.length], 'float64');
      xs.forEach((x, i) =>
        expect(Object.is(got[i], f[op](x)) || got[i] === f[op](x), `${op}(${x})`).toBe(true),
      );
    }
    const s = read(be.unary('sign', info([-0, NaN], [2])), [2], 'float64');
    expect(Object.is(s[0], -0)).toBe(true);
    expect(s[1]).toBeNaN();
  });

  it('cast truncates toward zero to int32, tests != 0 to bool, widens bool', () => {
    const x = info([1.7, -1.7, 0, -0.2, 3], [5]);
    expect(Array.from(read(be.cast(x, 'int32'), [5], 'int32'))).toEqual([1, -1, 0, 0, 3]);
    expect(Array.from(read(be.cast(x, 'bool'), [5], 'bool'))).toEqual([1, 1, 0, 1, 1]);
    expect(Array.from(read(be.cast(info([1, 0], [2], 'bool'), 'float32'), [2], 'float32'))).toEqual([1, 0]);
    expect(Array.from(read(be.cast(info([0.1], [1]), 'float32'), [1], 'float32'))).toEqual([
      Math.fround(0.1),
    ]);
  });
});

describe('reductions', () => {
  const axesArb = shapeArb.chain((s) => fc.tuple(fc.constant(s), fc.subarray(s.map((_, i) => i))));

  it('sum, max and prod over any subset of axes match loops over the output', () => {
    fc.assert(
      fc.property(
        axesArb,
        fc.constantFrom<ReduceOp>('sum', 'max', 'prod'),
        fc.nat(),
        ([shape, axes], op, seed) => {
          const v = randValues(size(shape), seed, -1.5, 1.5);
          const outShape = shape.filter((_, i) => !axes.includes(i));
          const want = new Array<number>(size(outShape)).fill(
            op === 'sum' ? 0 : op === 'prod' ? 1 : -Infinity,
          );
          const terms = new Array<number>(size(outShape)).fill(0);
          for (let i = 0; i < v.length; i++) {
            const idx = unravel(i, shape);
            const o = ravel(
              idx.filter((_, d) => !axes.includes(d)),
              outShape,
            );
            want[o] =
              op === 'sum' ? want[o]! + v[i]! : op === 'prod' ? want[o]! * v[i]! : Math.max(want[o]!, v[i]!);
            terms[o] = op === 'sum' ? terms[o]! + Math.abs(v[i]!) : 1;
          }
          const scale = op === 'prod' ? want : terms;
          close64(read(be.reduce(op, info(v, shape), axes), outShape, 'float64'), want, scale);
          // float32 accumulates in double and rounds once
          const f = v.map(Math.fround);
          const exact = new Array<number>(want.length).fill(op === 'sum' ? 0 : op === 'prod' ? 1 : -Infinity);
          for (let i = 0; i < f.length; i++) {
            const o = ravel(
              unravel(i, shape).filter((_, d) => !axes.includes(d)),
              outShape,
            );
            exact[o] =
              op === 'sum'
                ? exact[o]! + f[i]!
                : op === 'prod'
                  ? exact[o]! * f[i]!
                  : Math.max(exact[o]!, f[i]!);
          }
          roundedOnce(read(be.reduce(op, info(f, shape, 'float32'), axes), outShape, 'float32'), exact);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reducing over an empty axis gives the identity (sum 0, prod 1)', () => {
    expect(Array.from(read(be.reduce('sum', info([], [2, 0]), [1]), [2], 'float64'))).toEqual([0, 0]);
    expect(Array.from(read(be.reduce('prod', info([], [0, 3]), [0]), [3], 'float64'))).toEqual([1, 1, 1]);
    expect(read(be.reduce('sum', info([], [0, 3]), [1]), [0], 'float64').length).toBe(0);
  });

  it('a full sum (four interleaved chains) matches one chain to rounding, and its non-finite cases', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1200 }), fc.nat(), (n, seed) => {
        const v = randValues(n, seed, -1e3, 1e3);
        let want = 0;
        let terms = 0;
        for (const x of v) [want, terms] = [want + x, terms + Math.abs(x)];
        // both orders are within n u sum|x| of the exact sum (u = 2^-53); close64 scales its 1e-12
        const bound = 2 * n * 2 ** -53 * terms;
        close64(read(be.reduce('sum', info(v, [n]), [0]), [1], 'float64'), [want], [bound / 1e-12]);
      }),
      { numRuns: 60 },
    );
    // an infinity or NaN in any chain (any position mod 4, or the tail) reaches the result
    const sumOf = (v: number[]) => read(be.reduce('sum', info(v, [v.length]), [0]), [1], 'float64')[0]!;
    for (let at = 0; at < 7; at++) {
      const v = new Array<number>(7).fill(1);
      v[at] = Infinity;
      expect(sumOf(v)).toBe(Infinity);
      v[(at + 1) % 7] = -Infinity;
      expect(sumOf(v)).toBeNaN();
      v[(at + 1) % 7] = NaN;
      expect(sumOf(v)).toBeNaN();
    }
    expect(Object.is(sumOf([-0, -0, -0, -0, -0]), 0)).toBe(true); // the sum starts from +0, as before
  });

  it('argmax picks the first maximum along the axis (ties included)', () => {
    fc.assert(
      fc.property(
        shapeArb.filter((s) => s.length > 0),
        fc.nat(),
        fc.nat(),
        (shape, a, seed) => {
          const axis = a % shape.length;
          // values from {-1, 0, 1}: ties are common
          const v = randValues(size(shape), seed).map((x) => Math.round(x / 2));
          const outShape = shape.filter((_, i) => i !== axis);
          const want = Array.from({ length: size(outShape) }, (_, o) => {
            const oi = unravel(o, outShape);
            let best = 0;
            for (let j = 1; j < shape[axis]!; j++) {
              const at = (k: number) => v[ravel([...oi.slice(0, axis), k, ...oi.slice(axis)], shape)]!;
              if (at(j) > at(best)) best = j;
            }
            return best;
          });
          const got = read(be.argmax(info(v, shape), axis), outShape, 'int32');
          expect(got).toBeInstanceOf(Int32Array);
          expect(Array.from(got)).toEqual(want);
        },
      ),
      { numRuns: 150 },
    );
    // a NaN counts as the maximum (the first one), as in NumPy
    expect(Array.from(read(be.argmax(info([1, NaN, 3, NaN], [4]), 0), [], 'int32'))).toEqual([1]);
  });
});

describe('matmul', () => {
  it('batched with broadcast batch dims matches the triple loop', () => {
    fc.assert(
      fc.property(
        bcastPair.filter(([a, b]) => a!.length <= 2 && b!.length <= 2),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        ([ba, bb], m, k, n, seed) => {
          const sa = [...ba!, m, k];
          const sb = [...bb!, k, n];
          const batch = bcastShape(ba!, bb!);
          const out = [...batch, m, n];
          const va = randValues(size(sa), seed);
          const vb = randValues(size(sb), seed + 3);
          const want = new Array<number>(size(out)).fill(0);
          const terms = new Array<number>(size(out)).fill(0);
          for (let o = 0; o < want.length; o++) {
            const idx = unravel(o, out);
            const bi = idx.slice(0, -2);
            const [i, j] = idx.slice(-2) as [number, number];
            for (let p = 0; p < k; p++) {
              const x = va[bcastRead([...bi, i, p], sa)]! * vb[bcastRead([...bi, p, j], sb)]!;
              want[o] += x;
              terms[o] += Math.abs(x);
            }
          }
          close64(read(be.matmul(info(va, sa), info(vb, sb), out), out, 'float64'), want, terms);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('int32 matmul is exact', () => {
    const a = info([1, 2, 3, 4], [2, 2], 'int32');
    const b = info([5, 6, 7, 8], [2, 2], 'int32');
    expect(Array.from(read(be.matmul(a, b, [2, 2]), [2, 2], 'int32'))).toEqual([19, 22, 43, 50]);
  });
});
