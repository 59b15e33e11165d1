/**
 * The optax-style protocol. A gradient transformation is a pure pair: `init` builds a named state
 * from the params, `update` maps incoming updates (gradients, or a direction built from them) and
 * the state to outgoing updates and a new state. Nothing is mutated; an optimizer is a chain of
 * transformations, and a training step is `params = applyUpdates(params, updates)`.
 */
import type { Tensor } from '@gen-ts/core';

/** A learning rate (or any hyperparameter) as a function of the step count `0, 1, 2, ...`. */
export type Schedule = (count: number) => number;

/** Extras a transformation does not read: any object (or none) may be passed and is ignored. */
export type NoExtra = object;

/**
 * Loss-dependent extras, as optax's line searches take them. `valueFn` evaluates the (scalar) loss
 * at any params; `value` is the loss at the current params, on the same data as `valueFn`.
 * Transforms that need them say so; every other transform ignores them.
 */
export interface LossExtras<P = any> {
  /** The loss as a function of the params: returns a 0-d float tensor. */
  valueFn?: (params: P) => Tensor;
  /** The loss at the current params, computed on the same data as `valueFn` (saves one evaluation). */
  value?: Tensor;
  /** The gradient of `value` at the current params (same data), for transforms that read the slope `G^T d`. */
  grad?: P;
  /**
   * The gradient's own batch, whatever data `valueFn` evaluates: its loss and gradient at the
   * current params and its loss function. GeN's `mode: 'lagged'` fits the previous step on it (data
   * that step's direction never saw). `trainStep` passes it unless its `probeLossFn` differs from
   * the loss (then the gradient's loss is not the probes' function).
   */
  own?: OwnBatch<P>;
}

/** The loss, gradient and loss function of the batch the gradient was taken on. */
export interface OwnBatch<P = any> {
  /** The loss at the current params. */
  readonly value: Tensor;
  /** Its gradient. */
  readonly grad: P;
  /** The loss on that batch as a function of the params. */
  readonly valueFn: (params: P) => Tensor;
}

/**
 * A pure gradient transformation with state `S` that reads extras `X` (optax's
 * `GradientTransformationExtraArgs`).
 *
 * - `init(params)` returns the initial state (shapes taken from `params`).
 * - `update(updates, state, params?, extra?)` returns `[newUpdates, newState]`; it never mutates
 *   its inputs, so the old state stays valid (a step can be replayed or compared).
 */
export interface GradientTransformation<S = unknown, X = NoExtra> {
  /** Builds the initial state for `params` (a pytree of tensors). */
  init<P>(params: P): S;
  /** Maps `updates` (same structure as the params) and `state` to new updates and a new state. */
  update<U>(updates: U, state: S, params?: U, extra?: X): [U, S];
}

/** The state type of a transformation. */
export type StateOf<T> = T extends GradientTransformation<infer S, any> ? S : never;

/** The extras type of a transformation. */
export type ExtraOf<T> = T extends GradientTransformation<any, infer X> ? X : never;

/** `A | B | C` -> `A & B & C` (the extras a chain needs are all its members' extras). */
export type UnionToIntersection<U> = (U extends any ? (k: U) => void : never) extends (k: infer I) => void
  ? I
  : never;
