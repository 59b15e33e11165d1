/**
 * How big each part of the demo is: `full` (the default, sized to finish in about ten minutes on
 * two idle cores) and `quick` (CI: every method and chart, at toy sizes, in well under a minute).
 * Everything the report compares runs at the sizes given here; nothing else changes with `--quick`.
 */
import type { Base, PeerId } from './methods.js';

/** The training tasks. */
export type TaskId = 'mlp' | 'cnn' | 'char';
/** The studies: the training tasks, the Phi sweep, the probe policies and the quadratic checks. */
export type StudyId = TaskId | 'phi' | 'probe' | 'quadratic';
export const STUDY_IDS: readonly StudyId[] = ['mlp', 'cnn', 'char', 'phi', 'probe', 'quadratic'];

export type Size = 'quick' | 'full';

/** MNIST sizes (digits; train + validation + test <= 10,000). */
export interface MnistSize {
  readonly train: number;
  readonly validation: number;
  readonly test: number;
}

/** The character-level transformer's sizes. */
export interface CharSize {
  /** Brown Corpus documents (lower-cased), split by document. */
  readonly documents: number;
  readonly context: number;
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  /** Validation and test windows evaluated at each point. */
  readonly evalWindows: number;
}

/** What a training task runs. */
export interface TaskPlan {
  readonly batch: number;
  readonly epochs: number;
  /** Steps of a run, when it is shorter than `epochs` whole epochs (the char task's corpus is long). */
  readonly steps?: number;
  /** Evaluations per run, spread evenly over its steps (plus one at step 0). */
  readonly evals: number;
  /** The base optimizers GeN scales and the grids tune. */
  readonly bases: readonly Base[];
  /** GeN's initial rates, per base (never tuned: every one is reported). */
  readonly genLr0: Readonly<Partial<Record<Base, readonly number[]>>>;
  /** The schedules tuned on the grid (each at every rate of `grid`). */
  readonly schedules: readonly ('constant' | 'cosine')[];
  /** The grid of rates for the schedules, per base. */
  readonly grid: Readonly<Partial<Record<Base, readonly number[]>>>;
  readonly peers: readonly PeerId[];
}

export interface Sizes {
  readonly mnist: MnistSize;
  readonly mlp: TaskPlan & { readonly hidden: number };
  readonly cnn: TaskPlan & { readonly mnist: MnistSize; readonly channels: readonly [number, number] };
  readonly char: TaskPlan & CharSize;
  /** Phi sweep on the MLP: accuracy from GeN's default initial rate, and step time. */
  readonly phi: {
    readonly phis: readonly number[];
    readonly lr0: number;
    readonly speedRounds: number;
    /** Steps per timed chunk (a multiple of every phi, so each chunk probes equally often). */
    readonly speedChunk: number;
  };
  /** Probe policies on the MLP, at `epochsScale` times its horizon (runaways take time to show). */
  readonly probe: { readonly lr0: number; readonly epochsScale: number };
  readonly quadratic: { readonly dim: number; readonly trials: number };
}

const ALL_PEERS: readonly PeerId[] = [
  'prodigy',
  'dAdaptAdam',
  'dAdaptSgd',
  'dog',
  'scheduleFreeAdamW',
  'polyak',
  'armijo',
];
const SGD_LR0 = [1e-4, 1e-3, 1e-2, 1e-1];
const ADAM_LR0 = [1e-5, 1e-4, 1e-3, 1e-2];

export const SIZES: Readonly<Record<Size, Sizes>> = {
  full: {
    mnist: { train: 4000, validation: 1000, test: 2000 },
    mlp: {
      hidden: 64,
      batch: 128,
      epochs: 8,
      evals: 8,
      bases: ['sgd', 'adamw'],
      genLr0: { sgd: SGD_LR0, adamw: ADAM_LR0 },
      schedules: ['constant', 'cosine'],
      grid: { sgd: [0.1, 0.3, 1, 3], adamw: [1e-3, 3e-3, 1e-2, 3e-2] },
      peers: ALL_PEERS,
    },
    cnn: {
      mnist: { train: 3072, validation: 500, test: 1000 },
      channels: [8, 16],
      batch: 64,
      epochs: 4,
      evals: 4,
      bases: ['sgd', 'adamw'],
      genLr0: { sgd: SGD_LR0, adamw: ADAM_LR0 },
      schedules: ['constant', 'cosine'],
      grid: { sgd: [0.1, 0.3, 1], adamw: [3e-3, 1e-2, 3e-2, 0.1] },
      peers: ALL_PEERS,
    },
    char: {
      documents: 60,
      context: 32,
      width: 32,
      layers: 1,
      heads: 4,
      evalWindows: 64,
      batch: 16,
      epochs: 1,
      steps: 300,
      evals: 6,
      bases: ['adamw'],
      genLr0: { adamw: ADAM_LR0 },
      schedules: ['cosine'],
      grid: { adamw: [3e-3, 1e-2, 3e-2] },
      peers: ['prodigy'],
    },
    phi: { phis: [1, 4, 8], lr0: 1e-3, speedRounds: 25, speedChunk: 8 },
    probe: { lr0: 1e-3, epochsScale: 3 },
    quadratic: { dim: 20, trials: 20 },
  },
  quick: {
    mnist: { train: 512, validation: 256, test: 256 },
    mlp: {
      hidden: 16,
      batch: 64,
      epochs: 2,
      evals: 2,
      bases: ['sgd', 'adamw'],
      genLr0: { sgd: [1e-3, 1e-1], adamw: [1e-4, 1e-2] },
      schedules: ['constant', 'cosine'],
      grid: { sgd: [0.1, 1], adamw: [1e-3, 1e-2] },
      peers: ALL_PEERS,
    },
    cnn: {
      mnist: { train: 128, validation: 64, test: 64 },
      channels: [4, 8],
      batch: 32,
      epochs: 1,
      evals: 2,
      bases: ['sgd', 'adamw'],
      genLr0: { sgd: [1e-2], adamw: [1e-3] },
      schedules: ['constant', 'cosine'],
      grid: { sgd: [0.1, 0.3], adamw: [1e-3, 1e-2] },
      peers: ALL_PEERS,
    },
    char: {
      documents: 8,
      context: 16,
      width: 16,
      layers: 1,
      heads: 2,
      evalWindows: 16,
      batch: 8,
      epochs: 1,
      steps: 8,
      evals: 2,
      bases: ['adamw'],
      genLr0: { adamw: [1e-3] },
      schedules: ['cosine'],
      grid: { adamw: [1e-3, 1e-2] },
      peers: ['prodigy'],
    },
    phi: { phis: [1, 4, 8], lr0: 1e-3, speedRounds: 2, speedChunk: 8 },
    probe: { lr0: 1e-3, epochsScale: 1 },
    quadratic: { dim: 8, trials: 4 },
  },
};
