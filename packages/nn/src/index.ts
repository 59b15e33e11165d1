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
export {
  loadMnist,
  MNIST_CLASS_COUNTS,
  MNIST_CLASSES,
  MNIST_PIXELS,
  MNIST_SIZE,
  type LoadMnistOptions,
  type Mnist,
  type MnistSplit,
} from './data/mnist.js';
export {
  BROWN_CATEGORIES,
  charWindows,
  CharVocab,
  loadBrownCorpus,
  type BrownCategory,
  type BrownCorpus,
  type LoadBrownCorpusOptions,
  type WindowOptions,
} from './data/brown.js';
export {
  linearRegression,
  randomQuadratic,
  twoSpirals,
  type LinearRegressionOptions,
  type Quadratic,
  type RandomQuadraticOptions,
  type SyntheticDType,
  type TwoSpiralsOptions,
} from './data/synthetic.js';
export { fit, type FitHistory, type FitResult } from './train/fit.js';
export type { FitCommonOptions, FitLossFnOptions, FitModelOptions, FitOptions } from './train/fit-options.js';
export {
  evaluate,
  type BatchMetric,
  type EvaluateLossFnOptions,
  type EvaluateModelOptions,
  type Metrics,
  type OutputMetric,
} from './train/evaluate.js';
export type { LossContext, XY } from './train/step.js';
export {
  earlyStopping,
  lrLogger,
  stopOnNonFinite,
  type EarlyStoppingOptions,
  type EvalLog,
  type FitCallback,
  type FitContext,
  type LrLoggerOptions,
  type LrRecord,
  type StepLog,
} from './train/callbacks.js';
export { formatDuration, formatNumber, type ProgressOutput, type Verbosity } from './train/progress.js';
