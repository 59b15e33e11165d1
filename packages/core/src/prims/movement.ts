/** Movement primitives: all linear, so each is its forward map plus its transpose. */
import { zerosLike } from '../ops/creation.js';
import { broadcastTo, concat, pad, reshape, scatterAdd, slice, take, transpose } from '../ops/movement.js';
import { fmt, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { defLinear, sameDType, unbroadcast } from './algebra.js';
import type { PrimitiveDef } from './types.js';

export const reshapeDef = defLinear<'reshape'>(
  ([x], { shape }) => {
    if (sizeOf(shape) !== x!.size)
      throw new Error(`reshape: cannot reshape ${fmt(x!.shape)} to ${fmt(shape)}`);
    return { shape: shape.slice(), dtype: x!.dtype };
  },
  (be, [x], { shape }) => be.reshape(x!, shape),
  (t, { shape }) => reshape(t, shape),
  (ct, x) => reshape(ct, x.shape),
);

export const transposeDef = defLinear<'transpose'>(
  ([x], { perm }) => {
    const ok =
      perm.length === x!.rank &&
      perm.every((p, i) => Number.isInteger(p) && p >= 0 && p < x!.rank && perm.indexOf(p) === i);
    if (!ok)
      throw new Error(
        `transpose: perm [${perm.join(',')}] is not a permutation of the axes of ${fmt(x!.shape)}`,
      );
    return { shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype };
  },
  (be, [x], { perm }) => be.transpose(x!, perm),
  (t, { perm }) => transpose(t, perm),
  (ct, _x, { perm }) =>
    transpose(
      ct,
      perm.map((_, i) => perm.indexOf(i)),
    ), // the inverse permutation
);

export const broadcastToDef = defLinear<'broadcastTo'>(
  ([x], { shape }) => ({ shape: shape.slice(), dtype: x!.dtype }),
  (be, [x], { shape }) => be.broadcastTo(x!, shape),
  (t, { shape }) => broadcastTo(t, shape),
  (ct, x) => unbroadcast(ct, x.shape),
);

export const sliceDef = defLinear<'slice'>(
  ([x], { size }) => ({ shape: size.slice(), dtype: x!.dtype }),
  (be, [x], { begin, size }) => be.slice(x!, begin, size),
  (t, { begin, size }) => slice(t, begin, size),
  // the transpose of taking a block is padding it back with zeros
  (ct, x, { begin, size }) =>
    pad(
      ct,
      begin.map((b, i) => [b, x.shape[i]! - b - size[i]!] as [number, number]),
    ),
);

export const padDef = defLinear<'pad'>(
  ([x], { widths }) => ({
    shape: x!.shape.map((d, i) => d + widths[i]![0] + widths[i]![1]),
    dtype: x!.dtype,
  }),
  (be, [x], { widths, value }) => be.pad(x!, widths, value),
  (t, { widths }) => pad(t, widths, 0), // the fill value is a constant: its tangent is 0
  (ct, x, { widths }) =>
    slice(
      ct,
      widths.map((w) => w[0]),
      x.shape,
    ),
);

export const concatDef: PrimitiveDef<'concat'> = {
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
  jvp: (ts, xs, _o, { axis }) =>
    concat(
      ts.map((t, i) => t ?? zerosLike(xs[i]!)),
      axis,
    ),
  vjp(ct, xs, _o, { axis }, needs) {
    let at = 0;
    return xs.map((x, i) => {
      const begin = x.shape.map((_, d) => (d === axis ? at : 0));
      at += x.shape[axis]!;
      return needs[i] ? slice(ct, begin, x.shape) : null;
    });
  },
};

function checkIndexDType(op: string, idx: Tensor): void {
  if (idx.dtype !== 'int32')
    throw new TypeError(`${op}: indices must be int32, got ${idx.dtype}${fmt(idx.shape)}`);
}

export const gatherDef: PrimitiveDef<'gather'> = {
  abstract([x, idx], { axis }) {
    checkIndexDType('take', idx!);
    const s = x!.shape;
    return { shape: [...s.slice(0, axis), ...idx!.shape, ...s.slice(axis + 1)], dtype: x!.dtype };
  },
  impl: (be, [x, idx], { axis }, out) => be.gather(x!, idx!, axis, out.shape),
  jvp: ([t], [, idx], _o, { axis }) => take(t!, idx!, axis), // linear in x
  vjp: (ct, [x, idx], _o, { axis }) => [scatterAdd(idx!, ct, x!.shape, axis), null],
};

export const scatterAddDef: PrimitiveDef<'scatterAdd'> = {
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
  jvp: ([, t], [idx], _o, { axis, shape }) => scatterAdd(idx!, t!, shape, axis),
  vjp: (ct, [idx], _o, { axis }) => [null, take(ct, idx!, axis)],
};
