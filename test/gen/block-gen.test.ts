/**
 * Block GeN in float64: on a random SPD quadratic with k parameter groups (k in 1..4, groups of
 * one or more leaves), one probe step (gamma 0, no clip) gives the exact k-dimensional Newton
 * step `A_k^{-1} b_k` along the group directions, `(A_k)_ij = d_i^T A d_j`, `b_i = g^T d_i`, in
 * exact and in fit mode; with one group it is `scaleByGeN`, bit for bit, under GeN's options; an
 * indefinite model is rejected per GeN's rule.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  add,
  concat,
  matmul,
  mul,
  reshape,
  sin,
  square,
  sub,
  sum,
  tensor,
  valueAndGrad,
  type Tensor,
} from '@gen-ts/core';
import {
  applyUpdates,
  chain,
  scaleByAdam,
  scaleByBlockGeN,
  scaleByGeN,
  type BlockGeNOptions,
  type GeNOptions,
} from '@gen-ts/gen';
import { F64, dotH, matVecH, normH, solveH, type Mat, type Vec } from './helpers.js';

const U = 2 ** -53;

/** k groups over `sizes.length` leaves (leaf j in group j mod k), an SPD matrix, c, w and a direction. */
interface BlockCase {
  k: number;
  sizes: number[];
  A: Mat;
  c: Vec;
  w: Vec;
  d: Vec;
  lr: number;
}

const entry = fc.double({ min: -1, max: 1, noNaN: true });
// magnitudes in [0.3, 1] with either sign: fast-check's bias to 0 would make most gradients vanish
const away = fc
  .tuple(fc.boolean(), fc.double({ min: 0.3, max: 1, noNaN: true }))
  .map(([s, x]) => (s ? x : -x));
const blockCase = fc
  .record({ k: fc.integer({ min: 1, max: 4 }), extra: fc.integer({ min: 0, max: 2 }) })
  .chain(({ k, extra }) =>
    fc
      .array(fc.integer({ min: 1, max: 2 }), { minLength: k + extra, maxLength: k + extra })
      .chain((sizes) => {
        const n = sizes.reduce((s, x) => s + x, 0);
        const vec = fc.array(entry, { minLength: n, maxLength: n });
        const far = fc.array(away, { minLength: n, maxLength: n });
        return fc.record({
          k: fc.constant(k),
          sizes: fc.constant(sizes),
          M: fc.array(vec, { minLength: n, maxLength: n }),
          delta: fc.double({ min: 0.2, max: 2, noNaN: true }),
          c: far,
          w: far,
          d: far,
          lr: fc.double({ min: 0.1, max: 1, noNaN: true }),
        });
      }),
  )
  .map(({ M, delta, ...r }): BlockCase => {
    const A = M.map((_, i) =>
      M.map((__, j) => M.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? delta : 0)),
    );
    return { ...r, A };
  });

/** Leaf j's flat indices. */
function leafRanges(sizes: number[]): number[][] {
  let at = 0;
  return sizes.map((n) => Array.from({ length: n }, () => at++));
}

/** The direction restricted to each group, as full-length host vectors. */
function groupDirs(q: BlockCase): Vec[] {
  const ranges = leafRanges(q.sizes);
  return Array.from({ length: q.k }, (_, g) => {
    const v = q.d.map(() => 0);
    ranges.forEach((r, j) => {
      if (j % q.k === g) r.forEach((i) => (v[i] = q.d[i]!));
    });
    return v;
  });
}

const treeOf = (q: BlockCase, v: Vec): Tensor[] =>
  leafRanges(q.sizes).map((r) =>
    tensor(
      r.map((i) => v[i]!),
      F64,
    ),
  );
const labelsOf = (q: BlockCase): string[] => q.sizes.map((_, j) => `g${j % q.k}`);
const lossOf = (q: BlockCase) => {
  const A = tensor(q.A, F64);
  const c = tensor(q.c, F64);
  return (p: Tensor[]) => {
    const v = concat(p, 0);
    return sub(mul(sum(mul(v, reshape(matmul(A, reshape(v, [-1, 1])), [-1]))), 0.5), sum(mul(c, v)));
  };
};

/** Host: the k x k model and its Newton step. */
function newton(q: BlockCase) {
  const dirs = groupDirs(q);
  const g = matVecH(q.A, q.w).map((x, i) => x - q.c[i]!);
  const Ak = dirs.map((di) => dirs.map((dj) => dotH(di, matVecH(q.A, dj))));
  const bk = dirs.map((di) => dotH(g, di));
  return { dirs, Ak, bk, eta: solveH(Ak, bk) };
}

/**
 * float64's own error in fit mode, to first order: each probe loss is off by ~2 (n + 9) u M (M the
 * magnitude of the loss's terms at the farthest probe, as helpers.fitRoundoff), so `b_i` by that over
 * `h_i`, `A_ij` by four times that over `h_i h_j`; the solve turns coefficient errors into
 * `cond(A_k) (|dA| / |A| + |db| / |b|)` relative to `|eta*|`, doubled for second-order terms.
 */
function fitBound(q: BlockCase, Ak: Mat, bk: Vec, dirs: Vec[]): number {
  const n = q.w.length;
  const absA = q.A.map((row) => row.map(Math.abs));
  const mag = (p: Vec) => {
    const ap = p.map(Math.abs);
    return 0.5 * dotH(ap, matVecH(absA, ap)) + dotH(q.c.map(Math.abs), ap);
  };
  const far = q.w.map((x, i) => Math.abs(x) + 2 * q.lr * dirs.reduce((s, di) => s + Math.abs(di[i]!), 0));
  const ey = 2 * (n + 9) * U * mag(far);
  const h = q.lr;
  const fro = (m: Mat) => Math.sqrt(m.flat().reduce((s, x) => s + x * x, 0));
  const inv = Ak.map((_, j) =>
    solveH(
      Ak,
      Ak.map((__, i) => (i === j ? 1 : 0)),
    ),
  );
  const cond = fro(Ak) * fro(inv);
  const dA = (4 * ey * q.k) / (h * h);
  const db = (Math.sqrt(q.k) * ey) / h;
  return 2 * cond * (dA / fro(Ak) + db / normH(bk));
}

describe('block GeN is the k-dimensional Newton step (float64)', () => {
  for (const mode of ['exact', 'fit'] as const) {
    it(`${mode} mode: eta* = A_k^{-1} b_k to 1e-10 for k in 1..4; accepted groups take it`, () => {
      fc.assert(
        fc.property(blockCase, (q) => {
          const { dirs, Ak, bk, eta } = newton(q);
          const big = Math.max(...eta.map(Math.abs));
          // skip draws where a component of eta* is ~0: rounding could flip its sign, which decides acceptance
          fc.pre(
            dirs.every((di) => normH(di) > 0.2) &&
              normH(bk) > 0.05 &&
              eta.every((e) => Math.abs(e) > 1e-3 * big),
          );
          const opt = scaleByBlockGeN(labelsOf(q), { lr: q.lr, phi: 1, gamma: 0, clipRatio: Infinity, mode });
          const w = treeOf(q, q.w);
          const [u, s] = opt.update(treeOf(q, q.d), opt.init(w), w, { valueFn: lossOf(q) });
          const tol = 1e-10 + (mode === 'fit' ? fitBound(q, Ak, bk, dirs) : 0);
          const scale = Math.max(...eta.map(Math.abs));
          const got = s.fit.etaStar.toArray() as number[];
          got.forEach((x, i) => expect(Math.abs(x - eta[i]!), `eta*_${i}`).toBeLessThanOrEqual(tol * scale));
          expect(s.fit.positiveDefinite.itemSync()).toBe(1);
          (s.fit.A.toArray() as number[][]).forEach((row, i) =>
            row.forEach((x, j) =>
              expect(Math.abs(x - Ak[i]![j]!)).toBeLessThanOrEqual(
                tol * Math.max(...Ak.flat().map(Math.abs)),
              ),
            ),
          );
          // gamma 0, no clip: a group with eta*_i > 0 takes it, the others keep their rate
          const rates = eta.map((e) => (e > 0 ? e : q.lr));
          s.groups.forEach((gname, i) =>
            expect(Math.abs(s.lr[gname]!.itemSync() - rates[i]!)).toBeLessThanOrEqual(tol * scale),
          );
          const step = q.w.map((_, m) => -rates.reduce((acc, r, i) => acc + r * dirs[i]![m]!, 0));
          const flat = u.flatMap((t) => t.toArray() as number[]);
          flat.forEach((x, m) =>
            expect(Math.abs(x - step[m]!)).toBeLessThanOrEqual(tol * scale * normH(q.d)),
          );
        }),
        { numRuns: 60 },
      );
    });
  }

  it('the groups take the exact Newton step when every eta*_i > 0: the loss falls to the subspace minimum', () => {
    fc.assert(
      fc.property(blockCase, (q) => {
        // the direction is the gradient, so each b_i = ||g_i||^2 > 0 and eta* > 0 on most draws
        const g = matVecH(q.A, q.w).map((x, i) => x - q.c[i]!);
        q = { ...q, d: g };
        const { dirs, eta } = newton(q);
        fc.pre(dirs.every((di) => normH(di) > 0.2) && eta.every((e) => e > 1e-3));
        const opt = scaleByBlockGeN(labelsOf(q), {
          lr: q.lr,
          phi: 1,
          gamma: 0,
          clipRatio: Infinity,
          mode: 'exact',
        });
        const w = treeOf(q, q.w);
        const L = lossOf(q);
        const [u] = opt.update(treeOf(q, q.d), opt.init(w), w, { valueFn: L });
        const w1 = applyUpdates(w, u);
        // the gradient at the new point is orthogonal to every group direction
        const g1 = valueAndGrad(L)(w1)[1] as Tensor[];
        const gv = g1.flatMap((t) => t.toArray() as number[]);
        dirs.forEach((di) => expect(Math.abs(dotH(gv, di))).toBeLessThan(1e-9 * (1 + normH(gv)) * normH(di)));
      }),
      { numRuns: 40 },
    );
  });
});

describe('one group is scaleByGeN', () => {
  const loss = (p: { a: Tensor; b: Tensor }) =>
    add(mul(sum(square(sub(p.a, 1))), 0.5), add(sum(sin(mul(p.b, 2))), mul(sum(square(p.b)), 2)));
  const OPTIONS: (GeNOptions & BlockGeNOptions)[] = [
    {},
    { phi: 1, lr: 0.05 },
    { phi: 2, gamma: 0.5, clipRatio: 4, factors: [-2, -1, 0, 1, 2], r2Min: 0.9 },
    { phi: 1, mode: 'exact', gamma: 0 },
    { phi: 1, fastDecrease: true, negativeCurvature: 'grow', safeguard: { minLr: 1e-3, maxLr: 0.5 } },
    { phi: 1, lr: 10, scale: (t: number) => 1 - t / 40 },
  ];
  it.each(OPTIONS)('bit for bit over 12 Adam-direction steps, options %o', (o) => {
    const a = chain(scaleByAdam(), scaleByGeN(o));
    const b = chain(scaleByAdam(), scaleByBlockGeN('all', o));
    let p = { a: tensor([0.3, -0.5, 2], F64), b: tensor([[0.7], [-1.1]], F64) };
    let [sa, sb] = [a.init(p), b.init(p)];
    for (let t = 0; t < 12; t++) {
      const [value, g] = valueAndGrad(loss)(p) as [Tensor, typeof p];
      const [ua, na] = a.update(g, sa, p, { valueFn: loss, value });
      const [ub, nb] = b.update(g, sb, p, { valueFn: loss, value });
      expect(ub.a.toArray()).toEqual(ua.a.toArray());
      expect(ub.b.toArray()).toEqual(ua.b.toArray());
      expect(nb[1].lr.all!.itemSync()).toBe(na[1].lr.itemSync());
      expect(nb[1].fit.evals).toBe(na[1].fit.evals);
      p = applyUpdates(p, ua);
      [sa, sb] = [na, nb];
    }
  });
});

describe('block GeN in the protocol', () => {
  const loss = (p: { x: Tensor; y: Tensor }) => sub(sum(square(p.x)), mul(sum(square(p.y)), 0.5));
  const p = { x: tensor([1, 2], F64), y: tensor([0.5], F64) };
  const d = { x: tensor([2, 4], F64), y: tensor([-1], F64) }; // the gradient: uphill in x and y

  it('rejects an indefinite model: every group keeps its rate (or grows it with negativeCurvature grow, b_i > 0)', () => {
    const keep = scaleByBlockGeN({ x: 'x', y: 'y' }, { lr: 0.1, phi: 1, gamma: 0 });
    const [, s] = keep.update(d, keep.init(p), p, { valueFn: loss });
    expect(s.fit.positiveDefinite.itemSync()).toBe(0);
    expect(s.fit.accepted.toArray()).toEqual([false, false]);
    expect(s.lr.x!.itemSync()).toBe(0.1);
    expect(s.lr.y!.itemSync()).toBe(0.1);
    const grow = scaleByBlockGeN(
      { x: 'x', y: 'y' },
      { lr: 0.1, phi: 1, gamma: 0, negativeCurvature: 'grow' },
    );
    const [, s2] = grow.update(d, grow.init(p), p, { valueFn: loss });
    expect(s2.lr.x!.itemSync()).toBeCloseTo(0.2, 14); // b_x = 20 > 0: the trust region's edge, clipRatio 2
    expect(s2.lr.y!.itemSync()).toBeCloseTo(0.2, 14); // b_y = 1 > 0
  });

  it('takes labels from a function of the params, skips valueFn between probes, and fails clearly without it', () => {
    const opt = scaleByBlockGeN(() => ({ x: 'first', y: 'second' }), { phi: 2 });
    const s0 = opt.init(p);
    expect(s0.groups).toEqual(['first', 'second']);
    expect(() => opt.update(d, s0, p)).toThrow(
      /scaleByBlockGeN: step 0 is a probe step .* needs extra\.valueFn/,
    );
    const [, s1] = opt.update(d, s0, p, { valueFn: loss });
    const [u2] = opt.update(d, s1, p); // step 1: no probe, no extras needed
    expect(u2.x.toArray()).toEqual((mul(d.x, -s1.lr.first!.itemSync()).toArray() as number[]).map((v) => v));
    expect(() => scaleByBlockGeN('all', { verify: true } as never)).toThrow(
      /scaleByBlockGeN: option verify is not supported/,
    );
    expect(() => scaleByBlockGeN('all', { gama: 0.5 } as never)).toThrow(
      /scaleByBlockGeN: unknown option gama/,
    );
    expect(() => opt.update(d, s0, { x: p.x } as never, { valueFn: loss })).toThrow(
      /scaleByBlockGeN: params and updates have different tree structures/,
    );
  });
});
