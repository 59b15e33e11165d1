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
export type {
  FitCommonOptions,
  FitLossFnOptions,
  FitModelOptions,
  FitOptions,
  FitPlan,
} from './train/fit-options.js';
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
export {
  computeFans,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  ones,
  orthogonal,
  truncatedNormal,
  varianceScaling,
  zeros,
  type Distribution,
  type FanAxes,
  type FanMode,
  type Initializer,
  type OrthogonalOptions,
  type TruncatedNormalOptions,
  type VarianceScalingOptions,
} from './initializers.js';
export {
  ACTIVATION_NAMES,
  activation,
  elu,
  leakyRelu,
  silu,
  swish,
  type ActivationName,
  type ActivationOptions,
  type NoParams,
} from './layers/activation.js';
export {
  dotProductAttention,
  multiHeadAttention,
  type AttentionOptions,
  type MultiHeadAttentionOptions,
  type MultiHeadAttentionParams,
} from './layers/attention.js';
export { conv1d, conv2d, type ConvLayerOptions, type ConvParams, type LayerPadding } from './layers/conv.js';
export { dropout } from './layers/dropout.js';
export { embedding, type EmbeddingOptions, type EmbeddingParams } from './layers/embedding.js';
export { flatten } from './layers/flatten.js';
export {
  batchNorm,
  layerNorm,
  type BatchNormOptions,
  type BatchNormState,
  type NormOptions,
  type NormParams,
} from './layers/normalization.js';
export {
  transformerBlock,
  type TransformerBlockOptions,
  type TransformerBlockParams,
} from './layers/transformer.js';
export { linear, mlp, type LinearOptions, type LinearParams, type MlpOptions } from './layers/linear.js';
export {
  avgPool2d,
  globalAvgPool,
  maxPool2d,
  type AvgPool2dOptions,
  type GlobalAvgPoolOptions,
  type Pool2dOptions,
} from './layers/pool.js';
export {
  residual,
  sequential,
  type AnyLayer,
  type LayerLike,
  type ParamsOf,
  type SequentialParams,
  type SequentialState,
  type StateOf,
} from './layers/sequential.js';
export {
  huber,
  l2Loss,
  mse,
  sigmoidBinaryCrossEntropy,
  softmaxCrossEntropy,
  type HuberOptions,
  type Reduction,
  type ReductionOptions,
  type SigmoidBinaryCrossEntropyOptions,
  type SoftmaxCrossEntropyOptions,
} from './losses.js';
export { accuracy, perplexity, topKAccuracy, type MeanBasedMetric } from './metrics.js';
export type { FloatDType } from './validate.js';
