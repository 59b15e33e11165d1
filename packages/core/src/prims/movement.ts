/**
 * Movement primitives. All are linear (pad affine), so each gives its forward map (the backend
 * kernel) and its transpose; the JVP is the primitive applied to the tangent (see `defLinear`).
 */
import { pad, reshape, scatterAdd, slice, take, transpose } from '../ops/movement.js';
import { fmt, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { defLinear, sameDType, unbroadcast } from './algebra.js';
import type { PrimitiveDef } from './types.js';

/** Params of the movement primitives. */
export interface MovementParams {
  reshape: { shape: readonly number[] };
  transpose: { perm: readonly number[] };
  broadcastTo: { shape: readonly number[] };
  slice: { begin: readonly number[]; size: readonly number[] };
  pad: { widths: readonly (readonly [number, number])[]; value: number };
  concat: { axis: number };
  take: { axis: number };
  scatterAdd: { axis: number; shape: readonly number[] };
}

function checkIndexDType(op: string, idx: Tensor): void {
  if (idx.dtype !== 'int32')
    throw new TypeError(`${op}: indices must be int32, got ${idx.dtype}${fmt(idx.shape)}`);
}

/** The movement primitives. */
export const movementPrims: { [P in keyof MovementParams]: PrimitiveDef<P> } = {
  reshape: defLinear('reshape', {
    abstract([x], { shape }) {
      if (sizeOf(shape) !== x!.size)
        throw new Error(`reshape: cannot reshape ${fmt(x!.shape)} to ${fmt(shape)}`);
      return { shape: shape.slice(), dtype: x!.dtype };
    },
    impl: (be, [x], { shape }) => be.reshape(x!, shape),
    transpose: (ct, [x]) => [reshape(ct, x!.shape)],
  }),

  transpose: defLinear('transpose', {
    abstract([x], { perm }) {
      const ok =
        perm.length === x!.rank &&
        perm.every((p, i) => Number.isInteger(p) && p >= 0 && p < x!.rank && perm.indexOf(p) === i);
      if (!ok)
        throw new Error(
          `transpose: perm [${perm.join(',')}] is not a permutation of the axes of ${fmt(x!.shape)}`,
        );
      return { shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype };
    },
    impl: (be, [x], { perm }) => be.transpose(x!, perm),
    // the inverse permutation
    transpose: (ct, _x, { perm }) => [
      transpose(
        ct,
        perm.map((_, i) => perm.indexOf(i)),
      ),
    ],
  }),

  broadcastTo: defLinear('broadcastTo', {
    abstract: ([x], { shape }) => ({ shape: shape.slice(), dtype: x!.dtype }),
    impl: (be, [x], { shape }) => be.broadcastTo(x!, shape),
    transpose: (ct, [x]) => [unbroadcast(ct, x!.shape)],
  }),

  slice: defLinear('slice', {
    abstract: ([x], { size }) => ({ shape: size.slice(), dtype: x!.dtype }),
    impl: (be, [x], { begin, size }) => be.slice(x!, begin, size),
    // the transpose of taking a block is padding it back with zeros
    transpose: (ct, [x], { begin, size }) => [
      pad(
        ct,
        begin.map((b, i) => [b, x!.shape[i]! - b - size[i]!] as [number, number]),
      ),
    ],
  }),

  pad: defLinear('pad', {
    abstract: ([x], { widths }) => ({
      shape: x!.shape.map((d, i) => d + widths[i]![0] + widths[i]![1]),
      dtype: x!.dtype,
    }),
    impl: (be, [x], { widths, value }) => be.pad(x!, widths, value),
    linearPart: (p) => ({ ...p, value: 0 }), // the fill value is a constant: its tangent is 0
    transpose: (ct, [x], { widths }) => [
      slice(
        ct,
        widths.map((w) => w[0]),
        x!.shape,
      ),
    ],
  }),

  concat: defLinear('concat', {
    abstract(xs, { axis }) {
      const dtype = sameDType('concat', xs);
      const r = xs[0]!.rank;
      for (const x of xs) {
        if (x.rank !== r || x.shape.some((d, i) => i !== axis && d !== xs[0]!.shape[i])) {
          throw new Error(`concat: shapes ${xs.map((y) => fmt(y.shape)).join(', ')} differ off axis ${axis}`);
        }
      }
      const shape = xs[0]!.shape.slice();
      shape[axis] = xs.reduce((acc, x) => acc + x.shape[axis]!, 0);
      return { shape, dtype };
    },
    impl: (be, xs, { axis }, out) => be.concat(xs, axis, out.shape),
    // the transpose of joining is cutting the cotangent back into the operands' blocks
    transpose(ct, xs, { axis }, needs) {
      let at = 0;
      return xs.map((x, i) => {
        const begin = x.shape.map((_, d) => (d === axis ? at : 0));
        at += x.shape[axis]!;
        return needs[i] ? slice(ct, begin, x.shape) : null;
      });
    },
  }),

  take: defLinear('take', {
    abstract([x, idx], { axis }) {
      checkIndexDType('take', idx!);
      const s = x!.shape;
      return { shape: [...s.slice(0, axis), ...idx!.shape, ...s.slice(axis + 1)], dtype: x!.dtype };
    },
    impl: (be, [x, idx], { axis }, out) => be.take(x!, idx!, axis, out.shape),
    linearIn: [0], // linear in x; the indices are fixed
    transpose: (ct, [x, idx], { axis }) => [scatterAdd(idx!, ct, x!.shape, axis), null],
  }),

  scatterAdd: defLinear('scatterAdd', {
    abstract([idx, upd], { axis, shape }) {
      checkIndexDType('scatterAdd', idx!);
      if (upd!.dtype === 'bool')
        throw new TypeError(`scatterAdd: not defined for bool updates ${fmt(upd!.shape)}`);
      const want = [...shape.slice(0, axis), ...idx!.shape, ...shape.slice(axis + 1)];
      if (want.length !== upd!.rank || want.some((d, i) => d !== upd!.shape[i])) {
        throw new Error(
          `scatterAdd: updates ${fmt(upd!.shape)} should have shape ${fmt(want)} for indices ${fmt(idx!.shape)} into ${fmt(shape)}`,
        );
      }
      return { shape: shape.slice(), dtype: upd!.dtype };
    },
    impl: (be, [idx, upd], { axis }, out) => be.scatterAdd(idx!, upd!, axis, out.shape),
    linearIn: [1], // linear in the updates; the indices are fixed
    transpose: (ct, [idx], { axis }) => [null, take(ct, idx!, axis)],
  }),
};
