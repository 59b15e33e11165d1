/**
 * The optimizers the page offers, and how each is made: GeN on Adam's or SGD's direction, the two
 * with a constant rate, and two of the automatic-learning-rate peers of `@gen-ts/gen` (Prodigy and
 * DoG, at their defaults: they set their own step size). Each is a base transformation (the
 * direction) followed by the one that sets the step, which is how the gen package's aliases are
 * built, so the 2-D panel can read the direction between them.
 */
import type { Tensor } from '@gen-ts/core';
import {
  dog,
  identity,
  prodigy,
  scaleByAdam,
  scaleByGeN,
  scaleByLearningRate,
  type DogState,
  type GeNOptions,
  type GradientTransformation,
  type ProdigyState,
  type ScaleByGeNState,
} from '@gen-ts/gen';

/** The optimizers the page offers. */
export type OptimizerId = 'gen-adam' | 'gen-sgd' | 'adam' | 'sgd' | 'prodigy' | 'dog';

/** How an optimizer's step size is set. */
export type RateKind = 'gen' | 'constant' | 'peer';

/** Menu entries. */
export const OPTIMIZERS: readonly { id: OptimizerId; label: string; kind: RateKind }[] = [
  { id: 'gen-adam', label: 'GeN-Adam', kind: 'gen' },
  { id: 'gen-sgd', label: 'GeN-SGD', kind: 'gen' },
  { id: 'adam', label: 'Adam (constant rate)', kind: 'constant' },
  { id: 'sgd', label: 'SGD (constant rate)', kind: 'constant' },
  { id: 'prodigy', label: 'Prodigy (a peer; sets its own rate)', kind: 'peer' },
  { id: 'dog', label: 'DoG (a peer; sets its own rate)', kind: 'peer' },
];

/** The kind of optimizer `id`. */
export function rateKind(id: OptimizerId): RateKind {
  const o = OPTIMIZERS.find((x) => x.id === id);
  if (!o)
    throw new RangeError(`unknown optimizer '${id}' (known: ${OPTIMIZERS.map((x) => x.id).join(', ')})`);
  return o.kind;
}

/** An optimizer as its two stages. */
export interface Stages {
  /** The direction (identity for SGD and the peers). */
  readonly base: GradientTransformation<unknown>;
  /** What turns the direction into the update: GeN, a constant rate, or the peer itself. */
  readonly tail: GradientTransformation<unknown, any>;
}

/**
 * The stages of optimizer `id`: `lr` is the (initial, for GeN) learning rate and `gen` GeN's other
 * options; the peers take neither (their defaults set the step themselves).
 */
export function stages(id: OptimizerId, lr: number, gen: GeNOptions): Stages {
  const base = (
    id === 'gen-adam' || id === 'adam' ? scaleByAdam() : identity()
  ) as GradientTransformation<unknown>;
  const kind = rateKind(id);
  let tail: GradientTransformation<any, any>;
  if (kind === 'gen') tail = scaleByGeN({ ...gen, lr });
  else if (kind === 'constant') tail = scaleByLearningRate(lr);
  else tail = id === 'prodigy' ? prodigy() : dog();
  return { base, tail };
}

/**
 * The step size the tail's state holds after a step: GeN's rate, Prodigy's `d` (its step is
 * `d * lr` with `lr` 1), DoG's `eta`; null for a constant rate.
 */
export function rateIn(id: OptimizerId, tailState: unknown): Tensor | null {
  if (rateKind(id) === 'gen') return (tailState as ScaleByGeNState).lr;
  if (id === 'prodigy') return (tailState as ProdigyState).d;
  if (id === 'dog') return (tailState as DogState).eta;
  return null;
}
