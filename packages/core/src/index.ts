/**
 * `@gen-ts/core`: immutable tensors, 38 primitives with nestable forward- and reverse-mode
 * autodiff, pytrees, a splittable PRNG, and the float64 reference backend.
 *
 * @packageDocumentation
 */
import './methods.js';
import { setDefaultBackendFactory } from './backend.js';
import { cpu, CpuBackend } from './cpu/cpu-backend.js';

setDefaultBackendFactory(cpu);

export { isTracer, Tensor, type NestedArray } from './tensor.js';
export { DEFAULT_DTYPE, DTYPES, isFloat, type DType, type TypedArray } from './dtype.js';
export { broadcastShapes, broadcastStrides, sizeOf, stridesOf, type Shape } from './shape.js';
export {
  checkIndices,
  getBackend,
  useBackend,
  withBackend,
  type Backend,
  type BinaryOp,
  type CompareOp,
  type ReduceOp,
  type TensorInfo,
  type UnaryOp,
  type WindowOp,
} from './backend.js';
export { cpu, CpuBackend };
export type { CpuInfo, CpuOptions, CpuThreads, ProductCounts } from './cpu/options.js';
export type { CpuLoops } from './cpu/loops.js';
export {
  arange,
  eye,
  full,
  linspace,
  ones,
  onesLike,
  scalar,
  tensor,
  zeros,
  zerosLike,
  type CreationOptions,
} from './ops/creation.js';
export type { TensorLike } from './ops/coerce.js';
// The ops files hold public functions only, so a new one needs no line here.
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/movement.js';
export * from './ops/linalg.js';
export * from './ops/nn.js';
export * from './ops/conv.js';
export * from './ops/pool.js';
export {
  checkTaps,
  convAxes,
  dilatedSize,
  everyWindowReadsInput,
  sourceTable,
  windowAxes,
  windowOutSize,
  windowSource,
  type ConvGeometry,
  type PadPair,
  type Padding,
  type WindowAxis,
  type WindowGeometry,
} from './window.js';
export { dispose, tidy } from './memory.js';
export { jvp } from './autodiff/jvp.js';
export { vjp, type VjpFn } from './autodiff/vjp.js';
export { grad, hessian, hvp, jacfwd, jacrev, valueAndGrad, type GradOptions } from './autodiff/api.js';
export {
  treeAdd,
  treeDefEqual,
  isPlainObject,
  treeFlatten,
  treeLeaves,
  treeMap,
  treeNorm,
  treeScale,
  treeSub,
  treeUnflatten,
  treeVdot,
  treeZerosLike,
  type Tree,
  type TreeDef,
} from './tree.js';
export {
  bernoulli,
  foldIn,
  key,
  keyFromWords,
  normal,
  permutation,
  PRNGKey,
  randint,
  randomBits,
  split,
  uniform,
} from './random.js';
export {
  bernoulliThresholds,
  THREEFRY_PARITY,
  THREEFRY_ROTATIONS,
  threefry2x32,
  threefryBlocks,
  uniform24,
  uniform53,
} from './prng.js';
export { primitives } from './prims/index.js';
export type { Abstract, NoParams, PrimitiveDef, PrimName, PrimParams } from './prims/types.js';
