/**
 * The cpu movement kernels (transpose, broadcastTo, slice, pad, concat, take, scatterAdd, reshape)
 * against reference loops over explicit multi-indices, as in `cpu-backend.test.ts`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
} from './test-support.js';

describe('movement kernels', () => {
  it('transpose moves every element to the permuted index', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.shuffledSubarray(
              s.map((_, i) => i),
              { minLength: s.length },
            ),
          ),
        ),
        fc.nat(),
        ([shape, perm], seed) => {
          const v = randValues(size(shape), seed);
          const out = perm.map((p) => shape[p]!);
          const got = read(be.transpose(info(v, shape), perm), out, 'float64');
          for (let i = 0; i < got.length; i++) {
            const oi = unravel(i, out);
            const src = new Array<number>(shape.length);
            perm.forEach((p, d) => (src[p] = oi[d]!));
            expect(got[i]).toBe(v[ravel(src, shape)]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('transpose of larger shapes: whole and partial tiles, size-1 axes, merged runs', () => {
    const dims = fc.constantFrom(1, 2, 5, 16, 17, 33);
    const problem = fc
      .array(dims, { minLength: 2, maxLength: 4 })
      .filter((s) => size(s) <= 40000)
      .chain((s) =>
        fc.tuple(
          fc.constant(s),
          fc.shuffledSubarray(
            s.map((_, i) => i),
            { minLength: s.length },
          ),
        ),
      );
    fc.assert(
      fc.property(problem, ([shape, perm]) => {
        const v = Array.from({ length: size(shape) }, (_, i) => i);
        const out = perm.map((p) => shape[p]!);
        const got = read(be.transpose(info(v, shape), perm), out, 'float64');
        const src = new Array<number>(shape.length);
        for (let i = 0; i < got.length; i++) {
          const oi = unravel(i, out);
          perm.forEach((p, d) => (src[p] = oi[d]!));
          if (got[i] !== ravel(src, shape)) expect.fail(`element ${i}: ${got[i]} vs ${ravel(src, shape)}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('broadcastTo repeats along size-1 and new leading axes', () => {
    fc.assert(
      fc.property(bcastPair, fc.nat(), ([sa, sb], seed) => {
        const out = bcastShape(sa!, sb!);
        const v = randValues(size(sb!), seed);
        const got = read(be.broadcastTo(info(v, sb!), out), out, 'float64');
        expect(Array.from(got)).toEqual(
          Array.from({ length: size(out) }, (_, i) => v[bcastRead(unravel(i, out), sb!)]!),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('slice copies the block at begin of the given size', () => {
    const block = shapeArb.chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.tuple(
          ...s.map((d) =>
            fc
              .integer({ min: 0, max: d })
              .chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b }))),
          ),
        ),
      ),
    );
    fc.assert(
      fc.property(block, fc.nat(), ([shape, bs], seed) => {
        const begin = bs.map(([b]) => b);
        const sz = bs.map(([, z]) => z);
        const v = randValues(size(shape), seed);
        const got = read(be.slice(info(v, shape), begin, sz), sz, 'float64');
        expect(got.length).toBe(size(sz));
        for (let i = 0; i < got.length; i++) {
          const idx = unravel(i, sz).map((x, d) => x + begin[d]!);
          expect(got[i]).toBe(v[ravel(idx, shape)]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('pad surrounds with the fill value', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((s) =>
          fc.tuple(fc.constant(s), fc.tuple(...s.map(() => fc.tuple(fc.nat(2), fc.nat(2))))),
        ),
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.nat(),
        ([shape, widths], value, seed) => {
          const v = randValues(size(shape), seed);
          const out = shape.map((d, i) => d + widths[i]![0] + widths[i]![1]);
          const got = read(be.pad(info(v, shape), widths, value), out, 'float64');
          for (let i = 0; i < got.length; i++) {
            const idx = unravel(i, out).map((x, d) => x - widths[d]![0]);
            const inside = idx.every((x, d) => x >= 0 && x < shape[d]!);
            expect(got[i]).toBe(inside ? v[ravel(idx, shape)] : value);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('concat joins along the axis', () => {
    fc.assert(
      fc.property(
        shapeArb.filter((s) => s.length > 0),
        fc.nat(),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        (base, a, extents, seed) => {
          const axis = a % base.length;
          const shapes = extents.map((e) => base.map((d, i) => (i === axis ? e : d)));
          const vals = shapes.map((s, j) => randValues(size(s), seed + j));
          const out = base.map((d, i) => (i === axis ? extents.reduce((x, y) => x + y, 0) : d));
          const got = read(
            be.concat(
              shapes.map((s, j) => info(vals[j]!, s)),
              axis,
              out,
            ),
            out,
            'float64',
          );
          for (let i = 0; i < got.length; i++) {
            const idx = unravel(i, out);
            let j = 0;
            let at = idx[axis]!;
            while (at >= extents[j]!) at -= extents[j++]!;
            const src = idx.slice();
            src[axis] = at;
            expect(got[i]).toBe(vals[j]![ravel(src, shapes[j]!)]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  const takeCase = fc
    .tuple(
      shapeArb.filter((s) => s.length > 0),
      fc.nat(),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
      fc.nat(),
    )
    .map(([shape, a, idxShape, seed]) => {
      const axis = a % shape.length;
      const n = shape[axis]!;
      const idx = randValues(size(idxShape), seed + 5, 0, n).map(Math.floor);
      return { shape, axis, idxShape, idx, seed };
    });

  it('take gathers slices at the indices (any index shape, repeats allowed)', () => {
    fc.assert(
      fc.property(takeCase, ({ shape, axis, idxShape, idx, seed }) => {
        const v = randValues(size(shape), seed);
        const out = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
        const got = read(be.take(info(v, shape), info(idx, idxShape, 'int32'), axis, out), out, 'float64');
        for (let i = 0; i < got.length; i++) {
          const oi = unravel(i, out);
          const j = idx[ravel(oi.slice(axis, axis + idxShape.length), idxShape)]!;
          const src = [...oi.slice(0, axis), j, ...oi.slice(axis + idxShape.length)];
          expect(got[i]).toBe(v[ravel(src, shape)]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('scatterAdd accumulates updates at the indices (repeats add up)', () => {
    fc.assert(
      fc.property(takeCase, ({ shape, axis, idxShape, idx, seed }) => {
        const updShape = [...shape.slice(0, axis), ...idxShape, ...shape.slice(axis + 1)];
        const u = randValues(size(updShape), seed);
        const want = new Array<number>(size(shape)).fill(0);
        for (let i = 0; i < u.length; i++) {
          const ui = unravel(i, updShape);
          const j = idx[ravel(ui.slice(axis, axis + idxShape.length), idxShape)]!;
          want[ravel([...ui.slice(0, axis), j, ...ui.slice(axis + idxShape.length)], shape)]! += u[i]!;
        }
        const got = read(
          be.scatterAdd(info(idx, idxShape, 'int32'), info(u, updShape), axis, shape),
          shape,
          'float64',
        );
        close64(
          got,
          want,
          want.map((w) => Math.abs(w) + 10),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('take and scatterAdd refuse out-of-range indices', () => {
    expect(() => be.take(info([1, 2], [2]), info([2], [1], 'int32'), 0, [1])).toThrow(
      /take: index 2 .*size 2/,
    );
    expect(() => be.scatterAdd(info([-1], [1], 'int32'), info([1], [1]), 0, [2])).toThrow(
      /scatterAdd: index -1/,
    );
  });

  it('reshape keeps the data; readSync returns a copy', () => {
    const x = info([1, 2, 3, 4], [2, 2]);
    const y = { shape: [4], dtype: 'float64' as const, buf: be.reshape(x, [4]) };
    const r = be.readSync!(y);
    r[0] = 100;
    expect(Array.from(be.readSync!(x))).toEqual([1, 2, 3, 4]);
  });
});
