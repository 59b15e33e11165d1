/** Pytrees: flatten/unflatten round trips, treeMap over several trees, and the vector algebra. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  mul,
  scalar,
  sub,
  tensor,
  Tensor,
  treeAdd,
  treeDefEqual,
  treeFlatten,
  treeLeaves,
  treeMap,
  treeNorm,
  treeScale,
  treeSub,
  treeUnflatten,
  treeVdot,
  treeZerosLike,
  zeros,
} from './index.js';

const f64 = (v: number[], shape?: number[]) => tensor(v, { dtype: 'float64', shape: shape ?? [v.length] });
const vals = (t: unknown) => Array.from((t as Tensor).dataSync());

describe('treeFlatten / treeUnflatten', () => {
  it('flattens depth-first, object keys in insertion order, keeping statics in the structure', () => {
    const [a, b, c, d] = [f64([1]), f64([2]), f64([3]), f64([4])];
    const tree = { w: [a, { z: b, y: 3 }], s: 'name', n: null, u: undefined, t: true, q: [c, [], {}, d] };
    const [leaves, def] = treeFlatten(tree);
    expect(leaves).toEqual([a, b, c, d]);
    leaves.forEach((l, i) => expect(l).toBe([a, b, c, d][i])); // the same objects, not copies
    expect(treeLeaves(tree)).toEqual(leaves);
    const back = treeUnflatten<typeof tree>(def, leaves);
    expect(back).toEqual(tree);
    expect(back.w[0]).toBe(a);
    expect(back.s).toBe('name');
    expect(back.n).toBeNull();
    expect('u' in back && back.u === undefined).toBe(true);
    expect(back.q[1]).toEqual([]);
    expect(back.q[2]).toEqual({});
  });

  it('a lone tensor and a static are trees too', () => {
    const x = f64([1, 2]);
    const [l, def] = treeFlatten(x);
    expect(l).toEqual([x]);
    expect(treeUnflatten(def, [x])).toBe(x);
    const [l2, def2] = treeFlatten(7);
    expect(l2).toEqual([]);
    expect(treeUnflatten(def2, [])).toBe(7);
  });

  it('round-trips random nested trees and rebuilds with replaced leaves', () => {
    const leaf = fc.integer({ min: -5, max: 5 }).map((v) => f64([v]));
    const staticV = fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null), fc.boolean());
    const { tree } = fc.letrec<{ tree: unknown }>((rec) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        staticV,
        fc.array(rec('tree'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'k1', 'k2'), rec('tree'), { maxKeys: 3 }),
      ),
    }));
    fc.assert(
      fc.property(tree, (t) => {
        const [leaves, def] = treeFlatten(t);
        expect(treeUnflatten(def, leaves)).toEqual(t);
        // new leaves land where the old ones were
        const doubled = leaves.map((x) => mul(x, 2));
        const [again, def2] = treeFlatten(treeUnflatten(def, doubled));
        expect(treeDefEqual(def, def2)).toBe(true);
        again.forEach((x, i) => expect(x).toBe(doubled[i]));
      }),
      { numRuns: 100 },
    );
  });

  it('rejects class instances and a wrong number of leaves', () => {
    expect(() => treeFlatten({ m: new Map() })).toThrow(/treeFlatten: .*Map/);
    expect(() => treeFlatten([new Date()])).toThrow(/treeFlatten: .*Date/);
    const [, def] = treeFlatten([f64([1]), f64([2])]);
    expect(() => treeUnflatten(def, [f64([1])])).toThrow(/treeUnflatten: structure has 2 leaves, got 1/);
  });

  it('treeDefEqual compares structure and statics', () => {
    const d = (t: unknown) => treeFlatten(t)[1];
    const x = f64([1]);
    expect(treeDefEqual(d({ a: x, b: [x, 1] }), d({ a: x, b: [x, 1] }))).toBe(true);
    expect(treeDefEqual(d({ a: x, b: [x, 1] }), d({ a: x, b: [x, 2] }))).toBe(false);
    expect(treeDefEqual(d({ a: x, b: x }), d({ b: x, a: x }))).toBe(false); // key order matters
    expect(treeDefEqual(d([x, x]), d([x]))).toBe(false);
    expect(treeDefEqual(d([x]), d({ 0: x }))).toBe(false);
  });
});

describe('treeMap', () => {
  it('maps corresponding leaves of several trees', () => {
    const a = { p: f64([1, 2]), q: [f64([3])], name: 'layer' };
    const b = { p: f64([10, 20]), q: [f64([30])], name: 'layer' };
    const c = { p: f64([5, 5]), q: [f64([1])], name: 'layer' };
    const out = treeMap<typeof a>((x, y, z) => sub(add(x, mul(y!, 2)), z!), a, b, c);
    expect(vals(out.p)).toEqual([16, 37]);
    expect(vals(out.q[0])).toEqual([62]);
    expect(out.name).toBe('layer');
  });

  it('throws naming the structures when the trees differ', () => {
    const a = { p: f64([1]), q: [f64([1])] };
    expect(() => treeMap((x) => x, a, { p: f64([1]) })).toThrow(/treeMap: tree 1 has structure \{p: \*\}/);
    expect(() => treeMap((x) => x, a, a, { p: f64([1]), q: f64([1]) })).toThrow(
      /treeMap: tree 2 has structure/,
    );
    expect(() => treeMap((x) => x, [f64([1]), 'a'], [f64([1]), 'b'])).toThrow(/expected \[\*, "a"\]/);
  });
});

describe('tree vector algebra', () => {
  const a = { w: f64([1, 2, 3, 4], [2, 2]), b: f64([-1]) };
  const b = { w: f64([0.5, 0, -2, 1], [2, 2]), b: f64([3]) };

  it('treeAdd, treeSub and treeScale work leafwise', () => {
    const s = treeAdd(a, b);
    expect(vals(s.w)).toEqual([1.5, 2, 1, 5]);
    expect(vals(s.b)).toEqual([2]);
    const d = treeSub(a, b);
    expect(vals(d.w)).toEqual([0.5, 2, 5, 3]);
    expect(vals(d.b)).toEqual([-4]);
    expect(vals(treeScale(a, -2).w)).toEqual([-2, -4, -6, -8]);
    expect(vals(treeScale(a, scalar(0.5, { dtype: 'float64' })).b)).toEqual([-0.5]);
    expect(s.w.shape).toEqual([2, 2]);
  });

  it('treeVdot and treeNorm are the inner product and 2-norm over all leaves', () => {
    // 1*0.5 + 2*0 + 3*-2 + 4*1 + (-1)*3 = -4.5
    expect(treeVdot(a, b).itemSync()).toBe(-4.5);
    expect(treeVdot(a, b).shape).toEqual([]);
    expect(treeNorm(a).itemSync()).toBeCloseTo(Math.sqrt(1 + 4 + 9 + 16 + 1), 14);
    expect(() => treeVdot(a, { w: a.w })).toThrow(/treeVdot: structures differ/);
    expect(() => treeVdot({}, {})).toThrow(/treeVdot: .*no leaves/);
  });

  it('treeZerosLike keeps shapes, dtypes and statics', () => {
    const t = { w: a.w, n: [tensor([1, 2], { dtype: 'int32' })], tag: 'x' };
    const z = treeZerosLike(t);
    expect(z.w.shape).toEqual([2, 2]);
    expect(z.w.dtype).toBe('float64');
    expect(vals(z.w)).toEqual([0, 0, 0, 0]);
    expect(z.n[0]!.dtype).toBe('int32');
    expect(vals(z.n[0])).toEqual([0, 0]);
    expect(z.tag).toBe('x');
  });

  it('agrees with flat vectors on random trees (float64)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (rows, s) => {
          const ta = rows.map((r) => f64(r));
          const tb = rows.map((r) => f64(r.map((v, i) => v * 0.5 - i)));
          const fa = rows.flat();
          const fb = rows.flatMap((r) => r.map((v, i) => v * 0.5 - i));
          const dot = fa.reduce((acc, v, i) => acc + v * fb[i]!, 0);
          const scale = fa.reduce((acc, v) => acc + Math.abs(v * 0.5) + Math.abs(v), 1) * 10;
          expect(Math.abs(treeVdot(ta, tb).itemSync() - dot)).toBeLessThanOrEqual(1e-12 * scale);
          const norm = Math.sqrt(fa.reduce((acc, v) => acc + v * v, 0));
          expect(Math.abs(treeNorm(ta).itemSync() - norm)).toBeLessThanOrEqual(1e-12 * (norm + 1));
          expect(treeLeaves(treeScale(ta, s)).flatMap(vals)).toEqual(fa.map((v) => v * s));
          expect(treeLeaves(treeAdd(ta, tb)).flatMap(vals)).toEqual(fa.map((v, i) => v + fb[i]!));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('works on float32 trees and plain leaves', () => {
    const x = zeros([3]);
    expect(treeNorm(treeAdd(x, x)).dtype).toBe('float32');
    expect(vals(treeScale([tensor([1, 2])], 3)[0])).toEqual([3, 6]);
  });
});
