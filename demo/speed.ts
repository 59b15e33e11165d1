/**
 * GeN's cost against its base optimizer at each Phi, on the MLP task, the paper's way: the same
 * steps timed side by side in one process, in interleaved rounds (each round runs every method for
 * one chunk of steps, in a rotating order, so a change of load spreads over all of them), medians
 * over rounds. The cost model: a backward pass costs two forwards, so a step costs three; GeN adds
 * `k` forward passes every `Phi` steps (3 when it probes a fresh batch: the loss at the current
 * point is needed there too; 2 on the gradient's own batch, whose loss is known), so its speed
 * relative to the base is `3 / (3 + k / Phi)`. The recommended configuration ('auto') is timed too:
 * its lagged fit costs one forward pass per probe step, every 8 steps after a 20-step warm-up that
 * probes every step (the timed rounds start after the untimed first one, inside that warm-up).
 */
import { key } from '@gen-ts/core';
import { findGeNState } from '@gen-ts/gen';
import { fit } from '@gen-ts/nn';
import { disposeExcept } from './dispose.js';
import {
  BASE_NAME,
  GEN_VARIANTS,
  makeOptimizer,
  probeOf,
  type Base,
  type GenVariantId,
  type MethodSpec,
  type Probe,
} from './methods.js';
import type { Size } from './sizes.js';
import { SIZES } from './sizes.js';
import { getTask } from './tasks/index.js';

/** One method's step time. */
export interface SpeedRow {
  readonly base: Base;
  /** 0 for the base optimizer itself. */
  readonly phi: number;
  readonly probe: Probe;
  /** GeN's rule (absent for the base optimizer). */
  readonly variant?: GenVariantId;
  /** Median milliseconds per step over the rounds: wall clock and CPU time. */
  readonly ms: number;
  readonly cpuMs: number;
  /** Forward passes per probe step (GeN's `fit.evals`). */
  readonly evals: number;
}

export interface SpeedResult {
  readonly rows: readonly SpeedRow[];
  readonly rounds: number;
  readonly chunk: number;
  /** Load average (1 min) before and after. */
  readonly load: readonly [number, number];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The speed-up that the cost model predicts for `k` extra forward passes every `phi` steps. */
export const predictedSpeed = (k: number, phi: number): number => 3 / (3 + k / phi);

/** Times every base and GeN at each Phi (fresh and own batch). */
export async function runSpeed(size: Size, load: () => number): Promise<SpeedResult> {
  const task = getTask('mlp', size);
  const { phis, speedRounds: rounds, speedChunk: chunk } = SIZES[size].phi;
  const batches = task.train.shuffle(key(9)).batch(task.plan.batch, { dropRemainder: true });
  const { params: p0 } = task.model.init(key(1), [...task.inputShape]);
  const methods: { base: Base; phi: number; probe: Probe; variant?: GenVariantId; spec: MethodSpec }[] = [];
  for (const base of task.plan.bases) {
    methods.push({
      base,
      phi: 0,
      probe: 'own',
      spec: { kind: 'constant', base, lr: base === 'sgd' ? 0.1 : 1e-3 },
    });
    for (const probe of ['fresh', 'own'] as const)
      for (const phi of phis)
        methods.push({
          base,
          phi,
          probe,
          variant: 'paper',
          spec: { kind: 'gen', base, variant: 'paper', lr0: 1e-3, phi, probe },
        });
    const auto = GEN_VARIANTS.auto;
    methods.push({
      base,
      phi: auto.phi,
      probe: auto.probe,
      variant: 'auto',
      spec: { kind: 'gen', base, variant: 'auto', lr0: 1e-3, probe: auto.probe },
    });
  }
  const live = methods.map((m) => ({
    ...m,
    optimizer: makeOptimizer(m.spec, { steps: rounds * chunk }),
    params: p0 as unknown,
    optState: undefined as unknown,
    ms: [] as number[],
    cpuMs: [] as number[],
    evals: 0,
  }));
  const load0 = load();
  // round -1 warms the JIT and is not recorded
  for (let r = -1; r < rounds; r++) {
    for (let j = 0; j < live.length; j++) {
      const m = live[(j + Math.max(r, 0)) % live.length]!;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const out = await fit({
        model: task.model,
        loss: task.loss,
        params: m.params,
        ...(m.optState !== undefined ? { optState: m.optState } : {}),
        optimizer: m.optimizer,
        train: batches,
        steps: chunk,
        probe: probeOf(m.spec),
        verbose: 'silent',
        readEvery: chunk,
      });
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (r >= 0) {
        m.ms.push(wall / chunk);
        m.cpuMs.push((c.user + c.system) / 1000 / chunk);
      }
      disposeExcept([m.params, m.optState], out.params, out.optState, p0);
      m.params = out.params;
      m.optState = out.optState;
      m.evals = findGeNState(out.optState)?.fit.evals ?? 0;
    }
  }
  const rows = live.map((m) => ({
    base: m.base,
    phi: m.phi,
    probe: m.probe,
    ...(m.variant ? { variant: m.variant } : {}),
    ms: median(m.ms),
    cpuMs: median(m.cpuMs),
    evals: m.evals,
  }));
  for (const m of live) disposeExcept([m.params, m.optState], p0);
  return { rows, rounds, chunk, load: [load0, load()] };
}

/** A row's label, e.g. `GeN-SGD phi 4 (fresh batch)`, `GeN-SGD recommended 'auto' (phi 8, lagged fit)`. */
export const speedLabel = (r: SpeedRow): string =>
  r.phi === 0
    ? BASE_NAME[r.base]
    : r.variant === 'auto'
      ? `GeN-${BASE_NAME[r.base]} ${GEN_VARIANTS.auto.label} (phi ${r.phi}, lagged fit)`
      : `GeN-${BASE_NAME[r.base]} phi ${r.phi} (${r.probe === 'fresh' ? 'fresh' : 'own'} batch)`;
