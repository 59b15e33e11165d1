/**
 * The options of the windowed ops (`conv`, `reduceWindow`, the pools) resolved into explicit
 * geometries and validated, with errors that name the calling op: shared by the public functions,
 * their `...OutputShape` helpers and the primitives' shape rules.
 */
import { fmt, type Shape } from './shape.js';
import {
  checkInts,
  checkPadding,
  convAxes,
  dilatedSize,
  windowAxes,
  windowOutShape,
  type ConvGeometry,
  type PadPair,
  type Padding,
  type WindowGeometry,
} from './window.js';
import type { ConvOptions } from './ops/conv.js';

const CONV_OPTIONS = new Set(['strides', 'padding', 'lhsDilation', 'rhsDilation', 'featureGroupCount']);

/** Throws on option names outside `known`, naming `op`. */
export function checkOptionNames(op: string, options: object | undefined, known: ReadonlySet<string>): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${op}: options must be an object, got ${String(options)}`);
  for (const k of Object.keys(options)) {
    if (!known.has(k)) throw new TypeError(`${op}: unknown option '${k}' (known: ${[...known].join(', ')})`);
  }
}

/** A per-axis integer option: a number for every axis or one entry per axis. */
export function perAxis(
  op: string,
  name: string,
  v: number | readonly number[] | undefined,
  n: number,
  min = 1,
): number[] {
  const list =
    v === undefined
      ? new Array<number>(n).fill(1)
      : typeof v === 'number'
        ? new Array<number>(n).fill(v)
        : v.slice();
  checkInts(op, name, list, n, min);
  return list;
}

/**
 * Padding pairs for `padding` along axes of extents `sizes` with windows `windows`:
 * TensorFlow's `'same'` gives `ceil(dilated size / stride)` outputs, the odd element after.
 */
export function resolvePadding(
  op: string,
  padding: Padding | undefined,
  sizes: readonly number[],
  windows: readonly number[],
  strides: readonly number[],
  baseDilation: readonly number[],
  windowDilation: readonly number[],
): PadPair[] {
  const n = sizes.length;
  if (padding === undefined || padding === 'valid') return sizes.map(() => [0, 0]);
  if (padding === 'same') {
    return sizes.map((s, d) => {
      const size = dilatedSize(s, baseDilation[d]!);
      const out = Math.ceil(size / strides[d]!);
      const total = Math.max(
        (out - 1) * strides[d]! + dilatedSize(windows[d]!, windowDilation[d]!) - size,
        0,
      );
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  if (typeof padding === 'string')
    throw new RangeError(`${op}: padding must be 'valid', 'same' or [before, after] pairs, got '${padding}'`);
  checkPadding(op, padding, n);
  return padding.map((p) => [p[0], p[1]]);
}

/** `options` resolved against the shapes into an explicit geometry. */
export function convGeometry(op: string, x: Shape, w: Shape, options: ConvOptions | undefined): ConvGeometry {
  checkOptionNames(op, options, CONV_OPTIONS);
  checkRanks(op, x, w);
  const n = x.length - 2;
  const strides = perAxis(op, 'strides', options?.strides, n);
  const lhsDilation = perAxis(op, 'lhsDilation', options?.lhsDilation, n);
  const rhsDilation = perAxis(op, 'rhsDilation', options?.rhsDilation, n);
  const featureGroupCount = options?.featureGroupCount ?? 1;
  checkInts(op, 'featureGroupCount', [featureGroupCount], 1, 1);
  const padding = resolvePadding(
    op,
    options?.padding,
    x.slice(1, -1),
    w.slice(0, n),
    strides,
    lhsDilation,
    rhsDilation,
  );
  return { strides, padding, lhsDilation, rhsDilation, featureGroupCount };
}

function checkRanks(op: string, x: Shape, w: Shape): void {
  if (x.length < 3 || w.length !== x.length) {
    throw new Error(
      `${op}: x must be [N, ...spatial, C] with at least one spatial axis and w [...window, C/groups, O] of the same rank; got x ${fmt(x)}, w ${fmt(w)}`,
    );
  }
}

/** Validates a convolution of shapes `x` and `w` on geometry `g` and returns its output shape. */
export function convShape(op: string, x: Shape, w: Shape, g: ConvGeometry): number[] {
  const shapes = `x ${fmt(x)}, w ${fmt(w)}`;
  checkRanks(op, x, w);
  const n = x.length - 2;
  checkInts(op, 'strides', g.strides, n, 1);
  checkInts(op, 'lhsDilation', g.lhsDilation, n, 1);
  checkInts(op, 'rhsDilation', g.rhsDilation, n, 1);
  checkPadding(op, g.padding, n);
  const G = g.featureGroupCount;
  checkInts(op, 'featureGroupCount', [G], 1, 1);
  const [c, ci, o] = [x[n + 1]!, w[n]!, w[n + 1]!];
  if (ci * G !== c) {
    throw new Error(
      `${op}: x has ${c} input channels but the kernel takes ${ci} per group x ${G} group${G > 1 ? 's' : ''} = ${ci * G}; ${shapes}`,
    );
  }
  if (o % G !== 0)
    throw new Error(
      `${op}: the kernel's ${o} output channels do not split into ${G} feature groups; ${shapes}`,
    );
  const spatial = windowOutShape(op, convAxes(x, w.slice(0, n), g), 'spatial axis', shapes);
  return [x[0]!, ...spatial, o];
}

/** The geometry of a pool over the spatial axes of a channels-last `x`. */
export function poolGeometry(
  op: string,
  x: Shape,
  window: number | readonly number[],
  options?: { readonly strides?: number | readonly number[]; readonly padding?: Padding },
): WindowGeometry {
  if (x.length < 3)
    throw new Error(`${op}: x must be [N, ...spatial, C] with at least one spatial axis, got ${fmt(x)}`);
  const n = x.length - 2;
  const win = perAxis(op, 'window', window, n);
  const strides = options?.strides === undefined ? win : perAxis(op, 'strides', options.strides, n);
  const ones1 = new Array<number>(n).fill(1);
  const padding = resolvePadding(op, options?.padding, x.slice(1, -1), win, strides, ones1, ones1);
  const full = (v: readonly number[], fill: number) => [fill, ...v, fill];
  const g: WindowGeometry = {
    window: full(win, 1),
    strides: full(strides, 1),
    padding: [[0, 0], ...padding, [0, 0]],
    baseDilation: full(ones1, 1),
    windowDilation: full(ones1, 1),
  };
  // checked here so that the error names this op and the spatial axes
  const spatial = windowAxes(x, g).slice(1, -1);
  windowOutShape(op, spatial, 'spatial axis', `x ${fmt(x)}, window ${fmt(win)}`);
  return g;
}
