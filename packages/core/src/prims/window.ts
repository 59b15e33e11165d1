/**
 * Windowed primitives (pooling): `reduceWindow` (sum, max, and the non-differentiable argmax of
 * each window), plus the pair `windowGather` / `windowScatter` that max's derivatives are made of.
 *
 * A windowed sum is linear; its transpose spreads each cotangent over its window, which is a
 * windowed sum of the cotangent dilated by the strides (the same index relation solved for the
 * input, as for `conv`). Max is differentiated through the index of each window's (first) maximum,
 * an int32 result that carries no derivative: the JVP gathers the tangent at those indices, the
 * VJP scatters the cotangent back to them. Gather and scatter at fixed indices are linear and each
 * other's transposes, so every derivative order is again a gather or a scatter: `grad(grad(f))`
 * of a max-pooled CNN is exact (the second derivative through the selection itself is zero almost
 * everywhere). Scatter gets its own kernel, not `scatterAdd`: each input position is reached by a
 * bounded set of windows, so a backend sums over those instead of over every index.
 */
import { reduceWindow, windowGather, windowScatter } from '../ops/pool.js';
import { fmt, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import {
  checkInts,
  checkPadding,
  dilatedSize,
  windowAxes,
  windowOutShape,
  type WindowGeometry,
} from '../window.js';
import { needFloat } from './algebra.js';
import type { PrimitiveDef } from './types.js';

/** `reduceWindow` on an explicit geometry (its options spelled out). */
function reduceWindowGeneral(x: Tensor, op: WindowOp, { window, ...options }: WindowGeometry): Tensor {
  return reduceWindow(x, op, window, options);
}

/** Validates a window geometry on `shape` and returns the output shape. */
function windowShape(op: string, shape: readonly number[], g: WindowGeometry): number[] {
  const r = shape.length;
  checkInts(op, 'window', g.window, r, 1);
  checkInts(op, 'strides', g.strides, r, 1);
  checkInts(op, 'baseDilation', g.baseDilation, r, 1);
  checkInts(op, 'windowDilation', g.windowDilation, r, 1);
  checkPadding(op, g.padding, r);
  return windowOutShape(op, windowAxes(shape, g), 'axis', `operand ${fmt(shape)}, window ${fmt(g.window)}`);
}

function checkIndices(op: string, idx: Tensor): void {
  if (idx.dtype !== 'int32')
    throw new TypeError(`${op}: indices must be int32, got ${idx.dtype}${fmt(idx.shape)}`);
}

/** The transpose of a windowed sum over an operand of shape `xs`: see the file header. */
function sumTranspose(ct: Tensor, xs: readonly number[], g: WindowGeometry): Tensor {
  const padding = xs.map((size, d) => {
    const kd = dilatedSize(g.window[d]!, g.windowDilation[d]!);
    const lo = g.padding[d]![0];
    const span = dilatedSize(size, g.baseDilation[d]!);
    return [kd - 1 - lo, span + lo - (ct.shape[d]! - 1) * g.strides[d]! - 1] as const;
  });
  // the window is all ones, so flipping it (as conv's transpose does) changes nothing
  return reduceWindowGeneral(ct, 'sum', {
    window: g.window,
    strides: g.baseDilation,
    padding,
    baseDilation: g.strides,
    windowDilation: g.windowDilation,
  });
}

/** Windowed reductions: sum, max, and the (int32) window tap of each window's first maximum. */
export type WindowOp = 'sum' | 'max' | 'argmax';

/** Params of the windowed primitives: the geometry (plus the op, or the operand's shape). */
export interface WindowParams {
  reduceWindow: WindowGeometry & { op: WindowOp };
  windowGather: WindowGeometry;
  windowScatter: WindowGeometry & { shape: readonly number[] };
}

const reduceWindowDef: PrimitiveDef<'reduceWindow'> = {
  abstract([x], { op, ...g }) {
    needFloat(`reduceWindow(${op})`, x!);
    return {
      shape: windowShape(`reduceWindow(${op})`, x!.shape, g),
      dtype: op === 'argmax' ? 'int32' : x!.dtype,
    };
  },
  impl: (be, [x], { op, ...g }, out) => be.reduceWindow(op, x!, g, out.shape),
  jvp([t], [x], _o, { op, ...g }) {
    if (op === 'sum') return reduceWindowGeneral(t!, 'sum', g);
    if (op === 'max') return windowGather(t!, reduceWindowGeneral(x!, 'argmax', g), g);
    return null;
  },
  vjp(ct, [x], _o, { op, ...g }) {
    if (op === 'sum') return [sumTranspose(ct, x!.shape, g)];
    if (op === 'max') return [windowScatter(reduceWindowGeneral(x!, 'argmax', g), ct, x!.shape, g)];
    return [null];
  },
};

const windowGatherDef: PrimitiveDef<'windowGather'> = {
  abstract([x, idx], g) {
    checkIndices('windowGather', idx!);
    const want = windowShape('windowGather', x!.shape, g);
    if (!shapesEqual(want, idx!.shape))
      throw new Error(
        `windowGather: indices ${fmt(idx!.shape)} should have the window output shape ${fmt(want)}`,
      );
    return { shape: want, dtype: x!.dtype };
  },
  impl: (be, [x, idx], g, out) => be.windowGather(x!, idx!, g, out.shape),
  jvp: ([t], [, idx], _o, g) => windowGather(t!, idx!, g), // linear in x
  vjp: (ct, [x, idx], _o, g) => [windowScatter(idx!, ct, x!.shape, g), null],
};

const windowScatterDef: PrimitiveDef<'windowScatter'> = {
  abstract([idx, upd], { shape, ...g }) {
    checkIndices('windowScatter', idx!);
    const want = windowShape('windowScatter', shape, g);
    if (!shapesEqual(want, idx!.shape) || !shapesEqual(want, upd!.shape)) {
      throw new Error(
        `windowScatter: indices ${fmt(idx!.shape)} and updates ${fmt(upd!.shape)} should both have the window output shape ${fmt(want)}`,
      );
    }
    needFloat('windowScatter', upd!);
    return { shape: shape.slice(), dtype: upd!.dtype };
  },
  impl: (be, [idx, upd], { shape: _s, ...g }, out) => be.windowScatter(idx!, upd!, g, out.shape),
  jvp: ([, t], [idx], _o, { shape, ...g }) => windowScatter(idx!, t!, shape, g),
  vjp: (ct, [idx], _o, { shape: _s, ...g }) => [null, windowGather(ct, idx!, g)],
};

/** The windowed primitives. */
export const windowPrims: { [P in keyof WindowParams]: PrimitiveDef<P> } = {
  reduceWindow: reduceWindowDef,
  windowGather: windowGatherDef,
  windowScatter: windowScatterDef,
};
