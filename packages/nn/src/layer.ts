/**
 * The layer protocol. A layer is a pair of pure functions and nothing else: `init` draws the
 * parameters (and creates the state, if the layer has any) for an input shape, and `apply` maps
 * parameters and an input to an output. Parameters and state are pytrees of tensors, so every
 * `@gen-ts/core` transform (`grad`, `jvp`, `hvp`) and every `@gen-ts/gen` optimizer applies to them
 * as they are. Nothing is hidden in the layer object: two calls with the same arguments give the
 * same result.
 */
import type { PRNGKey, Shape, Tensor, Tree } from '@gen-ts/core';

/** What `apply` may be given besides the parameters and the input. */
export interface ApplyOptions<S = unknown> {
  /**
   * Randomness for stochastic layers (dropout). Required by such a layer when `train` is true;
   * ignored otherwise.
   */
  readonly key?: PRNGKey;
  /**
   * Training mode: dropout is active and batch normalisation uses (and updates) batch statistics.
   * Default `false` (evaluation).
   */
  readonly train?: boolean;
  /** The layer's state (e.g. batch normalisation's running statistics), as `init` or the last `apply` returned it. */
  readonly state?: S;
  /**
   * A `bool` mask `[B, T]` over a sequence's positions, `true` where a position holds a real token
   * and `false` at padding (flax's and Keras's convention; PyTorch's `key_padding_mask` is its
   * negation). Attention ignores the keys it marks `false`; containers pass it on unchanged, and
   * layers that do not attend ignore it.
   */
  readonly mask?: Tensor;
}

/** What `init` returns: the parameters, the state (`undefined` for a stateless layer) and the output's shape. */
export interface Initialized<P, S> {
  /** The trainable parameters: a pytree of float tensors. */
  readonly params: P;
  /** The non-trainable state, or `undefined` for a stateless layer. */
  readonly state: S;
  /** The shape of `apply`'s output for an input of the shape `init` was given. */
  readonly outputShape: Shape;
}

/**
 * The result of `apply`: the output alone for a stateless layer, `[output, newState]` for one with
 * state, and either for a layer whose state type is `any` (code generic over layers reads
 * `layer.stateful` to tell).
 */
export type Applied<S> = 0 extends 1 & S
  ? Tensor | [Tensor, S]
  : [S] extends [undefined]
    ? Tensor
    : [Tensor, S];

/**
 * A layer: `init(key, inputShape)` and `apply(params, x, options)`, both pure. Input shapes include
 * the batch dimension (`[B, ...]`); `init` accepts any batch size.
 */
export interface Layer<P extends Tree = Tree, S extends Tree = undefined> {
  /** A short name used in error messages (`conv2d`, `sequential[2].linear`). */
  readonly name: string;
  /** Whether `apply` returns `[output, newState]` (the layer has state). */
  readonly stateful: boolean;
  /** Draws parameters and creates state for inputs of `inputShape`. */
  init(key: PRNGKey, inputShape: Shape): Initialized<P, S>;
  /** Applies the layer. */
  apply(params: P, x: Tensor, options?: ApplyOptions<S>): Applied<S>;
}
