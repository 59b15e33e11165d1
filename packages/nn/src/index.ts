/**
 * `@gen-ts/nn`: layers as pure `(init, apply)` pairs over pytrees of `@gen-ts/core` tensors,
 * initializers, losses, metrics, datasets and the training loop.
 *
 * @packageDocumentation
 */
export type { Applied, ApplyOptions, Initialized, Layer } from './layer.js';
export { Dataset } from './data/dataset.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  readSafetensorsHeader,
  TREE_METADATA_KEY,
  type DecodeSafetensorsOptions,
  type EncodeSafetensorsOptions,
  type SafetensorsDType,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './io/safetensors.js';
export { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type DataPosition } from './io/checkpoint.js';
export { loadCheckpoint, loadSafetensors, saveCheckpoint, saveSafetensors } from './io/files.js';
