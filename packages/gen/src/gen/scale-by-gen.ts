/**
 * `scaleByGeN`: the generalized-Newton learning rate as a transformation in the learning-rate slot
 * (the paper's Algorithm 1, described in docs/gen.md). It receives a direction `d` (gradient-like,
 * pointing uphill), and every `phi` steps estimates the slope `b = G^T d` and curvature `a = d^T H d` of the loss along
 * `d`, either from probe losses at `w - r_i * eta * d` (`'fit'`) or from `jvp` (`'exact'`). The
 * optimal step `eta* = b / a` updates the learning rate, which lives in the state as a 0-d tensor:
 * accept/reject is a `where`, so a step never reads a value back to the host.
 *
 * A probe step runs three stages, each a function returning a typed record: `estimate`
 * (estimate.ts: `a`, `b`, `eta*` and the probe losses), `propose` (propose.ts: gate the estimate,
 * then accept it clipped and smoothed, or shrink, keep or grow the rate) and, with `verify`,
 * `verify` (verify.ts: an Armijo check at the proposed rate and its fallbacks). The state's `fit`
 * record is built from their results.
 */
import { isFinite, logicalAnd, logicalNot, mul, neg, scalar, Tensor, treeMap, where } from '@gen-ts/core';
import type { GradientTransformation, LossExtras } from '../types.js';
import { castTo, firstFloatLeaf, valueAt } from '../util.js';
import { estimate, laggedEstimate, lossAt, moved, type Estimate, type LaggedPoint } from './estimate.js';
import { fitWeights } from './fit.js';
import { propose, settleRate, type ProposeRule } from './propose.js';
import { verify } from './verify.js';
import { guardRate, initialGuard } from './guard.js';
import { treeFinite } from '../logic.js';
import { checkState } from '../validate.js';
import { genConfig, type GeNConfig, type GeNOptions } from './options.js';

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
  /**
   * Whether this probe step's update was skipped, the params left as they were (bool): the
   * direction or the loss at `w` was not finite, or `verify` failed with no better probe. Never
   * in `mode: 'lagged'`: its fit step is an ordinary step (see `scaleByGeN`).
   */
  readonly skipped: Tensor;
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
  /** Still in the fast warm-up (bool; present when `warmupSteps > 0`): accepted estimates are taken unsmoothed. */
  readonly warm?: Tensor;
  /** Whether the last fit's estimate was inside the clip range (bool; present with `landing: 'confirmed'` and a warm-up). */
  readonly inRange?: Tensor;
  /** The last probe step's point, which `mode: 'lagged'` fits from on the step after (present in that mode). */
  readonly prev?: LaggedPoint;
  /** `blowUpRatio` times the first finite loss (NaN before one; present when `blowUpRatio` is finite). */
  readonly limit?: Tensor;
  /** The last step's loss, which the blow-up guard compares with (present when `blowUpRatio` is finite). */
  readonly last?: Tensor;
}

/**
 * The extras `scaleByGeN` reads: `valueFn` (required on probe steps), optionally `value`, and
 * `grad` (with `value`) for `slope: 'gradient'`.
 */
export type GeNExtra<P = any> = LossExtras<P>;

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
 * Two options make it safe where the authors' rule is not (docs/gen.md, check 7, measured in
 * bench/RESULTS-gen.md): `fastDecrease` drops the rate to `eta*` at once when `eta* < eta` (the
 * smoothed rule lowers it ~5% per probe, slower than GD blows up above its stability limit), and
 * `verify` spends one forward pass to check the chosen step lowers the loss (a parabola fitted far
 * from the minimum can accept a step that raises it). `slope: 'gradient'` takes `b` from
 * `extra.grad` (one probe suffices: `factors: [0, 1]`), and `negativeCurvature: 'grow'` moves the
 * rate to the edge of the trust region when `a <= 0`. Plain GD and Adam from any `eta_0` in
 * [1e-4, 1e-1] beat the best constant rate of a grid on Rosenbrock and Beale with
 * `{ phi: 1, gamma: 0, clipRatio: 4, fastDecrease: true, verify: true, slope: 'gradient', negativeCurvature: 'grow' }`.
 *
 * A probe step skips, never applies, a non-finite step: when the direction has a NaN or infinite
 * entry or the loss at `w` is not finite, the update is exactly 0, chosen with `where` (`0 * NaN`
 * would still reach the params), and `fit.skipped` says so. (The lagged fit estimates the last
 * step's direction from this step's loss and gradient, so its own step `-eta * d` is an ordinary
 * one, guarded like the steps between probes.) A non-finite direction keeps the rate
 * (it says nothing about the step length); a non-finite loss follows the non-finite rule above.
 * Between probes the update is `-eta * d` as for any learning rate, at no extra cost; `trainStep`'s
 * `skipNonFinite` (on by default) guards every step, and also keeps the state of the transforms
 * before GeN (Adam's moments), which GeN cannot.
 *
 * Probe on data the gradient did not see: GeN probed on the gradient's own minibatch can run away
 * (each step lowers that batch's loss while the training loss rises, and no safeguard fires). Make
 * `valueFn` deterministic (no dropout). `trainStep` builds `valueFn` for you.
 *
 * For minibatch training without tuning, `preset: 'auto'` with the planned number of steps as
 * `horizon` is the measured recommendation (docs/gen.md, section 4): the lagged fit (`mode:
 * 'lagged'`: the last probe step's parabola from this step's own batch and one forward pass), a
 * probe every 8 steps, a 20-step warm-up and the cosine horizon. It reads `extra.own`, which
 * `trainStep` passes.
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
 * import { findGeNState, scaleByGeN, trainStep } from '@gen-ts/gen';
 * import { mul, square, sub, sum, tensor, type Tensor } from '@gen-ts/core';
 * // the recommended configuration for a run of 40 steps, on a loss of the params and a batch
 * const loss = (w: Tensor, x: Tensor) => mul(sum(square(sub(w, x))), 0.5);
 * const opt = scaleByGeN({ preset: 'auto', horizon: 40, lr: 1e-4 });
 * const step = trainStep(loss, opt, { probe: 'own' });
 * const xs = [tensor([1, 2]), tensor([1.2, 1.8])];
 * let w = tensor([0, 0]);
 * let state = opt.init(w);
 * for (let t = 0; t < 40; t++) ({ params: w, state } = step(w, state, xs[t % 2]!));
 * console.log(w.toArray(), findGeNState(state)!.fit.step); // near the batches' mean [1.1, 1.9]; last fit at step 33
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
  return scaleByGeNFrom(genConfig(options));
}

/** @internal `scaleByGeN` for options already validated (the aliases validate under their own name). */
export function scaleByGeNFrom(cfg: GeNConfig): GradientTransformation<ScaleByGeNState, GeNExtra> {
  const weights = fitWeights(cfg.factors, cfg.slope === 'gradient');
  const rule: ProposeRule = { ...cfg, gateR2: cfg.factors.length >= 4 };
  const lagged = cfg.mode === 'lagged';
  // Probe steps: every phi-th, and every step of the fast warm-up. In lagged mode a probe step
  // only remembers its point; the step after it fits.
  const regular = (t: number) => t % cfg.phi === 0;
  const probes = (t: number) => regular(t) || t < cfg.warmupSteps;
  const fitAfter = (probed: (t: number) => boolean) => (t: number) =>
    lagged ? t >= 1 && probed(t - 1) : probed(t);
  const fits = fitAfter(probes);
  // The fits every phi steps, the ones there would be without a warm-up; the warm-up's others
  // follow afterLanding once it has landed (settleRate).
  const fitsRegularly = fitAfter(regular);
  const guarded = cfg.blowUpRatio < Infinity;
  const confirming = cfg.warmupSteps > 0 && cfg.landing === 'confirmed';
  return {
    init: (params) => {
      const leaf = firstFloatLeaf('scaleByGeN', params);
      const s = (v: number) => scalar(v, { dtype: leaf.dtype, backend: leaf.backend });
      const bool = (v: number) => scalar(v, { dtype: 'bool', backend: leaf.backend });
      const nan = s(NaN);
      const fit: GeNFit = {
        a: nan,
        b: nan,
        etaStar: nan,
        r2: nan,
        accepted: bool(0),
        verified: bool(1),
        skipped: bool(0),
        evals: 0,
        step: -1,
      };
      const lr = s(cfg.lr);
      const state: ScaleByGeNState = { count: 0, lr, fit };
      return {
        ...state,
        ...(guarded ? initialGuard(lr) : {}),
        ...(cfg.warmupSteps > 0 ? { warm: bool(1) } : {}),
        ...(confirming ? { inRange: bool(0) } : {}),
        ...(lagged
          ? {
              prev: {
                w: params,
                lr,
                step: scalar(-1, { dtype: 'int32', backend: leaf.backend }),
              },
            }
          : {}),
      };
    },
    update: (d, given, params, extra) => {
      checkState('scaleByGeN', given, [
        'count',
        'lr',
        'fit',
        ...(guarded ? ['limit', 'last'] : []),
        ...(confirming ? ['inRange'] : []),
      ]);
      const t = given.count;
      // The blow-up guard cuts the rate before anything uses it: this step is taken at the cut rate.
      const state = guarded
        ? guardRate(cfg.blowUpRatio, cfg.safeguard.nonFiniteFactor, given, extra, fits(t) || probes(t))
        : given;
      // Between probes the step is -lr * d, as any learning rate's: a non-finite direction there is
      // left to trainStep's guard, so these steps cost what the base optimizer's do.
      if (!fits(t) && !probes(t)) return [stepBy(d, state.lr), { ...state, count: t + 1 }];
      if (params === undefined) throw new Error(`scaleByGeN: step ${t} is a probe step and needs params`);
      let next: ScaleByGeNState = { ...state, count: t + 1 };
      let moves: Tensor | undefined;
      if (fits(t)) {
        // A fit from probes of `d` decides whether to move: skipping is a `where`, never a
        // multiplication by 0, since `0 * NaN` would still reach the params. The lagged fit's
        // estimate is of the last step's direction, not of `d`: its step is an ordinary one,
        // `-lr * d`, left to trainStep's guard like the steps between probes.
        const dFinite = lagged ? undefined : treeFinite(d);
        const [est, L0] = lagged
          ? laggedFit(state, params, extra, t)
          : ((e) => [e, e.L0] as const)(estimate(cfg, weights, d, params, state.lr, extra, t));
        const warm = cfg.warmupSteps > 0 ? state.warm : undefined;
        // The bias factor applies once the warm-up has landed: a rate found at initialisation,
        // times c, overshoots once training sharpens the loss (measured: BENCHMARKS.md).
        const factor =
          warm !== undefined && cfg.biasFactor !== 1
            ? where(warm, scalar(1, like(state.lr)), scalar(cfg.biasFactor, like(state.lr)))
            : undefined;
        const s = valueAt(cfg.scale, t);
        const proposed = propose(rule, est, state.lr, s, warm, factor);
        // Once the warm-up has landed, the rest of its window does what afterLanding says; verify
        // then checks the rate that is used.
        const proposal =
          warm !== undefined && cfg.afterLanding !== 'smooth' && !fitsRegularly(t)
            ? { ...proposed, lr: settleRate(rule, est, state.lr, s, warm, factor, proposed.lr) }
            : proposed;
        const checked = cfg.verify
          ? verify(cfg, est, proposal, lossAt(extra!.valueFn!, moved(params, d, proposal.lr), proposal.lr))
          : undefined;
        const rate = checked?.lr ?? proposal.lr;
        // A non-finite direction says nothing about the rate: keep it.
        const lr = dFinite === undefined ? rate : where(dFinite, rate, state.lr);
        if (dFinite !== undefined) {
          moves = logicalAnd(dFinite, isFinite(L0));
          if (checked !== undefined) moves = logicalAnd(moves, checked.moves);
        }
        const fit: GeNFit = {
          a: est.a,
          b: est.b,
          etaStar: est.etaStar,
          r2: est.r2,
          accepted: proposal.accepted,
          verified: checked?.verified ?? scalar(1, { dtype: 'bool', backend: lr.backend }),
          skipped:
            moves === undefined ? scalar(0, { dtype: 'bool', backend: lr.backend }) : logicalNot(moves),
          evals: est.evals + (checked === undefined ? 0 : 1),
          step: t,
        };
        next = { ...next, lr, fit };
        if (warm !== undefined) {
          // 'confirmed': an estimate inside the clip range lands only when the last fit's did too.
          const landed = confirming ? logicalAnd(proposal.landed, state.inRange!) : proposal.landed;
          next = { ...next, warm: logicalAnd(warm, logicalNot(landed)) };
          if (confirming) next = { ...next, inRange: proposal.landed };
        }
      }
      // A lagged probe step remembers where it starts; the next step fits the step it takes.
      if (lagged && probes(t))
        next = {
          ...next,
          prev: { w: params, lr: next.lr, step: scalar(t, { dtype: 'int32', backend: next.lr.backend }) },
        };
      return [moves === undefined ? stepBy(d, next.lr) : stepAlong(d, next.lr, moves), next];
    },
  };
}

const like = (x: Tensor) => ({ dtype: x.dtype, backend: x.backend });

/** `-lr * d`, leaf by leaf in each leaf's dtype. */
function stepBy<T>(d: T, lr: Tensor): T {
  const step = neg(lr);
  return treeMap<T>((u) => mul(u, castTo(step, u)), d);
}

/**
 * The lagged fit's data: `extra.own` (the gradient's batch, which `trainStep` passes whatever it
 * probes), else `value`, `grad` and `valueFn` when they are the gradient's batch; checked.
 */
function laggedFit(
  state: ScaleByGeNState,
  params: unknown,
  extra: GeNExtra | undefined,
  t: number,
): readonly [Estimate, Tensor] {
  const own = extra?.own ?? (extra?.grad !== undefined ? extra : undefined);
  if (typeof own?.valueFn !== 'function' || !(own.value instanceof Tensor) || own.grad === undefined)
    throw new Error(
      `scaleByGeN (mode 'lagged'): step ${t} fits the last probe step and needs the loss, gradient and loss ` +
        "function of this step's own batch (data the last step's direction never saw): extra.own, or " +
        'extra.value, extra.grad and extra.valueFn on that batch (trainStep passes extra.own unless its ' +
        'probeLossFn differs from the loss)',
    );
  if (state.prev === undefined)
    throw new TypeError(
      "scaleByGeN (mode 'lagged'): the state has no prev point; pass the state init returned",
    );
  // The loss at the current point is this step's own: the step skips when it is not finite.
  return [laggedEstimate(state.prev, params, own.value, own.grad, own.valueFn, t), own.value] as const;
}

/** `-lr * d`, leaf by leaf in each leaf's dtype, where `moves`; 0 (the params kept) elsewhere. */
function stepAlong<T>(d: T, lr: Tensor, moves: Tensor): T {
  const step = neg(lr);
  return treeMap<T>((u) => where(moves, mul(u, castTo(step, u)), 0), d);
}
