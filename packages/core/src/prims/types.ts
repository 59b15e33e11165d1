/**
 * The shape of a primitive's definition. The families (`elementwise`, `reduce`, `movement`,
 * `linalg`, `conv`, `window`) each declare their primitives' params and a table of definitions; `prims/index.ts`
 * joins the tables into one typed `{ [P in PrimName]: PrimitiveDef<P> }`, so a primitive without a
 * shape rule, impl, JVP or VJP is a compile error.
 */
import type { Backend } from '../backend.js';
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import type { ElementwiseParams } from './elementwise.js';
import type { LinalgParams } from './linalg.js';
import type { MovementParams } from './movement.js';
import type { ConvParams } from './conv.js';
import type { ReduceParams } from './reduce.js';
import type { WindowParams } from './window.js';

/** Params of a primitive that takes none. */
export type NoParams = Record<string, never>;

/**
 * Parameters of each primitive, by name. Each family file declares its own (next to the
 * definitions), so a primitive's name, params and rules sit in one place.
 */
export interface PrimParams
  extends ElementwiseParams, ReduceParams, MovementParams, LinalgParams, ConvParams, WindowParams {}

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
