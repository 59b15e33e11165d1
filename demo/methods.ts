/**
 * The methods the demo compares, as plain serialisable specs (they travel to worker processes),
 * and the optimizer each one builds. Adding a GeN variant is one entry in `GEN_VARIANTS`; a peer
 * is one entry in `PEERS`.
 */
import * as G from '@gen-ts/gen';
import type { GeNOptions, GradientTransformation } from '@gen-ts/gen';

/** The base optimizers whose step GeN scales, and which the grids tune. */
export type Base = 'sgd' | 'adamw';
export const BASES: readonly Base[] = ['sgd', 'adamw'];
export const BASE_NAME: Readonly<Record<Base, string>> = { sgd: 'SGD', adamw: 'AdamW' };

/** Where GeN evaluates its probe losses: the next batch (`'fresh'`, fresh data) or the gradient's own. */
export type Probe = 'fresh' | 'own';

/** What a run needs to know about its horizon. */
export interface Horizon {
  /** Steps of the run. */
  readonly steps: number;
}

/** A GeN configuration: a name in the report and its options (which may use the horizon). */
export interface GenVariant {
  readonly label: string;
  readonly about: string;
  /** Its lazy frequency, unless a run sets one (the Phi sweep). */
  readonly phi: number;
  /** The data its task runs probe (`fit`'s `probe`). */
  readonly probe: Probe;
  /** Whether its rate follows a decay over the run (a horizon), as a cosine schedule's does. */
  readonly anneals: boolean;
  readonly options: (h: Horizon) => GeNOptions;
}

/**
 * GeN configurations, each run untuned from every initial rate. `paper` is the authors' rule
 * (Bu & Xu's Algorithm 1 with their code's defaults: phi 4, gamma 0.9, clip ratio 2), probing the
 * next batch as their code does. `auto` is the library's recommended configuration (`preset:
 * 'auto'` with the run's steps as its horizon); its lagged fit reads the next step's own batch, so
 * it probes no batch of its own and `probe: 'own'` saves the loader a look-ahead batch.
 */
export const GEN_VARIANTS = {
  paper: {
    label: "authors' rule",
    phi: G.GEN_DEFAULTS.phi,
    probe: 'fresh',
    anneals: false,
    about:
      'phi 4, smoothing gamma 0.9, each estimate clipped to [eta/2, 2 eta]: the rate grows at most x1.1 per probe; probes on the next batch',
    options: () => ({}),
  },
  auto: {
    label: "recommended 'auto'",
    phi: G.GEN_AUTO.phi!,
    probe: 'own',
    anneals: true,
    about:
      "preset 'auto' with the run's steps as its horizon: the lagged fit (the last step's direction fitted on the next step's batch, one forward pass) every 8 steps, a 20-step warm-up that doubles or halves the rate per step until an estimate lands, the cosine horizon (each estimate scaled by a cosine that falls from 1 to 0 over the run), bias factor 2 for SGD and 1 for AdamW",
    options: (h: Horizon): GeNOptions => ({ preset: 'auto', horizon: h.steps }),
  },
} satisfies Record<string, GenVariant>;
export type GenVariantId = keyof typeof GEN_VARIANTS;

/** The automatic-learning-rate peers, at their authors' defaults. */
export const PEERS = {
  prodigy: { label: 'Prodigy', probe: 'own', make: () => G.prodigy() },
  dAdaptAdam: { label: 'D-Adapt Adam', probe: 'own', make: () => G.dAdaptAdam() },
  dAdaptSgd: { label: 'D-Adapt SGD', probe: 'own', make: () => G.dAdaptSgd() },
  dog: { label: 'DoG', probe: 'own', make: () => G.dog() },
  scheduleFreeAdamW: {
    label: 'Schedule-free AdamW',
    probe: 'own',
    make: () => G.scheduleFreeAdamW(),
    evalParams: true,
  },
  polyak: { label: 'Polyak SGD', probe: 'own', make: () => G.polyakSgd() },
  armijo: {
    label: 'SGD + Armijo backtracking',
    probe: 'own',
    // the line search reads the loss of the gradient's own batch (probe 'own'), starting each step from 1
    make: () => G.chain(G.sgd({ lr: 1 }), G.scaleByBacktrackingLinesearch({ maxBacktrackingSteps: 15 })),
  },
} as const satisfies Record<
  string,
  { label: string; probe: Probe; make: () => GradientTransformation<any, any>; evalParams?: boolean }
>;
export type PeerId = keyof typeof PEERS;
export const PEER_IDS = Object.keys(PEERS) as PeerId[];

/** One method of the comparison (a run is a method and a seed). */
export type MethodSpec =
  | {
      readonly kind: 'gen';
      readonly base: Base;
      readonly variant: GenVariantId;
      readonly lr0: number;
      /** Lazy frequency; omitted: the variant's own. */
      readonly phi?: number;
      readonly probe: Probe;
    }
  | { readonly kind: 'constant' | 'cosine'; readonly base: Base; readonly lr: number }
  | { readonly kind: 'peer'; readonly peer: PeerId };

/** A stable id, e.g. `gen/paper/sgd/0.001/4/next`, `cosine/adamw/0.003`, `peer/prodigy`. */
export function methodId(m: MethodSpec): string {
  switch (m.kind) {
    case 'gen':
      return `gen/${m.variant}/${m.base}/${m.lr0}/${m.phi ?? 'default'}/${m.probe}`;
    case 'peer':
      return `peer/${m.peer}`;
    default:
      return `${m.kind}/${m.base}/${m.lr}`;
  }
}

/** Rates as the report writes them: `1e-3`, `0.3`. */
export function fmtRate(v: number): string {
  if (v >= 0.01 && v < 100) return String(Number(v.toPrecision(3)));
  const [m, e] = v.toExponential().split('e');
  return `${Number(Number(m).toPrecision(3))}e${Number(e)}`;
}

/** A label for tables and legends, e.g. `GeN-SGD from 1e-3`, `AdamW cosine 3e-3`, `Prodigy`. */
export function methodLabel(
  m: MethodSpec,
  o: { variant?: boolean; phi?: boolean; probe?: boolean } = {},
): string {
  switch (m.kind) {
    case 'gen': {
      const tags = [
        o.variant ? GEN_VARIANTS[m.variant].label : '',
        o.phi ? `phi ${phiOf(m)}` : '',
        o.probe ? (m.probe === 'fresh' ? 'fresh batch' : 'own batch') : '',
      ].filter((t) => t !== '');
      return `GeN-${BASE_NAME[m.base]} from ${fmtRate(m.lr0)}${tags.length ? ` (${tags.join(', ')})` : ''}`;
    }
    case 'peer':
      return PEERS[m.peer].label;
    default:
      return `${BASE_NAME[m.base]} ${m.kind} ${fmtRate(m.lr)}`;
  }
}

/** A GeN run's lazy frequency: its own, or its variant's. */
export const phiOf = (m: Extract<MethodSpec, { kind: 'gen' }>): number =>
  m.phi ?? GEN_VARIANTS[m.variant].phi;

/** The data a method's loss-dependent part reads (see `fit`'s `probe`). */
export const probeOf = (m: MethodSpec): Probe =>
  m.kind === 'gen' ? m.probe : m.kind === 'peer' ? PEERS[m.peer].probe : 'own';

/** Whether a method evaluates at other params than it trains (schedule-free's averaged iterate). */
export const evalParamsOf = (m: MethodSpec): boolean =>
  m.kind === 'peer' && (PEERS[m.peer] as { evalParams?: boolean }).evalParams === true;

/** The optimizer of a method, for a run of `h.steps` steps. */
export function makeOptimizer(m: MethodSpec, h: Horizon): GradientTransformation<any, any> {
  switch (m.kind) {
    case 'gen': {
      const variant: GenVariant = GEN_VARIANTS[m.variant];
      const gen = { ...variant.options(h), lr: m.lr0, ...(m.phi !== undefined ? { phi: m.phi } : {}) };
      return m.base === 'sgd' ? G.genSgd(gen) : G.genAdamW(gen);
    }
    case 'peer':
      return PEERS[m.peer].make();
    case 'constant':
      return m.base === 'sgd' ? G.sgd({ lr: m.lr }) : G.adamw({ lr: m.lr });
    case 'cosine': {
      const lr = G.cosineDecaySchedule(m.lr, h.steps);
      return m.base === 'sgd' ? G.sgd({ lr }) : G.adamw({ lr });
    }
  }
}

/** The learning rate a scheduled method applies at step `t` (0-based), or NaN when it adapts its own. */
export function scheduledRate(m: MethodSpec, t: number, h: Horizon): number {
  if (m.kind === 'constant') return m.lr;
  if (m.kind === 'cosine') return G.cosineDecaySchedule(m.lr, h.steps)(t);
  return NaN;
}
