/**
 * `@gen-ts/nn`: layers as pure `(init, apply)` pairs over pytrees of `@gen-ts/core` tensors,
 * initializers, losses, metrics, datasets and the training loop.
 *
 * @packageDocumentation
 */
export type { Applied, ApplyOptions, Initialized, Layer } from './layer.js';
