/**
 * GeN on the gpu.js backend: on a smooth non-quadratic loss (a tanh MLP with softmax
 * cross-entropy) and on a random SPD quadratic, `scaleByGeN`'s fit-mode and exact-mode
 * coefficients `a = d^T H d`, `b = G^T d` and `eta* = b / a` agree with each other and with the
 * cpu float64 reference, to bounds derived from float32 rounding; and the gradients agree with the
 * float64 ones. Every input is a float32 number, so both backends start from the same point.
 *
 * The bounds. Let `U = 2^-24`, float32's unit roundoff. A loss evaluated in float32 is, by
 * backward-error analysis, the exact loss at inputs perturbed relatively by at most `K * U`, with
 * `K = 64`: the longest chain of rounded operations (the length-5/8/3 dot products, the batch mean
 * of 16, the softmax: about 40) with room for `exp`/`tanh`/`log` kernels good to a few ulps only
 * (WGSL's on webgpu; webasm and gpu.js cpu round JavaScript's float64 Math). So the loss is off by
 * at most `eps = K U S`, with
 * `S = max_i |L(w_i)| + sum_j |w_j| |dL/dw_j|` (w_i the probe points; the second term carries a
 * relative perturbation of the weights to the loss).
 *
 * Fit mode with factors [-1, 0, 1] and probe step `h` is the central difference:
 *   b_fit = (L(w + h d) - L(w - h d)) / (2h)        = b + h^2 f3 / 6  + O(h^4)
 *   a_fit = (L(w + h d) - 2 L(w) + L(w - h d)) / h^2 = a + h^2 f4 / 12 + O(h^4)
 * (f_k: the k-th derivative of the loss along d). Rounding the three losses adds at most
 * `eps / h` to b and `4 eps / h^2` to a (cancellation of nearly equal losses). The probe step
 * minimising the bound on a balances the two: `h^2 |f4| / 12 = 4 eps / h^2`, `h = (48 eps / |f4|)^(1/4)`;
 * on the quadratic (f4 = 0) the truncation vanishes and `h = eta*` (the natural step). Then:
 *   - gpu fit vs cpu float64 fit (same h): the rounding terms, plus 8U relative for the fit's own arithmetic;
 *   - gpu exact vs cpu float64 exact: forward-over-reverse has no cancellation by division, so
 *     `K U` times the sum it reduces, bounded by `|G| |d|` for b and `|H d| |d|` for a;
 *   - cpu float64 fit vs exact: the truncation, within twice its leading term;
 *   - gpu fit vs gpu exact: the sum of the three (triangle inequality);
 *   - eta*: the relative bounds of a and b added.
 * Gradients: the project's float32 tolerance, 1e-5 + 1e-4 |g| (about K U, as above).
 */
import {
  add,
  cpu,
  grad,
  hvp,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  oneHot,
  scalar,
  sub,
  sum,
  tanh,
  tensor,
  treeLeaves,
  treeMap,
  valueAndGrad,
  withBackend,
  type Backend,
  type Tensor,
} from '@gen-ts/core';
import { scaleByGeN, type GeNFit } from '@gen-ts/gen';
import { gpujs, KERNEL_CLASS, type GpujsBackend } from '@gen-ts/gpu';
import { describeModes } from '../support/gpu-modes.js';
import { describe, expect, it } from 'vitest';

type Dtype = 'float32' | 'float64';
type Tree = Record<string, Tensor>;
type Host = Record<string, { data: number[]; shape: number[] }>;

const U = 2 ** -24;
const K = 64;

/** Deterministic float32 numbers in [-1, 1) (a small LCG; no dependence on any backend's PRNG). */
function randoms(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(s / 2 ** 31 - 1);
  });
}

const toTree = (h: Host, dtype: Dtype): Tree =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k, tensor(v.data, { shape: v.shape, dtype })]));

/** A loss and its starting point; `make` builds the data on the current backend in `dtype`. */
interface Problem {
  readonly name: string;
  readonly params: Host;
  readonly make: (dtype: Dtype) => (p: Tree) => Tensor;
}

const scaled = (n: number, seed: number, c: number): number[] =>
  randoms(n, seed).map((v) => Math.fround(v * c));

const mlp: Problem = {
  name: 'tanh MLP 5-8-3, softmax cross-entropy, batch 16',
  params: {
    w1: { data: scaled(40, 1, 0.6), shape: [5, 8] },
    b1: { data: scaled(8, 2, 0.1), shape: [8] },
    w2: { data: scaled(24, 3, 0.5), shape: [8, 3] },
    b2: { data: scaled(3, 4, 0.1), shape: [3] },
  },
  make: (dtype) => {
    const x = tensor(randoms(80, 5), { shape: [16, 5], dtype });
    const labels = tensor(
      Array.from({ length: 16 }, (_, i) => (i * 7) % 3),
      { dtype: 'int32' },
    );
    const onehot = oneHot(labels, 3, dtype);
    return (p) => {
      const h = tanh(add(matmul(x, p['w1']!), p['b1']!));
      const logits = add(matmul(h, p['w2']!), p['b2']!);
      return mean(neg(sum(mul(logSoftmax(logits, -1), onehot), -1)));
    };
  },
};

/** `L = 1/2 w^T A w - c^T w` with `A = M^T M / n + I/2` (SPD), n = 8. */
const quadratic: Problem = (() => {
  const n = 8;
  const m = randoms(n * n, 11);
  const a = Array.from({ length: n * n }, (_, ij) => {
    const [i, j] = [Math.floor(ij / n), ij % n];
    let s = i === j ? 0.5 : 0;
    for (let k = 0; k < n; k++) s += (m[k * n + i]! * m[k * n + j]!) / n;
    return Math.fround(s);
  });
  return {
    name: 'random SPD quadratic, n = 8',
    params: { w: { data: randoms(n, 12), shape: [n] } },
    make: (dtype) => {
      const A = tensor(a, { shape: [n, n], dtype });
      const c = tensor(randoms(n, 13), { dtype });
      return (p) => {
        const w = p['w']!;
        return sub(mul(sum(mul(w, matmul(A, w))), 0.5), sum(mul(c, w)));
      };
    },
  };
})();

/** One GeN probe step (phi 1, no smoothing or clipping) from learning rate `h`; its fit. */
function genFit(params: Tree, d: Tree, L: (p: Tree) => Tensor, h: number, mode: 'fit' | 'exact'): GeNFit {
  const t = scaleByGeN({ lr: h, phi: 1, gamma: 0, clipRatio: Infinity, mode });
  return t.update(d, t.init(params), params, { valueFn: L })[1].fit;
}

const flat = async (t: Tree): Promise<number[]> =>
  (await Promise.all(treeLeaves(t).map((x) => x.data()))).flatMap((v) => Array.from(v));
const flatSync = (t: Tree): number[] => treeLeaves(t).flatMap((x) => Array.from(x.dataSync()));
const norm = (v: number[]): number => Math.hypot(...v);
const coeffs = async (f: GeNFit): Promise<[number, number, number]> => [
  await f.a.item(),
  await f.b.item(),
  await f.etaStar.item(),
];
const coeffsSync = (f: GeNFit): [number, number, number] => [
  f.a.itemSync(),
  f.b.itemSync(),
  f.etaStar.itemSync(),
];

/** The float64 reference of one problem, computed once on core's cpu backend. */
interface Reference {
  readonly grad: number[];
  /** The direction: the float64 gradient rounded to float32 (so b = G^T d > 0). */
  readonly d: Host;
  readonly h: number;
  readonly fit: [number, number, number];
  readonly exact: [number, number, number];
  /** Rounding bounds of fit-mode a and b on float32 (4 eps / h^2 and eps / h). */
  readonly roundA: number;
  readonly roundB: number;
  /** Bounds of exact-mode a and b on float32. */
  readonly exactA: number;
  readonly exactB: number;
  /** Leading truncation terms of fit mode at h: h^2 |f4| / 12 and h^2 |f3| / 6. */
  readonly truncA: number;
  readonly truncB: number;
}

function reference(pr: Problem): Reference {
  // withBackend is synchronous: everything here runs (and reads back) inside it
  return withBackend(cpu(), () => {
    const L = pr.make('float64');
    const w = toTree(pr.params, 'float64');
    const [l0, g] = valueAndGrad(L)(w) as [Tensor, Tree];
    const gv = flatSync(g);
    const d: Host = Object.fromEntries(
      Object.entries(pr.params).map(([k, v]) => [
        k,
        { shape: v.shape, data: Array.from(g[k]!.dataSync(), (x) => Math.fround(x)) },
      ]),
    );
    const dt = toTree(d, 'float64');
    const dv = flatSync(dt);
    // derivatives of phi(t) = L(w + t d) at 0
    const along = (k: number): number => {
      let f = (t: Tensor): Tensor => L(treeMap((x, u) => add(x, mul(u!, t)), w, dt));
      for (let i = 0; i < k; i++) f = grad(f);
      return f(scalar(0, { dtype: 'float64' })).itemSync();
    };
    const [f3, f4] = [along(3), along(4)];
    const exact = coeffsSync(genFit(w, dt, L, 1, 'exact'));
    const wv = flatSync(w);
    const sens = wv.reduce((s, x, i) => s + Math.abs(x * gv[i]!), 0);
    // h from the balance above; its eps uses |L0| (the probe losses are checked against it below)
    const eps0 = K * U * (Math.abs(l0.itemSync()) + sens);
    const h = Math.fround(Math.abs(f4) > 1e-12 ? ((48 * eps0) / Math.abs(f4)) ** 0.25 : exact[2]);
    const probe = (s: number): number => L(treeMap((x, u) => sub(x, mul(u!, s * h)), w, dt)).itemSync();
    const S = Math.max(...[-1, 0, 1].map((s) => Math.abs(probe(s)))) + sens;
    const eps = K * U * S;
    const hd = flatSync(hvp(L, w, dt) as Tree);
    return {
      grad: gv,
      d,
      h,
      fit: coeffsSync(genFit(w, dt, L, h, 'fit')),
      exact,
      roundA: (4 * eps) / h ** 2,
      roundB: eps / h,
      exactA: K * U * norm(hd) * norm(dv),
      exactB: K * U * norm(gv) * norm(dv),
      truncA: (h ** 2 * Math.abs(f4)) / 12,
      truncB: (h ** 2 * Math.abs(f3)) / 6,
    };
  });
}

const problems = [mlp, quadratic];
const refs = new Map<Problem, Reference>();
const refOf = (p: Problem): Reference => {
  if (!refs.has(p)) refs.set(p, reference(p));
  return refs.get(p)!;
};

describe('the float64 reference', () => {
  it.each(problems)('$name: fit-mode truncation is within twice its leading term', async (pr) => {
    const r = refOf(pr);
    expect(r.exact[0]).toBeGreaterThan(0);
    expect(r.exact[1]).toBeGreaterThan(0);
    // float64 rounding (~1e-16 eps / h^2) is negligible next to these
    expect(Math.abs(r.fit[0] - r.exact[0])).toBeLessThanOrEqual(2 * r.truncA + 1e-9 * r.exact[0]);
    expect(Math.abs(r.fit[1] - r.exact[1])).toBeLessThanOrEqual(2 * r.truncB + 1e-9 * r.exact[1]);
  });
});

await describeModes('GeN on ', (m) => {
  const c = { mode: m.options.mode, threads: m.options.threads };
  /**
   * Builds `body`'s tensors on a fresh backend of this case (withBackend is synchronous; the
   * results are read after it), and checks which kernel class ran.
   */
  async function on<T>(body: () => T, read: (t: T) => Promise<number[]>): Promise<number[]> {
    const b: GpujsBackend = gpujs({ mode: c.mode, threads: c.threads ?? 0 });
    try {
      await b.ready();
      const out = await read(withBackend(b as Backend, body));
      expect(b.info().ranOn).toEqual([KERNEL_CLASS[c.mode]]);
      return out;
    } finally {
      b.destroy();
    }
  }

  it.each(problems)('$name: gradients match cpu float64', async (pr) => {
    const r = refOf(pr);
    const got = await on(
      () => (valueAndGrad(pr.make('float32'))(toTree(pr.params, 'float32')) as [Tensor, Tree])[1],
      flat,
    );
    expect(got.length).toBe(r.grad.length);
    got.forEach((v, i) =>
      expect(Math.abs(v - r.grad[i]!)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(r.grad[i]!)),
    );
  });

  it.each(problems)('$name: a, b, eta* of fit and exact mode agree, and match cpu float64', async (pr) => {
    const r = refOf(pr);
    const both = await on(
      () => {
        const L = pr.make('float32');
        const w = toTree(pr.params, 'float32');
        const d = toTree(r.d, 'float32');
        return [genFit(w, d, L, r.h, 'fit'), genFit(w, d, L, r.h, 'exact')];
      },
      async ([f, e]) => [...(await coeffs(f!)), ...(await coeffs(e!))],
    );
    const [fit, exact] = [both.slice(0, 3), both.slice(3)] as [number[], number[]];
    const within = (got: number, want: number, tol: number, what: string): void =>
      expect(Math.abs(got - want), `${what}: ${got} vs ${want} (bound ${tol})`).toBeLessThanOrEqual(tol);
    const fitA = r.roundA + 8 * U * Math.abs(r.fit[0]);
    const fitB = r.roundB + 8 * U * Math.abs(r.fit[1]);
    const [ta, tb] = [Math.abs(r.fit[0] - r.exact[0]), Math.abs(r.fit[1] - r.exact[1])];
    within(fit[0], r.fit[0], fitA, 'fit a vs float64 fit a');
    within(fit[1], r.fit[1], fitB, 'fit b vs float64 fit b');
    within(exact[0], r.exact[0], r.exactA, 'exact a vs float64 exact a');
    within(exact[1], r.exact[1], r.exactB, 'exact b vs float64 exact b');
    within(fit[0], exact[0], fitA + ta + r.exactA, 'fit a vs exact a');
    within(fit[1], exact[1], fitB + tb + r.exactB, 'fit b vs exact b');
    const relFit = fitA / r.fit[0] + fitB / r.fit[1];
    const relExact = r.exactA / r.exact[0] + r.exactB / r.exact[1];
    const star = r.exact[2];
    within(fit[2], r.fit[2], relFit * Math.abs(r.fit[2]), 'fit eta* vs float64 fit eta*');
    within(exact[2], star, relExact * star, 'exact eta* vs float64 exact eta*');
    within(
      fit[2],
      exact[2],
      (relFit + relExact) * star + Math.abs(r.fit[2] - star),
      'fit eta* vs exact eta*',
    );
  });
});
