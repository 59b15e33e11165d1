/**
 * `scaleByGeN`: the generalized-Newton learning rate as a transformation in the learning-rate slot
 * (GEN-SPEC.md, Algorithm 1). It receives a direction `d` (gradient-like, pointing uphill), and
 * every `phi` steps estimates the slope `b = G^T d` and curvature `a = d^T H d` of the loss along
 * `d`, either from probe losses at `w - r_i * eta * d` (`'fit'`) or from `jvp` (`'exact'`). The
 * optimal step `eta* = b / a` updates the learning rate, which lives in the state as a 0-d tensor:
 * accept/reject is a `where`, so a step never reads a value back to the host.
 */
import {
  add,
  equal,
  greater,
  greaterEqual,
  less,
  lessEqual,
  maximum,
  minimum,
  mul,
  neg,
  scalar,
  sub,
  Tensor,
  treeMap,
  valueAndGrad,
  jvp,
  where,
  div,
} from '@gen-ts/core';
import type { GradientTransformation, LossExtras } from '../types.js';
import { castTo, firstFloatLeaf, valueAt } from '../util.js';
import { fitParabola, fitWeights, type ParabolaFit } from './fit.js';
import { genConfig, type GeNOptions } from './options.js';

/** The last fit of `scaleByGeN` (0-d tensors on the params' backend, in the params' float dtype). */
export interface GeNFit {
  /** Curvature `d^T H d` along the direction (NaN before the first probe). */
  readonly a: Tensor;
  /** Slope `G^T d` along the direction. */
  readonly b: Tensor;
  /** The raw optimal step `b / a`, before clipping and smoothing. */
  readonly etaStar: Tensor;
  /** R^2 of the parabola (1 in exact mode). */
  readonly r2: Tensor;
  /** Whether the estimate was accepted (bool): `a > 0`, `b > 0`, all finite, R^2 gate passed. */
  readonly accepted: Tensor;
  /** Whether the chosen step passed the `verify` check (bool; true when `verify` is off). */
  readonly verified: Tensor;
  /** Loss evaluations the fit cost (forward passes, the `verify` one included; in exact mode 1 forward-over-reverse pass more). */
  readonly evals: number;
  /** The step count at which it was made (-1 before the first probe). */
  readonly step: number;
}

/** The state of `scaleByGeN`. */
export interface ScaleByGeNState {
  /** Steps taken so far; steps with `count % phi == 0` probe. */
  readonly count: number;
  /** The current learning rate `eta` (0-d tensor). Write a new one here to override it. */
  readonly lr: Tensor;
  /** The last fit. */
  readonly fit: GeNFit;
}

/**
 * The extras `scaleByGeN` reads: `valueFn` (required on probe steps), optionally `value`, and
 * `grad` (with `value`) for `slope: 'gradient'`.
 */
export type GeNExtra<P = any> = LossExtras<P>;

const isFinite0d = (x: Tensor): Tensor => equal(sub(x, x), 0); // NaN and +-Inf give NaN
const and = (x: Tensor, y: Tensor): Tensor => where(x, y, x);
const or = (x: Tensor, y: Tensor): Tensor => where(x, x, y);

/**
 * The GeN learning rate: takes a direction `d` and returns `-eta * d`.
 *
 * On probe steps (`count % phi == 0`) it needs `extra.valueFn(params)`, the loss as a function of
 * the params (and `params`). In `'fit'` mode it evaluates `valueFn` at `w - r_i * eta_prev * d`
 * (forward passes only; `extra.value`, the loss at `w` on the same data, saves the evaluation at
 * factor 0), fits the parabola by least squares and takes `eta* = b / a`. Then:
 *
 *     if a > 0, b > 0, all finite and (fewer than 4 factors or R^2 >= r2Min):
 *         eta = gamma * eta + (1 - gamma) * s_t * clip(eta*, eta / clipRatio, eta * clipRatio)
 *     else if a probe loss is not finite:   eta = eta * safeguard.nonFiniteFactor   (halved)
 *     else:                                 eta unchanged (negativeCurvature 'grow': as if eta* = Infinity when only a <= 0)
 *
 * then clamps into `[safeguard.minLr, safeguard.maxLr]`. `gamma: 0, clipRatio: Infinity` gives the
 * exact line-search step along `d` (on a quadratic). That is the authors' rule, the default.
 *
 * Two options make it safe where the authors' rule is not (GEN-SPEC item 7, measured in
 * bench/RESULTS-gen.md): `fastDecrease` drops the rate to `eta*` at once when `eta* < eta` (the
 * smoothed rule lowers it ~5% per probe, slower than GD blows up above its stability limit), and
 * `verify` spends one forward pass to check the chosen step lowers the loss (a parabola fitted far
 * from the minimum can accept a step that raises it). `slope: 'gradient'` takes `b` from
 * `extra.grad` (one probe suffices: `factors: [0, 1]`), and `negativeCurvature: 'grow'` moves the
 * rate to the edge of the trust region when `a <= 0`. Plain GD and Adam from any `eta_0` in
 * [1e-4, 1e-1] beat the best constant rate of a grid on Rosenbrock and Beale with
 * `{ phi: 1, gamma: 0, clipRatio: 4, fastDecrease: true, verify: true, slope: 'gradient', negativeCurvature: 'grow' }`.
 *
 * Probe on data the gradient did not see: GeN probed on the gradient's own minibatch can run away
 * (each step lowers that batch's loss while the training loss rises, and no safeguard fires). Make
 * `valueFn` deterministic (no dropout). `trainStep` builds `valueFn` for you.
 *
 * @example
 * ```ts
 * import { chain, findGeNState, scaleByAdam, scaleByGeN } from '@gen-ts/gen';
 * import { square, sum, tensor, type Tensor } from '@gen-ts/core';
 * const loss = (w: Tensor) => sum(square(w)); // a parabola: GeN finds its exact step
 * const opt = chain(scaleByAdam(), scaleByGeN({ lr: 1e-3, phi: 1, gamma: 0, clipRatio: Infinity }));
 * const w = tensor([1, -2], { dtype: 'float64' });
 * const g = tensor([2, -4], { dtype: 'float64' }); // the gradient of the loss at w
 * const [, state] = opt.update(g, opt.init(w), w, { valueFn: loss });
 * console.log(findGeNState(state)!.lr.itemSync()); // the rate that minimises the loss along Adam's step
 * ```
 * @example
 * ```ts
 * import { chain, scaleByAdam, scaleByGeN } from '@gen-ts/gen';
 * // the rule that beats a tuned constant rate on Rosenbrock and Beale (see the package README)
 * const safe = chain(scaleByAdam(), scaleByGeN({ phi: 1, gamma: 0, clipRatio: 4, fastDecrease: true, verify: true }));
 * console.log(typeof safe.update);
 * ```
 */
export function scaleByGeN(options: GeNOptions = {}): GradientTransformation<ScaleByGeNState, GeNExtra> {
  const cfg = genConfig(options);
  const knownSlope = cfg.slope === 'gradient';
  const weights = fitWeights(cfg.factors, knownSlope);
  const gateR2 = cfg.factors.length >= 4;
  const optName = knownSlope ? "scaleByGeN (slope 'gradient')" : 'scaleByGeN';
  return {
    init: (params) => {
      const leaf = firstFloatLeaf('scaleByGeN', params);
      const s = (v: number) => scalar(v, { dtype: leaf.dtype, backend: leaf.backend });
      const nan = s(NaN);
      const fit: GeNFit = {
        a: nan,
        b: nan,
        etaStar: nan,
        r2: nan,
        accepted: scalar(0, { dtype: 'bool', backend: leaf.backend }),
        verified: scalar(1, { dtype: 'bool', backend: leaf.backend }),
        evals: 0,
        step: -1,
      };
      return { count: 0, lr: s(cfg.lr), fit };
    },
    update: (d, state, params, extra) => {
      const t = state.count;
      let lr = state.lr;
      let fit = state.fit;
      let stepLr: Tensor | undefined; // the rate of this step's update when it differs from the state's
      if (t % cfg.phi === 0) {
        const valueFn = extra?.valueFn;
        if (typeof valueFn !== 'function') {
          throw new Error(
            `scaleByGeN: step ${t} is a probe step (every phi = ${cfg.phi} steps) and needs extra.valueFn, ` +
              'the loss as a function of the params: update(updates, state, params, { valueFn }) (trainStep passes it)',
          );
        }
        if (params === undefined) throw new Error(`scaleByGeN: step ${t} is a probe step and needs params`);
        let slope: Tensor | undefined;
        if (knownSlope) {
          if (extra?.grad === undefined || !(extra.value instanceof Tensor))
            throw new Error(
              `${optName}: step ${t} is a probe step and needs extra.grad and extra.value, the gradient and ` +
                "loss on valueFn's own data (trainStep passes them when it probes the gradient's batch)",
            );
          slope = castTo(treeVdotMixed(extra.grad, d, `${optName}: extra.grad`), lr);
        }
        const est =
          cfg.mode === 'fit'
            ? probeFit(weights, d, params, lr, valueFn, extra?.value, slope)
            : exactFit(d, params, lr, valueFn);
        let usable = and(and(greater(est.b, 0), est.allFinite), and(isFinite0d(est.a), isFinite0d(est.b)));
        if (gateR2) usable = and(usable, greaterEqual(est.r2, cfg.r2Min));
        const ok = and(usable, greater(est.a, 0));
        const s = valueAt(cfg.scale, t);
        const nff = cfg.safeguard.nonFiniteFactor;
        const raw = minimum(maximum(est.etaStar, div(lr, cfg.clipRatio)), mul(lr, cfg.clipRatio));
        let accepted = add(mul(lr, cfg.gamma), mul(raw, (1 - cfg.gamma) * s));
        let rejected = where(est.allFinite, lr, mul(lr, nff));
        if (cfg.fastDecrease) {
          // Decrease at once: a rate above eta* overshoots now, smoothing it over ~1/(1-gamma)
          // probes lets plain GD blow up first. Increases stay smoothed and clipped.
          accepted = where(less(est.etaStar, lr), mul(est.etaStar, s), accepted);
          // A rejected fit with every probe above L(w) (both sides): the probe step itself is too long.
          if (est.overshoot !== undefined) rejected = where(est.overshoot, mul(lr, nff), rejected);
        }
        if (cfg.negativeCurvature === 'grow') {
          // a <= 0: no minimum along d; eta* = Infinity, clipped to the edge of the trust region.
          const grown = add(mul(lr, cfg.gamma), mul(lr, (1 - cfg.gamma) * s * cfg.clipRatio));
          rejected = where(usable, grown, rejected);
        }
        const { minLr, maxLr } = cfg.safeguard;
        const clamp = (x: Tensor): Tensor => {
          let y = x;
          if (minLr > 0) y = maximum(y, minLr);
          if (maxLr < Infinity) y = minimum(y, maxLr);
          return y;
        };
        lr = clamp(where(ok, accepted, rejected));
        let verified = scalar(1, { dtype: 'bool', backend: lr.backend });
        if (cfg.verify) {
          // Armijo check at the chosen step: L(w - eta d) <= L(w) - c eta b (b only when the fit is
          // accepted, or grew the rate on negative curvature).
          const Lnew = lossAt(valueFn, moved(params, d, lr), lr);
          const slope = where(cfg.negativeCurvature === 'grow' ? usable : ok, est.b, 0);
          verified = lessEqual(Lnew, sub(est.L0, mul(mul(lr, slope), cfg.armijo)));
          // Fall back to the descent-side probe with the lowest loss if it lowered the loss. Else, if
          // the steps tried were too long (every probe raised the loss; in exact mode: b > 0), skip
          // this step (update 0) and probe a shrunk rate next; if the direction itself goes uphill
          // at this scale (a probe on the ascent side lowered the loss), skip it and keep the rate:
          // shrinking would not help, the base optimizer's next direction may.
          let best = where(
            est.overshoot ?? and(greater(est.b, 0), isFinite0d(est.b)),
            mul(
              est.descent.reduce((m, p) => minimum(m, p.x), lr),
              nff,
            ),
            lr,
          );
          let bestY = mul(est.L0, 0);
          for (const { x, y } of est.descent) {
            const better = less(y, bestY);
            best = where(better, x, best);
            bestY = where(better, y, bestY);
          }
          const moves = or(verified, less(bestY, 0));
          lr = clamp(where(verified, lr, best));
          stepLr = where(moves, lr, mul(lr, 0));
        }
        fit = {
          a: est.a,
          b: est.b,
          etaStar: est.etaStar,
          r2: est.r2,
          accepted: ok,
          verified,
          evals: est.evals + (cfg.verify ? 1 : 0),
          step: t,
        };
      }
      const step = neg(stepLr ?? lr);
      const updates = treeMap<typeof d>((u) => mul(u, castTo(step, u)), d);
      return [updates, { count: t + 1, lr, fit }];
    },
  };
}

interface Estimate extends ParabolaFit {
  readonly allFinite: Tensor;
  readonly evals: number;
  /** The loss at `w`. */
  readonly L0: Tensor;
  /** Descent-side probes (`r_i > 0`): step `x = r_i * eta` and `y = L(w - x d) - L(w)`. Empty in exact mode. */
  readonly descent: readonly { x: Tensor; y: Tensor }[];
  /** Every probe (both sides) raised the loss: the probe step is too long. Undefined in exact mode. */
  readonly overshoot: Tensor | undefined;
}

/** `w - eta * d` over the tree. */
function moved(params: unknown, d: unknown, eta: Tensor): unknown {
  return treeMap((w, u) => sub(w, mul(u!, castTo(eta, w))), params, d);
}

function lossAt(valueFn: (p: any) => Tensor, p: unknown, lr: Tensor): Tensor {
  const y = valueFn(p);
  if (!(y instanceof Tensor) || y.rank !== 0) {
    const got = y instanceof Tensor ? `a tensor of shape [${y.shape.join(', ')}]` : typeof y;
    throw new TypeError(`scaleByGeN: extra.valueFn must return a 0-d (scalar) loss tensor, got ${got}`);
  }
  return castTo(y, lr);
}

/** Probe losses along `-d` and the least-squares parabola through them. */
function probeFit(
  weights: ReturnType<typeof fitWeights>,
  d: unknown,
  params: unknown,
  lr: Tensor,
  valueFn: (p: any) => Tensor,
  value: Tensor | undefined,
  slope: Tensor | undefined,
): Estimate {
  const L0 = value === undefined ? lossAt(valueFn, params, lr) : castTo(value, lr);
  let allFinite = isFinite0d(L0);
  const descent: { x: Tensor; y: Tensor }[] = [];
  let overshoot: Tensor | undefined;
  const ys = weights.r.map((r) => {
    const x = mul(lr, r);
    const y = sub(lossAt(valueFn, moved(params, d, x), lr), L0);
    allFinite = and(allFinite, isFinite0d(y));
    if (r > 0) descent.push({ x, y });
    overshoot = overshoot === undefined ? greater(y, 0) : and(overshoot, greater(y, 0));
    return y;
  });
  const fit = fitParabola(weights, ys, lr, slope);
  return {
    ...fit,
    allFinite,
    evals: weights.r.length + (value === undefined ? 1 : 0),
    L0,
    descent,
    overshoot,
  };
}

/** Slope and curvature from forward-over-reverse: `jvp(valueAndGrad L)(w; d)` gives `[L, G]`, `[G^T d, H d]`. */
function exactFit(d: unknown, params: unknown, lr: Tensor, valueFn: (p: any) => Tensor): Estimate {
  const dir = treeMap((u, w) => castTo(u, w!), d, params);
  const vg = valueAndGrad((p: unknown) => lossAt(valueFn, p, lr));
  const [[L0], [slope, hd]] = jvp((p: unknown) => vg(p) as any, [params], [dir]) as unknown as [
    [Tensor, unknown],
    [Tensor, unknown],
  ];
  const b = castTo(slope, lr);
  const a = castTo(treeVdotMixed(hd, dir, 'scaleByGeN: Hessian-vector product'), lr);
  const allFinite = and(isFinite0d(L0), and(isFinite0d(a), isFinite0d(b)));
  return {
    a,
    b,
    etaStar: div(b, a),
    r2: scalar(1, { dtype: lr.dtype, backend: lr.backend }),
    allFinite,
    evals: 1,
    L0,
    descent: [],
    overshoot: undefined,
  };
}

/**
 * `sum_i <x_i, y_i>` over leaves that may differ in dtype (accumulated in the first leaf's); `what`
 * names `x` when a leaf's shape differs from `y`'s.
 */
function treeVdotMixed(x: unknown, y: unknown, what: string): Tensor {
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
