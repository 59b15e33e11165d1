/**
 * `@gen-ts/gen`: optax-style gradient transformations (pure `init`/`update` pairs with named
 * state), schedules, optimizers as chains, and GeN, the generalized-Newton learning rate
 * (Bu & Xu, ICLR 2025) that attaches to any of them: `chain(scaleByAdam(), scaleByGeN())`.
 *
 * @packageDocumentation
 */
export type {
  ExtraOf,
  GradientTransformation,
  LossExtras,
  OwnBatch,
  NoExtra,
  Schedule,
  StateOf,
  UnionToIntersection,
} from './types.js';
export {
  applyUpdates,
  chain,
  identity,
  namedChain,
  setToZero,
  type ChainExtra,
  type ChainState,
  type EmptyState,
  type NamedChainState,
} from './base.js';
export {
  masked,
  partition,
  type LabelTree,
  type MaskTree,
  type MaskedState,
  type PartitionState,
} from './combine.js';
export { injectHyperparams, type Injectable, type InjectHyperparamsState } from './inject.js';
export {
  addDecayedWeights,
  clip,
  clipByGlobalNorm,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  scaleByLion,
  scaleByRms,
  scaleByRss,
  scaleBySchedule,
  trace,
  type CountState,
  type ScaleByAdamOptions,
  type ScaleByAdamState,
  type ScaleByLionState,
  type ScaleByRmsOptions,
  type ScaleByRmsState,
  type ScaleByRssState,
  type TraceState,
} from './transforms.js';
export {
  adagrad,
  adam,
  adamw,
  lion,
  momentum,
  rmsprop,
  sgd,
  type AdagradOptions,
  type AdamOptions,
  type AdamWOptions,
  type LionOptions,
  type LrOption,
  type MomentumOptions,
  type RmspropOptions,
  type SgdOptions,
} from './alias.js';
export {
  constantSchedule,
  cosineDecaySchedule,
  exponentialDecay,
  joinSchedules,
  linearSchedule,
  piecewiseConstantSchedule,
  warmupCosineDecaySchedule,
  type ExponentialDecayOptions,
} from './schedules.js';
export { GEN_AUTO, GEN_AUTO_MOMENTUM, GEN_AUTO_SGD } from './gen/presets.js';
export {
  GEN_DEFAULTS,
  cosineHorizon,
  genConfig,
  type GeNConfig,
  type GeNMode,
  type GeNPreset,
  type GeNSlope,
  type GeNAfterLanding,
  type GeNLanding,
  type GeNOptions,
  type GeNSafeguard,
} from './gen/options.js';
export { scaleByGeN, type GeNExtra, type GeNFit, type ScaleByGeNState } from './gen/scale-by-gen.js';
export type { LaggedPoint } from './gen/estimate.js';
export { newtonDirection, type NewtonDirectionOptions } from './gen/newton.js';
export {
  genAdam,
  genAdamW,
  genMomentum,
  genSgd,
  type GenAdamOptions,
  type GenAdamWOptions,
  type GenMomentumOptions,
} from './gen/alias.js';
export {
  scaleByBlockGeN,
  type BlockGeNFit,
  type BlockGeNOptions,
  type BlockGeNState,
} from './gen/block-gen.js';
export { findGeNState } from './gen/find-state.js';
export { trainStep, type TrainStepOptions, type TrainStepResult } from './train-step.js';
export { prodigy, type ProdigyOptions, type ProdigyState } from './peers/prodigy.js';
export {
  dAdaptAdam,
  dAdaptSgd,
  type DAdaptAdamOptions,
  type DAdaptAdamState,
  type DAdaptSgdOptions,
  type DAdaptSgdState,
} from './peers/dadapt.js';
export { dog, type DogOptions, type DogState } from './peers/dog.js';
export {
  scheduleFreeAdamW,
  scheduleFreeEvalParams,
  scheduleFreeSgd,
  type ScheduleFreeAdamWOptions,
  type ScheduleFreeSgdOptions,
  type ScheduleFreeState,
} from './peers/schedule-free.js';
export { polyakSgd, type PolyakSgdOptions, type PolyakSgdState } from './peers/polyak.js';
export {
  scaleByBacktrackingLinesearch,
  type BacktrackingLinesearchInfo,
  type BacktrackingLinesearchOptions,
  type BacktrackingLinesearchState,
} from './peers/linesearch.js';
export { reduceOnPlateau, type ReduceOnPlateauOptions, type ReduceOnPlateauState } from './peers/plateau.js';
export { asDirection } from './peers/direction.js';
