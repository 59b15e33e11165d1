/**
 * fast-check arbitraries for the windowed primitives: convolution problems (1-3 spatial axes,
 * strides, paddings including negative ones, input and kernel dilations, feature groups) and
 * window geometries for `reduceWindow`, each axis drawn so that at least one output fits.
 */
import fc from 'fast-check';
import {
  everyWindowReadsInput,
  windowOutSize,
  type ConvGeometry,
  type WindowAxis,
  type WindowGeometry,
} from '@gen-ts/core';

/** One drawn axis: the input extent and the window geometry along it. */
const axisArb = (maxSize: number, minPad: number, maxBaseDilation = 2): fc.Arbitrary<WindowAxis> =>
  fc
    .record({
      size: fc.integer({ min: 1, max: maxSize }),
      window: fc.integer({ min: 1, max: 3 }),
      stride: fc.integer({ min: 1, max: 3 }),
      lo: fc.integer({ min: minPad, max: 2 }),
      hi: fc.integer({ min: minPad, max: 2 }),
      baseDilation: fc.integer({ min: 1, max: maxBaseDilation }),
      windowDilation: fc.integer({ min: 1, max: 2 }),
    })
    .filter((a) => windowOutSize(a) >= 1);

/** A convolution problem: input and kernel shapes plus the geometry. */
export interface ConvProblem {
  x: number[];
  w: number[];
  geometry: ConvGeometry;
}

/** Bounds of {@link convProblemArb}. */
export interface ConvBounds {
  /** Spatial axes, at least 1 (default 1-2). */
  minSpatial?: number;
  maxSpatial?: number;
  /** Largest spatial input extent (default 5). */
  maxSize?: number;
  /** Smallest padding (default -1: cropping is drawn too). */
  minPad?: number;
  /** Whether input dilation is drawn (default true). */
  lhsDilation?: boolean;
}

/** Convolution problems: batch 1-2, 1-3 feature groups of 1-2 input and 1-2 output channels each. */
export function convProblemArb(b: ConvBounds = {}): fc.Arbitrary<ConvProblem> {
  const { minSpatial = 1, maxSpatial = 2, maxSize = 5, minPad = -1, lhsDilation = true } = b;
  return fc
    .record({
      axes: fc.array(axisArb(maxSize, minPad, lhsDilation ? 2 : 1), {
        minLength: minSpatial,
        maxLength: maxSpatial,
      }),
      n: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 3 }),
      cin: fc.integer({ min: 1, max: 2 }),
      cout: fc.integer({ min: 1, max: 2 }),
    })
    .map(({ axes, n, groups, cin, cout }) => ({
      x: [n, ...axes.map((a) => a.size), groups * cin],
      w: [...axes.map((a) => a.window), cin, groups * cout],
      geometry: {
        strides: axes.map((a) => a.stride),
        padding: axes.map((a) => [a.lo, a.hi] as [number, number]),
        lhsDilation: axes.map((a) => a.baseDilation),
        rhsDilation: axes.map((a) => a.windowDilation),
        featureGroupCount: groups,
      },
    }));
}

/** A windowed-reduction problem: the operand's shape and the geometry (one entry per axis). */
export interface WindowProblem {
  shape: number[];
  geometry: WindowGeometry;
}

/**
 * Window problems on operands of rank `minRank..maxRank`; with `real`, every window covers at
 * least one input element (a max over holes only is -Infinity).
 */
export function windowProblemArb({
  minRank = 1,
  maxRank = 3,
  real = false,
} = {}): fc.Arbitrary<WindowProblem> {
  const axis = real ? axisArb(4, -1).filter(everyWindowReadsInput) : axisArb(4, -1);
  return fc.array(axis, { minLength: minRank, maxLength: maxRank }).map((axes) => ({
    shape: axes.map((a) => a.size),
    geometry: {
      window: axes.map((a) => a.window),
      strides: axes.map((a) => a.stride),
      padding: axes.map((a) => [a.lo, a.hi] as [number, number]),
      baseDilation: axes.map((a) => a.baseDilation),
      windowDilation: axes.map((a) => a.windowDilation),
    },
  }));
}

/** The output shape of a window problem. */
export function windowOutShapeOf(p: WindowProblem): number[] {
  return p.shape.map((size, d) =>
    windowOutSize({
      size,
      window: p.geometry.window[d]!,
      stride: p.geometry.strides[d]!,
      lo: p.geometry.padding[d]![0],
      hi: p.geometry.padding[d]![1],
      baseDilation: p.geometry.baseDilation[d]!,
      windowDilation: p.geometry.windowDilation[d]!,
    }),
  );
}

/** A short description for counterexamples. */
export function describeGeometry(g: ConvGeometry | WindowGeometry): string {
  return JSON.stringify(g);
}
