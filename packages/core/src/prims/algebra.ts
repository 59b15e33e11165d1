/**
 * Helpers that name the algebra of the rules (as JAX's `deflinear`/`defbilinear`): with them each
 * primitive's derivative reads as one line of math.
 */
import { bind } from '../bind.js';
import { isFloat, type DType } from '../dtype.js';
import { zerosLike } from '../ops/creation.js';
import { add } from '../ops/elementwise.js';
import { broadcastTo, reshape } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import { broadcastShapes, fmt, shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { BinaryOp, UnaryOp } from './elementwise.js';
import type { PrimitiveDef, PrimName, PrimParams } from './types.js';

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

/**
 * The tangent of a broadcast result from an operand's partial `t`: an operand that broadcasts
 * (`[2,1]` against `[2,3]`, or a scalar) moves every output it is repeated into, so its partial is
 * broadcast to the output's shape; the JVP counterpart of `unbroadcast`.
 */
export function broadcastTangent(t: Tensor, shape: Shape): Tensor {
  return shapesEqual(t.shape, shape) ? t : broadcastTo(t, shape);
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

/** One row of the unary table (see `elementwise.ts`). */
export interface UnarySpec {
  /** Also defined on int32 (never on bool); otherwise float dtypes only. */
  readonly ints?: boolean;
  /** The derivative at `x` (output `out`) as a linear map of the tangent `t`; null: zero everywhere. */
  readonly d: ((t: Tensor, x: Tensor, out: Tensor) => Tensor) | null;
}

/** One row of the binary table: the partial derivatives as linear maps of a tangent `t`. */
export interface BinarySpec {
  /** Also defined on int32 (never on bool); otherwise float dtypes only. */
  readonly ints?: boolean;
  readonly da: (t: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor;
  readonly db: (t: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor;
}

/** `{ k: f(table[k], k) }` for every row of a table. */
export function mapTable<K extends string, S, R>(
  table: Record<K, S>,
  f: (spec: S, name: K) => R,
): Record<K, R> {
  const out = {} as Record<K, R>;
  for (const k of Object.keys(table) as K[]) out[k] = f(table[k], k);
  return out;
}

function checkElementwise(name: string, ints: boolean | undefined, x: Tensor): void {
  if (!ints) needFloat(name, x);
  else if (x.dtype === 'bool') throw new TypeError(`${name}: not defined for bool tensors`);
}

/**
 * An elementwise unary primitive whose derivative at `x` is the linear map `d(t, x, out)`.
 * Elementwise maps are their own transposes, so the same function gives the JVP and the VJP.
 */
export function defUnary<P extends UnaryOp>({ ints, d }: UnarySpec, name: P): PrimitiveDef<P> {
  return {
    abstract([x]) {
      checkElementwise(name, ints, x!);
      return { shape: x!.shape.slice(), dtype: x!.dtype };
    },
    impl: (b, [x]) => b.unary(name, x!),
    jvp: ([t], [x], out) => (d ? d(t!, x!, out) : null),
    vjp: (ct, [x], out) => [d ? d(ct, x!, out) : null],
  };
}

/**
 * A binary primitive from its two partial derivatives (elementwise, so self-transposed); the VJP
 * sums back over broadcast axes.
 */
export function defBinary<P extends BinaryOp>({ ints, da, db }: BinarySpec, name: P): PrimitiveDef<P> {
  return {
    abstract([a, b]) {
      const dtype = sameDType(name, [a!, b!]);
      checkElementwise(name, ints, a!);
      return { shape: broadcastShapes(name, a!.shape, b!.shape), dtype };
    },
    impl: (be, [a, b], _p, out) => be.binary(name, a!, b!, out.shape),
    // each partial is broadcast to the output: with only the smaller operand perturbed, `add`'s
    // partial is that operand's tangent itself, of the operand's shape
    jvp: ([ta, tb], [a, b], out) =>
      addT(
        ta ? broadcastTangent(da(ta, a!, b!, out), out.shape) : null,
        tb ? broadcastTangent(db(tb, a!, b!, out), out.shape) : null,
      ),
    vjp: (ct, [a, b], out, _p, needs) => [
      needs[0] ? unbroadcast(da(ct, a!, b!, out), a!.shape) : null,
      needs[1] ? unbroadcast(db(ct, a!, b!, out), b!.shape) : null,
    ],
  };
}

/** What a linear primitive defines: no derivative rules, only the transpose of its map. */
export interface LinearSpec<P extends PrimName> {
  abstract: PrimitiveDef<P>['abstract'];
  impl: PrimitiveDef<P>['impl'];
  /** The cotangents of the linear inputs for output cotangent `ct` (null where `needs[i]` is false or for fixed inputs). */
  transpose(
    ct: Tensor,
    primals: readonly Tensor[],
    params: PrimParams[P],
    needs: readonly boolean[],
  ): (Tensor | null)[];
  /** The inputs the map is linear in (default: all); the others (indices) are held fixed. */
  linearIn?: readonly number[];
  /** For an affine map (pad's fill value): the params of its linear part. */
  linearPart?: (params: PrimParams[P]) => PrimParams[P];
}

/**
 * A primitive that is a linear map of (some of) its inputs. Its JVP is the primitive itself
 * applied to the tangents (zeros for inputs without one), so only the transpose is written and the
 * forward map is never restated; the gradient checks' inner-product identity
 * `<transpose(ct), t> = <ct, map(t)>` is what pairs the two.
 */
export function defLinear<P extends PrimName>(name: P, spec: LinearSpec<P>): PrimitiveDef<P> {
  const { abstract, impl, transpose, linearIn, linearPart } = spec;
  return {
    abstract,
    impl,
    jvp(tangents, primals, _out, params) {
      const args = primals.map((x, i) =>
        linearIn && !linearIn.includes(i) ? x : (tangents[i] ?? zerosLike(x)),
      );
      return bind(name, args, linearPart ? linearPart(params) : params);
    },
    vjp: (ct, primals, _out, params, needs) => transpose(ct, primals, params, needs),
  };
}
