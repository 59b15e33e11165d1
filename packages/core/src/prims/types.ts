/**
 * The primitive set and the shape of a primitive's definition. Every primitive lists its params
 * here; `prims/index.ts` holds a table typed `{ [P in PrimName]: PrimitiveDef<P> }`, so a primitive
 * without a shape rule, impl, JVP or VJP is a compile error.
 */
import type { Backend, CompareOp, WindowOp } from '../backend.js';
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import type { ConvGeometry, WindowGeometry } from '../window.js';

/** Params of a primitive that takes none. */
export type NoParams = Record<string, never>;

/** Parameters of each primitive. */
export interface PrimParams {
  neg: NoParams;
  exp: NoParams;
  log: NoParams;
  sin: NoParams;
  cos: NoParams;
  tanh: NoParams;
  sqrt: NoParams;
  abs: NoParams;
  sign: NoParams;
  add: NoParams;
  sub: NoParams;
  mul: NoParams;
  div: NoParams;
  pow: NoParams;
  maximum: NoParams;
  minimum: NoParams;
  compare: { op: CompareOp };
  where: NoParams;
  sum: { axes: readonly number[] };
  max: { axes: readonly number[] };
  prod: { axes: readonly number[] };
  argmax: { axis: number };
  matmul: NoParams;
  reshape: { shape: readonly number[] };
  transpose: { perm: readonly number[] };
  broadcastTo: { shape: readonly number[] };
  slice: { begin: readonly number[]; size: readonly number[] };
  pad: { widths: readonly (readonly [number, number])[]; value: number };
  concat: { axis: number };
  gather: { axis: number };
  scatterAdd: { axis: number; shape: readonly number[] };
  cast: { dtype: DType };
  stopGradient: NoParams;
  conv: ConvGeometry;
  reduceWindow: WindowGeometry & { op: WindowOp };
  windowGather: WindowGeometry;
  windowScatter: WindowGeometry & { shape: readonly number[] };
}

/** The name of a primitive. */
export type PrimName = keyof PrimParams;

/** Shape and dtype of a primitive's result. */
export interface Abstract {
  shape: number[];
  dtype: DType;
}

/**
 * One primitive, defined in one place. Rules are written with the library's own differentiable
 * ops, so they can themselves be traced: that is what makes `jvp(grad(f))` and `grad(grad(f))` work.
 */
export interface PrimitiveDef<P extends PrimName> {
  /** Validates the inputs (throwing with the op name and shapes) and gives the result's shape/dtype. */
  abstract(inputs: readonly Tensor[], params: PrimParams[P]): Abstract;
  /** Runs the backend kernel on concrete inputs; returns the result's data handle. */
  impl(backend: Backend, inputs: readonly Tensor[], params: PrimParams[P], out: Abstract): unknown;
  /**
   * Forward mode: the output tangent, given input tangents (null = zero; at least one is non-null),
   * the primal inputs and the primal output. Null means the output has zero tangent.
   */
  jvp(
    tangents: readonly (Tensor | null)[],
    primals: readonly Tensor[],
    out: Tensor,
    params: PrimParams[P],
  ): Tensor | null;
  /**
   * Reverse mode: the input cotangents for output cotangent `ct`; entries where `needs[i]` is
   * false may be null.
   */
  vjp(
    ct: Tensor,
    primals: readonly Tensor[],
    out: Tensor,
    params: PrimParams[P],
    needs: readonly boolean[],
  ): (Tensor | null)[];
}
