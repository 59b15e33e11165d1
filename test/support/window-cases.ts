/**
 * Gradient-check problems for the windowed primitives (the rows of gradcheck.test.ts's table for
 * `conv`, `reduceWindow`, `windowGather` and `windowScatter`): a function of tensors, its
 * arguments and a description for counterexamples.
 */
import fc from 'fast-check';
import {
  conv,
  reduceWindow,
  windowGather,
  windowScatter,
  type Tensor,
  type WindowGeometry,
} from '@gen-ts/core';
import type { TensorFn } from './check-grads.js';
import { indicesArb, sampleArb, toTensor, type Sample } from './samplers.js';
import { convProblemArb, windowOutShapeOf, windowProblemArb } from './window-samplers.js';

/** One generated check. */
export interface WindowCheck {
  desc: string;
  f: TensorFn;
  args: Tensor[];
}

const show = (s: Sample) => `[${s.shape.join(',')}] ${JSON.stringify(s.values)}`;

/** `conv(x, w)` over 1-2 spatial axes with every geometry option, both arguments differentiated. */
export const convCheckArb: fc.Arbitrary<WindowCheck> = convProblemArb({ maxSize: 4 })
  .chain((p) => fc.tuple(fc.constant(p), sampleArb(p.x), sampleArb(p.w)))
  .map(([p, x, w]) => ({
    desc: `conv ${JSON.stringify(p.geometry)} x=${show(x)} w=${show(w)}`,
    f: (a, b) =>
      conv(a!, b!, {
        strides: p.geometry.strides,
        padding: p.geometry.padding,
        lhsDilation: p.geometry.lhsDilation,
        rhsDilation: p.geometry.rhsDilation,
        featureGroupCount: p.geometry.featureGroupCount,
      }),
    args: [toTensor(x), toTensor(w)],
  }));

const options = (g: WindowGeometry) => ({
  strides: g.strides,
  padding: g.padding,
  baseDilation: g.baseDilation,
  windowDilation: g.windowDilation,
});

/**
 * `reduceWindow` sum (any geometry, holes included) or max (windows that cover an element, values
 * pairwise 0.2 apart so no central difference crosses a tie).
 */
export function reduceWindowCheckArb(op: 'sum' | 'max'): fc.Arbitrary<WindowCheck> {
  return windowProblemArb({ real: op === 'max' })
    .chain((p) => fc.tuple(fc.constant(p), sampleArb(p.shape, op === 'max' ? 'distinct' : 'real')))
    .map(([p, x]) => ({
      desc: `reduceWindow ${op} ${JSON.stringify(p.geometry)} x=${show(x)}`,
      f: (t) => reduceWindow(t!, op, p.geometry.window, options(p.geometry)),
      args: [toTensor(x)],
    }));
}

/** Taps drawn anywhere in the window, holes included (which read 0 and receive nothing). */
const tapsArb = (p: { geometry: WindowGeometry }, out: number[]) =>
  indicesArb(
    p.geometry.window.reduce((a, b) => a * b, 1),
    out,
  );

/** `windowGather(x, taps)` at random taps. */
export const windowGatherCheckArb: fc.Arbitrary<WindowCheck> = windowProblemArb()
  .chain((p) => fc.tuple(fc.constant(p), sampleArb(p.shape), tapsArb(p, windowOutShapeOf(p))))
  .map(([p, x, taps]) => ({
    desc: `windowGather ${JSON.stringify(p.geometry)} x=${show(x)} taps=${show(taps)}`,
    f: (t, i) => windowGather(t!, i!, p.geometry),
    args: [toTensor(x), toTensor(taps, 'int32')],
  }));

/** `windowScatter(taps, updates)` at random taps. */
export const windowScatterCheckArb: fc.Arbitrary<WindowCheck> = windowProblemArb()
  .chain((p) => {
    const out = windowOutShapeOf(p);
    return fc.tuple(fc.constant(p), tapsArb(p, out), sampleArb(out));
  })
  .map(([p, taps, u]) => ({
    desc: `windowScatter ${JSON.stringify(p.geometry)} shape=[${p.shape}] taps=${show(taps)} u=${show(u)}`,
    f: (i, t) => windowScatter(i!, t!, p.shape, p.geometry),
    args: [toTensor(taps, 'int32'), toTensor(u)],
  }));
