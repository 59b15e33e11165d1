/**
 * Block GeN (beyond the paper): one learning rate per parameter group. With the direction split
 * by group, `d = sum_i d_i`, the loss along the k rates is modelled by the k-dimensional quadratic
 *
 *     L(w - sum_i eta_i d_i) ~ L(w) - eta^T b + 1/2 eta^T A eta,   b_i = G^T d_i,   A_ij = d_i^T H d_j
 *
 * whose minimiser is the Newton step `eta* = A^{-1} b` when `A` is positive definite. GeN is the
 * case `k = 1`. Each group then moves its rate towards its `eta*_i` with GeN's own rule (propose.ts:
 * gate, clip, smoothing, safeguards), so `k = 1` is `scaleByGeN`.
 *
 * `b` and `A` come from the same two estimators as GeN's: `'exact'` (one forward-over-reverse pass
 * per group, `jvp(valueAndGrad L)(w; d_i) = [G^T d_i, H d_i]`) or `'fit'` (probe losses: GeN's
 * parabola along each group alone, `w - r * eta_i * d_i` for every non-zero factor, gives `b_i` and
 * `A_ii`; one probe per pair, `w - eta_i d_i - eta_j d_j`, gives `A_ij` as what the two parabolas do
 * not explain: `(y_ij - q_i(eta_i) - q_j(eta_j)) / (eta_i eta_j)`). With the default factors that is
 * `2k + k(k-1)/2 = k(k+3)/2` probes for the `k(k+3)/2` coefficients, exact on a quadratic.
 */
import {
  add,
  div,
  greater,
  isFinite,
  jvp,
  logicalAnd,
  minimum,
  mul,
  neg,
  scalar,
  stack,
  sub,
  Tensor,
  treeDefEqual,
  treeFlatten,
  treeUnflatten,
  valueAndGrad,
  where,
  zerosLike,
} from '@gen-ts/core';
import type { LabelTree } from '../combine.js';
import type { GradientTransformation } from '../types.js';
import { castTo, firstFloatLeaf, leafLabels, valueAt } from '../util.js';
import type { GeNExtra } from './scale-by-gen.js';
import { lossAt, probeEstimate, type Estimate } from './estimate.js';
import { fitWeights } from './fit.js';
import { genConfig, type GeNOptions } from './options.js';
import { propose, type ProposeRule } from './propose.js';

/** Options of `scaleByBlockGeN`: GeN's, applied to every group (`verify` and `slope: 'gradient'` are not supported). */
export type BlockGeNOptions = Omit<GeNOptions, 'verify' | 'armijo' | 'slope'>;

/** The last fit of `scaleByBlockGeN` (tensors on the params' backend, in the params' float dtype). */
export interface BlockGeNFit {
  /** Slopes `b_i = G^T d_i`, shape `[k]` (NaN before the first probe). */
  readonly b: Tensor;
  /** The curvature matrix `A_ij = d_i^T H d_j`, shape `[k, k]`. */
  readonly A: Tensor;
  /** The Newton step `A^{-1} b` of the quadratic model, shape `[k]`, before clipping and smoothing. */
  readonly etaStar: Tensor;
  /** Whether `A` is positive definite (0-d bool: every pivot of its LDL^T factorisation positive). */
  readonly positiveDefinite: Tensor;
  /** Whether each group's estimate was accepted (bool `[k]`). */
  readonly accepted: Tensor;
  /** Loss evaluations the fit cost (forward passes; in exact mode one forward-over-reverse pass per group). */
  readonly evals: number;
  /** The step count at which it was made (-1 before the first probe). */
  readonly step: number;
}

/** The state of `scaleByBlockGeN`. */
export interface BlockGeNState {
  /** Steps taken; steps with `count % phi == 0` probe. */
  readonly count: number;
  /** The group labels, in the order of `fit`'s vectors (first appearance in the params). */
  readonly groups: readonly string[];
  /** The learning rate of each group (0-d tensors), by label. Write one here to override it. */
  readonly lr: Readonly<Record<string, Tensor>>;
  /** The last fit. */
  readonly fit: BlockGeNFit;
}

const isString = (x: unknown): x is string => typeof x === 'string';

/**
 * Block GeN: takes a direction `d` (uphill, like the gradient) and returns `-eta_g * d` on the
 * leaves labelled `g`, with one rate per label. `labels` is a label tree (as `partition` takes) or
 * a function of the params returning one. On probe steps it needs `extra.valueFn` and `params`,
 * estimates `b` and `A`, solves `A eta* = b` (LDL^T on the device, no readback), and moves each
 * group's rate with GeN's rule (`GeNOptions`), where group `i` accepts when `A` is positive
 * definite and `eta*_i > 0`; otherwise it keeps its rate (halves it when one of its probes was not
 * finite; with `negativeCurvature: 'grow'`, grows it when `A` is not positive definite and
 * `b_i > 0`). One label gives `scaleByGeN`'s steps.
 * @example
 * ```ts
 * import { add, tensor, valueAndGrad, sum, mul, square } from '@gen-ts/core';
 * import { applyUpdates, scaleByBlockGeN } from '@gen-ts/gen';
 * const f = (p: any) => add(sum(square(p.w)), mul(sum(square(p.b)), 10));
 * const opt = scaleByBlockGeN({ w: 'weights', b: 'biases' }, { phi: 1, gamma: 0, clipRatio: Infinity, lr: 0.1 });
 * let p = { w: tensor([1, -2], { dtype: 'float64' }), b: tensor([0.5], { dtype: 'float64' }) };
 * let s = opt.init(p);
 * const [u, next] = opt.update(valueAndGrad(f)(p)[1], s, p, { valueFn: f });
 * console.log(next.lr.weights.itemSync(), next.lr.biases.itemSync()); // 0.5 and 0.05: each group's exact step
 * ```
 */
export function scaleByBlockGeN(
  labels: LabelTree | ((params: any) => LabelTree),
  options: BlockGeNOptions = {},
): GradientTransformation<BlockGeNState, GeNExtra> {
  const op = 'scaleByBlockGeN';
  for (const k of [
    'verify',
    'armijo',
    'slope',
    'preset',
    'warmupSteps',
    'afterLanding',
    'landing',
    'blowUpRatio',
  ])
    if (options !== null && typeof options === 'object' && k in options)
      throw new TypeError(`${op}: option ${k} is not supported (it is scaleByGeN's)`);
  if (options !== null && typeof options === 'object' && (options as { mode?: unknown }).mode === 'lagged')
    throw new TypeError(`${op}: mode 'lagged' is not supported (it is scaleByGeN's); use 'fit' or 'exact'`);
  const cfg = genConfig(options, op);
  const weights = fitWeights(cfg.factors);
  const rule: ProposeRule = { ...cfg, gateR2: cfg.factors.length >= 4 };
  // as `partition`: labels from the params (or a function of them), read along the updates' tree
  const groupsOf = (tree: unknown, params: unknown): { names: string[]; of: number[] } => {
    const ls = typeof labels === 'function' ? labels(params) : labels;
    const perLeaf = leafLabels(op, tree, ls, isString);
    const names = [...new Set(perLeaf)];
    return { names, of: perLeaf.map((l) => names.indexOf(l)) };
  };
  return {
    init: (params) => {
      const leaf = firstFloatLeaf(op, params);
      const s = (v: number) => scalar(v, { dtype: leaf.dtype, backend: leaf.backend });
      const { names } = groupsOf(params, params);
      const k = names.length;
      const nan = s(NaN);
      const vec = (x: Tensor, n: number) => stack(Array.from({ length: n }, () => x));
      const no = scalar(0, { dtype: 'bool', backend: leaf.backend });
      return {
        count: 0,
        groups: names,
        lr: Object.fromEntries(names.map((n) => [n, s(cfg.lr)])),
        fit: {
          b: vec(nan, k),
          A: vec(vec(nan, k), k),
          etaStar: vec(nan, k),
          positiveDefinite: no,
          accepted: vec(no, k),
          evals: 0,
          step: -1,
        },
      };
    },
    update: (d, state, params, extra) => {
      const t = state.count;
      const { names, of } = groupsOf(d, params ?? d);
      const rates = names.map((n) => {
        const r = state.lr[n];
        if (r === undefined)
          throw new Error(`${op}: the state has no rate for group ${n} (was it built for these params?)`);
        return r;
      });
      let lr = state.lr;
      let fit = state.fit;
      if (t % cfg.phi === 0) {
        const valueFn = extra?.valueFn;
        if (typeof valueFn !== 'function')
          throw new Error(
            `${op}: step ${t} is a probe step (every phi = ${cfg.phi} steps) and needs extra.valueFn, ` +
              'the loss as a function of the params (trainStep passes it)',
          );
        if (params === undefined) throw new Error(`${op}: step ${t} is a probe step and needs params`);
        if (!treeDefEqual(treeFlatten(params)[1], treeFlatten(d)[1]))
          throw new Error(`${op}: params and updates have different tree structures`);
        const model =
          cfg.mode === 'exact'
            ? exactModel(d, params, of, names.length, rates[0]!, valueFn)
            : fitModel(weights, d, params, of, rates, valueFn, extra?.value);
        const { etaStar, pd } = newtonStep(model);
        const s = valueAt(cfg.scale, t);
        const proposals = model.groups.map((g, i) => {
          // GeN's gate reads a > 0 and b > 0; for a group of a k-dim model that is "A positive
          // definite and eta*_i > 0" (for k = 1: a > 0 and b / a > 0).
          const gated: Estimate = {
            ...g,
            a: where(pd, g.a, minimum(g.a, 0)),
            b: where(pd, etaStar[i]!, g.b),
            etaStar: etaStar[i]!,
          };
          return propose(rule, gated, rates[i]!, s);
        });
        lr = Object.fromEntries(names.map((n, i) => [n, proposals[i]!.lr]));
        fit = {
          b: stack(model.groups.map((g) => g.b)),
          A: stack(model.A.map((row) => stack(row))),
          etaStar: stack(etaStar),
          positiveDefinite: pd,
          accepted: stack(proposals.map((p) => p.accepted)),
          evals: model.evals,
          step: t,
        };
      }
      const [leaves, def] = treeFlatten(d);
      const out = leaves.map((u, j) => mul(u, castTo(neg(lr[names[of[j]!]!]!), u)));
      return [treeUnflatten(def, out), { count: t + 1, groups: names, lr, fit }];
    },
  };
}

/** The quadratic model: one GeN estimate per group (its own `a = A_ii`, `b_i`, 1-D `eta*`) and the full `A`. */
interface Model {
  readonly groups: readonly Estimate[];
  readonly A: readonly (readonly Tensor[])[];
  readonly evals: number;
}

/** `w - sum_i x_i d_i`, moving only the groups that have a step in `x`. */
function movedGroups(
  params: unknown,
  d: unknown,
  of: readonly number[],
  x: readonly (Tensor | undefined)[],
): unknown {
  const [w, def] = treeFlatten(params);
  const [u] = treeFlatten(d);
  return treeUnflatten(
    def,
    w.map((wj, j) => {
      const xj = x[of[j]!];
      return xj === undefined ? wj : sub(wj, mul(u[j]!, castTo(xj, wj)));
    }),
  );
}

function fitModel(
  weights: ReturnType<typeof fitWeights>,
  d: unknown,
  params: unknown,
  of: readonly number[],
  rates: readonly Tensor[],
  valueFn: (p: any) => Tensor,
  value: Tensor | undefined,
): Model {
  const k = rates.length;
  const like = rates[0]!;
  const L0 = value === undefined ? lossAt(valueFn, params, like, 'scaleByBlockGeN') : castTo(value, like);
  const at = (x: (Tensor | undefined)[]) =>
    lossAt(valueFn, movedGroups(params, d, of, x), like, 'scaleByBlockGeN');
  const only = (i: number, x: Tensor) => Array.from({ length: k }, (_, j) => (j === i ? x : undefined));
  const groups: Estimate[] = rates.map((h, i) => probeEstimate(weights, (x) => at(only(i, x)), h, L0));
  const A: Tensor[][] = groups.map((g) => groups.map(() => g.a));
  let pairs = 0;
  for (let i = 0; i < k; i++) {
    A[i]![i] = groups[i]!.a;
    for (let j = i + 1; j < k; j++) {
      const [hi, hj] = [rates[i]!, rates[j]!];
      const x = Array.from({ length: k }, (_, m) => (m === i ? hi : m === j ? hj : undefined));
      const y = sub(at(x), L0);
      // what the two groups' parabolas q(h) = -b h + a h^2 / 2 do not explain is the cross term A_ij h_i h_j
      const q = (g: Estimate, h: Tensor) => add(mul(neg(g.b), h), mul(mul(g.a, mul(h, h)), 0.5));
      const aij = div(sub(sub(y, q(groups[i]!, hi)), q(groups[j]!, hj)), mul(hi, hj));
      const ok = isFinite(y);
      groups[i] = { ...groups[i]!, allFinite: logicalAnd(groups[i]!.allFinite, ok) };
      groups[j] = { ...groups[j]!, allFinite: logicalAnd(groups[j]!.allFinite, ok) };
      A[i]![j] = aij;
      A[j]![i] = aij;
      pairs++;
    }
  }
  return { groups, A, evals: k * weights.r.length + pairs + (value === undefined ? 1 : 0) };
}

/** Exact `b` and `A`: per group one pass `jvp(valueAndGrad L)(w; d_i) = [G^T d_i, H d_i]`, then `A_ij = <H d_i, d_j>`. */
function exactModel(
  d: unknown,
  params: unknown,
  of: readonly number[],
  k: number,
  like: Tensor,
  valueFn: (p: any) => Tensor,
): Model {
  const [w, def] = treeFlatten(params);
  const [u] = treeFlatten(d);
  const dir = u.map((uj, j) => castTo(uj, w[j]!));
  const vg = valueAndGrad((p: unknown) => lossAt(valueFn, p, like, 'scaleByBlockGeN'));
  const dot = (x: Tensor[], g: number): Tensor => {
    let acc: Tensor | undefined;
    x.forEach((xj, j) => {
      if (of[j] !== g) return;
      const s = mul(xj, dir[j]!).sum();
      acc = acc === undefined ? s : add(acc, castTo(s, acc));
    });
    return castTo(acc!, like);
  };
  const hd: Tensor[][] = [];
  const groups: Estimate[] = [];
  for (let i = 0; i < k; i++) {
    const di = treeUnflatten(
      def,
      dir.map((x, j) => (of[j] === i ? x : zerosLike(x))),
    );
    const [[L0], [slope, hdi]] = jvp((p: unknown) => vg(p) as any, [params], [di]) as unknown as [
      [Tensor, unknown],
      [Tensor, unknown],
    ];
    const h = treeFlatten(hdi)[0];
    hd.push(h);
    const b = castTo(slope, like);
    const a = dot(h, i);
    groups.push({
      a,
      b,
      etaStar: div(b, a),
      r2: scalar(1, { dtype: like.dtype, backend: like.backend }),
      allFinite: logicalAnd(isFinite(L0), logicalAnd(isFinite(a), isFinite(b))),
      evals: 1,
      L0,
      descent: [],
      overshoot: undefined,
    });
  }
  const A = groups.map((g, i) =>
    groups.map((_, j) => (i === j ? g.a : mul(add(dot(hd[i]!, j), dot(hd[j]!, i)), 0.5))),
  );
  const all = groups.reduce((acc, g) => logicalAnd(acc, g.allFinite), groups[0]!.allFinite);
  const rows = A.map((row) => row.reduce((acc, x) => logicalAnd(acc, isFinite(x)), all));
  return { groups: groups.map((g, i) => ({ ...g, allFinite: rows[i]! })), A, evals: k };
}

/**
 * `eta* = A^{-1} b` as the groups' own 1-D steps `b_i / A_ii` plus the coupling's correction
 * `delta`, which solves `A delta = -E eta_1d` (`E`: the off-diagonal part of `A`); for `k = 1` there
 * is none and `eta*` is GeN's. `A` is positive definite when every pivot of `A = L D L^T` is
 * positive (and finite).
 */
function newtonStep(model: Model): { etaStar: Tensor[]; pd: Tensor } {
  const { A, groups } = model;
  const k = groups.length;
  const eta1 = groups.map((g) => g.etaStar);
  // LDL^T without pivoting: D_j = A_jj - sum_m L_jm^2 D_m, L_ij = (A_ij - sum_m L_im L_jm D_m) / D_j
  const L: Tensor[][] = A.map(() => []);
  const D: Tensor[] = [];
  for (let j = 0; j < k; j++) {
    let dj = A[j]![j]!;
    for (let m = 0; m < j; m++) dj = sub(dj, mul(mul(L[j]![m]!, L[j]![m]!), D[m]!));
    D.push(dj);
    for (let i = j + 1; i < k; i++) {
      let x = A[i]![j]!;
      for (let m = 0; m < j; m++) x = sub(x, mul(mul(L[i]![m]!, L[j]![m]!), D[m]!));
      L[i]![j] = div(x, dj);
    }
  }
  const pd = D.reduce(
    (acc, dj) => logicalAnd(acc, logicalAnd(greater(dj, 0), isFinite(dj))),
    greater(D[0]!, 0),
  );
  if (k === 1) return { etaStar: eta1, pd };
  const rhs = A.map((row, i) => {
    let r: Tensor | undefined;
    row.forEach((aij, j) => {
      if (j === i) return;
      const term = mul(aij, eta1[j]!);
      r = r === undefined ? term : add(r, term);
    });
    return neg(r!);
  });
  const y: Tensor[] = [];
  for (let i = 0; i < k; i++) {
    let yi = rhs[i]!;
    for (let m = 0; m < i; m++) yi = sub(yi, mul(L[i]![m]!, y[m]!));
    y.push(yi);
  }
  const delta: Tensor[] = new Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let xi = div(y[i]!, D[i]!);
    for (let m = i + 1; m < k; m++) xi = sub(xi, mul(L[m]![i]!, delta[m]!));
    delta[i] = xi;
  }
  return { etaStar: eta1.map((e, i) => add(e, delta[i]!)), pd };
}
