/**
 * One optimizer run on a 2-D problem, step by step, recording what the page draws: the point, the
 * loss, the learning rate and, on GeN's probe steps, the fit (slope `b`, curvature `a`, the probe
 * step sizes) with the direction it was made along. GeN-SGD and GeN-Adam are built from the same
 * pieces as `genSgd`/`genAdam` (a base transform, then `scaleByGeN`), applied one after the other
 * as `chain` does, so the direction between them can be read.
 */
import { getBackend, tensor, valueAndGrad, type Backend, type Tensor } from '@gen-ts/core';
import {
  applyUpdates,
  genConfig,
  type GeNOptions,
  type GradientTransformation,
  type ScaleByGeNState,
} from '@gen-ts/gen';
import { retire, tidyOn } from './memory.js';
import { rateIn, rateKind, stages, type OptimizerId } from './optimizers.js';
import { pointLoss, type FloatDType, type Problem } from './problems.js';

/** GeN's rules: the authors' defaults, or the safe rule of the gen package README. */
export type GeNRule = 'safe' | 'authors';

/** The options each rule passes to `scaleByGeN` (besides `lr`). */
export const GEN_RULES: Record<GeNRule, GeNOptions> = {
  safe: {
    phi: 1,
    gamma: 0,
    clipRatio: 4,
    fastDecrease: true,
    verify: true,
    slope: 'gradient',
    negativeCurvature: 'grow',
  },
  authors: {},
};

/** How the rules are named in the menu. */
export const RULE_LABELS: Record<GeNRule, string> = {
  safe: 'safe rule (phi 1, verify, slope from the gradient)',
  authors: "the authors' rule (defaults: phi 4, three probes)",
};

/** What a run is. */
export interface DescentOptions {
  readonly problem: Problem;
  readonly optimizer: OptimizerId;
  /** The (initial, for GeN) learning rate. */
  readonly lr: number;
  /** GeN's rule (ignored by the constant-rate optimizers). */
  readonly rule: GeNRule;
  readonly dtype: FloatDType;
  /** Default: the current backend. */
  readonly backend?: Backend;
}

/** GeN's fit on one probe step, on the host. */
export interface ProbeRecord {
  /** The point and the direction `d` the fit was made along (the loss is probed at `w - x d`). */
  readonly w: readonly [number, number];
  readonly d: readonly [number, number];
  /** The loss at `w`. */
  readonly L0: number;
  /** Slope `G^T d` and curvature `d^T H d` of the fitted parabola `L0 - b x + a x^2 / 2`. */
  readonly b: number;
  readonly a: number;
  /** `b / a`, before clipping. */
  readonly etaStar: number;
  /** The step sizes `x_i = r_i * eta` that were probed (the non-zero factors times the old rate). */
  readonly probes: readonly number[];
  /** The rate before and after this fit. */
  readonly lrBefore: number;
  readonly lrAfter: number;
  readonly accepted: boolean;
}

/** One step, on the host. */
export interface StepRecord {
  /** Step index (0-based). */
  readonly t: number;
  /** The point before the step and the loss there. */
  readonly w: readonly [number, number];
  readonly loss: number;
  /** The learning rate of this step (GeN's after its fit; a peer's step size, see `rateIn`). */
  readonly lr: number;
  /** GeN's fit when this step probed. */
  readonly probe?: ProbeRecord;
}

const pair = (v: ArrayLike<number>): [number, number] => [v[0]!, v[1]!];

/** A run in progress. `step()` advances it; `records` holds every step taken. */
export class Descent {
  readonly records: StepRecord[] = [];
  private readonly loss: (w: Tensor) => Tensor;
  private readonly vg: (w: Tensor) => [Tensor, Tensor];
  private readonly base: GradientTransformation<unknown>;
  private readonly tail: GradientTransformation<unknown, any>;
  private readonly gen: boolean;
  private readonly factors: readonly number[];
  private readonly backend: Backend;
  private w: Tensor;
  private baseState: unknown;
  private tailState: unknown;

  constructor(readonly options: DescentOptions) {
    const { problem, optimizer, lr, rule, dtype } = options;
    const backend = (this.backend = options.backend ?? getBackend());
    this.loss = pointLoss(problem);
    this.vg = valueAndGrad(this.loss) as (w: Tensor) => [Tensor, Tensor];
    this.gen = rateKind(optimizer) === 'gen';
    ({ base: this.base, tail: this.tail } = stages(optimizer, lr, GEN_RULES[rule]));
    this.factors = this.gen ? genConfig({ ...GEN_RULES[rule], lr }).factors.filter((r) => r !== 0) : [];
    this.w = tensor([...problem.start], { dtype, backend });
    this.baseState = this.base.init(this.w);
    this.tailState = this.tail.init(this.w);
  }

  /** The current point. */
  async point(): Promise<[number, number]> {
    return pair(await this.w.data());
  }

  /** Takes one step and returns its record. */
  async step(): Promise<StepRecord> {
    const t = this.records.length;
    const w = this.w;
    const before = this.gen ? (this.tailState as ScaleByGeNState) : undefined;
    const s = tidyOn(this.backend, () => {
      const [loss, g] = this.vg(w);
      const [d, baseState] = this.base.update(g, this.baseState, w);
      const extra = { valueFn: this.loss, value: loss, grad: g };
      const [u, tailState] = this.tail.update(d, this.tailState, w, extra);
      return { loss, d, baseState, tailState, w: applyUpdates(w, u) };
    });
    const [wv, lossV] = await Promise.all([w.data(), s.loss.item()]);
    const { d, tailState } = s;
    const rate = rateIn(this.options.optimizer, tailState);
    const lr = rate ? await rate.item() : this.options.lr;
    let probe: ProbeRecord | undefined;
    if (before) {
      const after = tailState as ScaleByGeNState;
      if (after.fit.step === t) {
        const [dv, a, b, etaStar, lrBefore, accepted] = await Promise.all([
          d.data(),
          after.fit.a.item(),
          after.fit.b.item(),
          after.fit.etaStar.item(),
          before.lr.item(),
          after.fit.accepted.item(),
        ]);
        probe = {
          w: pair(wv),
          d: pair(dv),
          L0: lossV,
          a,
          b,
          etaStar,
          probes: this.factors.map((r) => r * lrBefore),
          lrBefore,
          lrAfter: lr,
          accepted: accepted !== 0,
        };
      }
    }
    const rec: StepRecord = { t, w: pair(wv), loss: lossV, lr, ...(probe ? { probe } : {}) };
    const next = { w: s.w, baseState: s.baseState, tailState };
    retire([{ w, baseState: this.baseState, tailState: this.tailState }, s.loss, s.d], next);
    ({ w: this.w, baseState: this.baseState, tailState: this.tailState } = next);
    this.records.push(rec);
    return rec;
  }
}

/** The true loss at `w - x d` for each `x` (one batched evaluation on the current backend). */
export async function lossAlong(
  problem: Problem,
  probe: Pick<ProbeRecord, 'w' | 'd'>,
  xs: readonly number[],
  dtype: FloatDType,
): Promise<Float64Array> {
  const pts = xs.flatMap((x) => [probe.w[0] - x * probe.d[0], probe.w[1] - x * probe.d[1]]);
  const values = await problem.losses(tensor(pts, { dtype, shape: [xs.length, 2] })).data();
  return Float64Array.from(values);
}
