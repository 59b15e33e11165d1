/**
 * Helpers that name the algebra of the rules (as JAX's `deflinear`/`defbilinear`): with them each
 * primitive's derivative reads as one line of math.
 */
import type { Backend } from '../backend.js';
import { isFloat, type DType } from '../dtype.js';
import { add } from '../ops/elementwise.js';
import { reshape } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import { fmt, shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { Abstract, PrimitiveDef, PrimName, PrimParams } from './types.js';

/** Sums a cotangent of a broadcast result back to the operand's `shape` (the transpose of broadcasting). */
export function unbroadcast(ct: Tensor, shape: Shape): Tensor {
  if (shapesEqual(ct.shape, shape)) return ct;
  const lead = ct.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < ct.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && ct.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(ct, axes), shape);
}

/** Adds two optional tangents (null = zero). */
export function addT(a: Tensor | null, b: Tensor | null): Tensor | null {
  if (a === null) return b;
  if (b === null) return a;
  return add(a, b);
}

/** Throws unless every input has the same dtype. */
export function sameDType(op: string, xs: readonly Tensor[]): DType {
  const d = xs[0]!.dtype;
  for (const x of xs) {
    if (x.dtype !== d) {
      throw new TypeError(
        `${op}: dtypes differ: ${xs.map((y) => `${y.dtype}${fmt(y.shape)}`).join(' and ')}; cast one first`,
      );
    }
  }
  return d;
}

/** Throws unless `x` is a float tensor. */
export function needFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: needs a float tensor, got ${x.dtype}${fmt(x.shape)}`);
}

/**
 * An elementwise unary primitive whose derivative at `x` is the linear map `dmap(t, x, out)`.
 * Elementwise maps are their own transposes, so the same function gives the JVP and the VJP.
 */
export function defUnary<P extends PrimName>(
  name: string,
  floatOnly: boolean,
  kernel: (b: Backend, x: Tensor) => unknown,
  dmap: ((t: Tensor, x: Tensor, out: Tensor) => Tensor) | null,
): PrimitiveDef<P> {
  return {
    abstract([x]) {
      if (floatOnly) needFloat(name, x!);
      else if (x!.dtype === 'bool') throw new TypeError(`${name}: not defined for bool tensors`);
      return { shape: x!.shape.slice(), dtype: x!.dtype };
    },
    impl: (b, [x]) => kernel(b, x!),
    jvp: ([t], [x], out) => (dmap ? dmap(t!, x!, out) : null),
    vjp: (ct, [x], out) => [dmap ? dmap(ct, x!, out) : null],
  };
}

/** A primitive whose JVP and VJP are fixed linear maps (`linear` applied to tangents, `transpose` to cotangents). */
export function defLinear<P extends PrimName>(
  abstract: (inputs: readonly Tensor[], params: PrimParams[P]) => Abstract,
  impl: (b: Backend, inputs: readonly Tensor[], params: PrimParams[P], out: Abstract) => unknown,
  linear: (t: Tensor, params: PrimParams[P]) => Tensor,
  transpose: (ct: Tensor, x: Tensor, params: PrimParams[P]) => Tensor,
): PrimitiveDef<P> {
  return {
    abstract,
    impl,
    jvp: ([t], _p, _o, params) => linear(t!, params),
    vjp: (ct, [x], _o, params) => [transpose(ct, x!, params)],
  };
}
