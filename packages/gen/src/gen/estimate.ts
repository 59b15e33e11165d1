/**
 * GeN's first stage, estimate: the slope `b = G^T d` and curvature `a = d^T H d` of the loss along
 * the direction `d`, and `eta* = b / a`, as an `Estimate` record of tensors. Three estimators:
 * probe losses fitted by a parabola (`'fit'`), the same with the slope taken from the gradient
 * (`slope: 'gradient'`), and forward-over-reverse autodiff (`'exact'`). `probeEstimate` is written
 * over a loss along the direction, `lossAlong(x) = L(w - x d)`, elementwise in the probe step `x`,
 * so one probe step per parameter group (a vector `lr`) gives one estimate per group.
 */
import {
  add,
  div,
  equal,
  greater,
  isFinite,
  jvp,
  logicalAnd,
  mul,
  neg,
  scalar,
  sub,
  Tensor,
  treeMap,
  valueAndGrad,
  where,
} from '@gen-ts/core';
import type { LossExtras } from '../types.js';
import { castTo } from '../util.js';
import { fitParabola, type FitWeights, type ParabolaFit } from './fit.js';
import type { GeNConfig } from './options.js';

/** A probe on the descent side (`r_i > 0`): step `x = r_i * eta` and `y = L(w - x d) - L(w)`. */
export interface DescentProbe {
  readonly x: Tensor;
  readonly y: Tensor;
}

/** What the estimate stage found (tensors shaped like the rate: 0-d for one rate). */
export interface Estimate extends ParabolaFit {
  /** The loss at `w`, every probe loss (and in exact mode the slope and curvature) finite. */
  readonly allFinite: Tensor;
  /** Loss evaluations spent (forward passes; exact mode counts its one forward-over-reverse pass). */
  readonly evals: number;
  /** The loss at `w`. */
  readonly L0: Tensor;
  /** The descent-side probes, in factor order. Empty in exact mode. */
  readonly descent: readonly DescentProbe[];
  /** Every probe (both sides) raised the loss: the probe step is too long. Undefined in exact mode. */
  readonly overshoot: Tensor | undefined;
}

/**
 * Fits the parabola to probe losses along `-d`: `lossAlong(x)` is `L(w - x d)` for a probe step
 * `x` shaped like `lr`, `L0` the loss at `w`, `slope` the known `b` when the weights were built for
 * it (`fitWeights(factors, true)`). Costs `weights.r.length` evaluations of `lossAlong`.
 */
export function probeEstimate(
  weights: FitWeights,
  lossAlong: (x: Tensor) => Tensor,
  lr: Tensor,
  L0: Tensor,
  slope?: Tensor,
): Estimate {
  let allFinite = isFinite(L0);
  const descent: DescentProbe[] = [];
  let overshoot: Tensor | undefined;
  const ys = weights.r.map((r) => {
    const x = mul(lr, r);
    const y = sub(lossAlong(x), L0);
    allFinite = logicalAnd(allFinite, isFinite(y));
    if (r > 0) descent.push({ x, y });
    overshoot = overshoot === undefined ? greater(y, 0) : logicalAnd(overshoot, greater(y, 0));
    return y;
  });
  return {
    ...fitParabola(weights, ys, lr, slope),
    allFinite,
    evals: weights.r.length,
    L0,
    descent,
    overshoot,
  };
}

/**
 * Slope and curvature from forward-over-reverse: `jvp(valueAndGrad L)(w; d)` gives `[L, G]` and
 * `[G^T d, H d]`; `a = <H d, d>`. One pass, counted as one evaluation.
 */
export function exactEstimate(
  d: unknown,
  params: unknown,
  lr: Tensor,
  valueFn: (p: any) => Tensor,
  op = 'scaleByGeN',
): Estimate {
  const dir = treeMap((u, w) => castTo(u, w!), d, params);
  const vg = valueAndGrad((p: unknown) => lossAt(valueFn, p, lr, op));
  const [[L0], [slope, hd]] = jvp((p: unknown) => vg(p) as any, [params], [dir]) as unknown as [
    [Tensor, unknown],
    [Tensor, unknown],
  ];
  const b = castTo(slope, lr);
  const a = castTo(treeVdotMixed(hd, dir, `${op}: Hessian-vector product`), lr);
  return {
    a,
    b,
    etaStar: div(b, a),
    r2: scalar(1, { dtype: lr.dtype, backend: lr.backend }),
    allFinite: logicalAnd(isFinite(L0), logicalAnd(isFinite(a), isFinite(b))),
    evals: 1,
    L0,
    descent: [],
    overshoot: undefined,
  };
}

/** The point a lagged fit starts from: the params and rate of the last probe step, and its step count. */
export interface LaggedPoint<P = unknown> {
  /** The params before that step, `w_{t-1}`. */
  readonly w: P;
  /** The rate of that step's update. */
  readonly lr: Tensor;
  /** Its step count (int32 0-d; -1 before the first): a fit from any other step is stale. */
  readonly step: Tensor;
}

/**
 * The lagged fit (`mode: 'lagged'`), on the step `t` after a probe step: the parabola along the
 * probe step's update `dw = w_{t-1} - w_t = eta d`, from the loss `L_t(w_t)` and gradient `G_t` of
 * step `t`'s own batch (data the probe step's direction never saw) and one forward pass of that
 * batch at `w_{t-1}`. With `f(x) = L_t(w_{t-1} - x d)`, `f(0)`, `f(eta)` and `f'(eta) = -G_t^T d`
 * fix `f = f(0) - b x + a x^2 / 2`: with `D = f(eta) - f(0)` and `g = G_t^T dw`,
 *
 *     a eta^2 / 2 = -g - D,      b eta = -g - 2 D,      eta* = eta (g + 2 D) / (2 (g + D)),
 *
 * exact on a quadratic. A step that did not move (`dw = 0`) gives `a = 0`, a rejected fit; a
 * stale point (the probe step's state was rolled back) gives `b = 0`, also rejected.
 */
export function laggedEstimate(
  prev: LaggedPoint,
  params: unknown,
  value: Tensor,
  grad: unknown,
  valueFn: (p: any) => Tensor,
  t: number,
  op = 'scaleByGeN',
): Estimate {
  const lr = prev.lr;
  const L0 = lossAt(valueFn, prev.w, lr, op);
  const L1 = castTo(value, lr);
  const D = sub(L1, L0);
  const dw = treeMap((a, b) => sub(a, b!), prev.w, params);
  const g = castTo(treeVdotMixed(grad, dw, `${op} (mode 'lagged'): extra.grad`), lr);
  const A = neg(add(g, D)); // a eta^2 / 2
  const bEta = neg(add(g, mul(D, 2)));
  const fresh = equal(prev.step, t - 1);
  const b = where(fresh, div(bEta, lr), 0);
  return {
    a: div(mul(A, 2), mul(lr, lr)),
    b,
    etaStar: div(mul(bEta, lr), mul(A, 2)),
    r2: scalar(1, { dtype: lr.dtype, backend: lr.backend }),
    allFinite: logicalAnd(isFinite(L0), logicalAnd(isFinite(L1), isFinite(g))),
    evals: 1,
    L0,
    descent: [{ x: lr, y: D }],
    overshoot: greater(D, 0),
  };
}

/**
 * The estimate stage of `scaleByGeN` on a probe step `t`: checks the extras it needs and runs the
 * estimator `cfg` asks for, with one rate `lr` for the whole tree.
 */
export function estimate(
  cfg: GeNConfig,
  weights: FitWeights,
  d: unknown,
  params: unknown,
  lr: Tensor,
  extra: LossExtras | undefined,
  t: number,
  op = 'scaleByGeN',
): Estimate {
  const valueFn = extra?.valueFn;
  if (typeof valueFn !== 'function') {
    throw new Error(
      `${op}: step ${t} is a probe step (every phi = ${cfg.phi} steps) and needs extra.valueFn, ` +
        'the loss as a function of the params: update(updates, state, params, { valueFn }) (trainStep passes it)',
    );
  }
  if (params === undefined) throw new Error(`${op}: step ${t} is a probe step and needs params`);
  if (cfg.mode === 'exact') return exactEstimate(d, params, lr, valueFn, op);
  let slope: Tensor | undefined;
  if (cfg.slope === 'gradient') {
    const name = `${op} (slope 'gradient')`;
    if (extra?.grad === undefined || !(extra.value instanceof Tensor))
      throw new Error(
        `${name}: step ${t} is a probe step and needs extra.grad and extra.value, the gradient and ` +
          "loss on valueFn's own data (trainStep passes them with probe: 'own', probing the gradient's batch)",
      );
    slope = castTo(treeVdotMixed(extra.grad, d, `${name}: extra.grad`), lr);
  }
  const value = extra?.value;
  const L0 = value === undefined ? lossAt(valueFn, params, lr, op) : castTo(value, lr);
  const est = probeEstimate(weights, (x) => lossAt(valueFn, moved(params, d, x), lr, op), lr, L0, slope);
  return value === undefined ? { ...est, evals: est.evals + 1 } : est;
}

/** `w - eta * d` over the tree (`eta` 0-d). */
export function moved(params: unknown, d: unknown, eta: Tensor): unknown {
  return treeMap((w, u) => sub(w, mul(u!, castTo(eta, w))), params, d);
}

/** `valueFn(p)`, checked to be a 0-d loss, in `like`'s dtype. */
export function lossAt(valueFn: (p: any) => Tensor, p: unknown, like: Tensor, op = 'scaleByGeN'): Tensor {
  const y = valueFn(p);
  if (!(y instanceof Tensor) || y.rank !== 0) {
    const got = y instanceof Tensor ? `a tensor of shape [${y.shape.join(', ')}]` : typeof y;
    throw new TypeError(`${op}: extra.valueFn must return a 0-d (scalar) loss tensor, got ${got}`);
  }
  return castTo(y, like);
}

/**
 * `sum_i <x_i, y_i>` over leaves that may differ in dtype (accumulated in the first leaf's); `what`
 * names `x` when a leaf's shape differs from `y`'s.
 */
export function treeVdotMixed(x: unknown, y: unknown, what: string): Tensor {
  let acc: Tensor | undefined;
  treeMap(
    (u, v) => {
      if (u.shape.length !== v!.shape.length || u.shape.some((n, i) => n !== v!.shape[i]))
        throw new Error(
          `${what}: a leaf of shape [${u.shape.join(', ')}] where the direction has [${v!.shape.join(', ')}]`,
        );
      const s = mul(u, v!).sum();
      acc = acc === undefined ? s : add(acc, castTo(s, acc));
      return u;
    },
    x,
    y,
  );
  return acc!;
}
