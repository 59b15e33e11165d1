/**
 * Sliding-window geometry, shared by `conv` and `reduceWindow` and by every backend's kernels.
 *
 * Along one axis the input (of extent `size`) is dilated by `baseDilation` (`d - 1` holes between
 * neighbours, so it spans `(size - 1) * d + 1` positions), padded by `lo` before and `hi` after
 * (negative values crop), and a window of `window` taps spaced `windowDilation` apart slides over
 * it with step `stride`. Output `o` at tap `k` reads padded position `p = o * stride + k *
 * windowDilation`, which is input element `i` when `i * baseDilation + lo = p`, and a hole
 * (padding or dilation gap) otherwise. Holes read as 0 in sums and products, and are skipped by
 * max. This is XLA's convolution and reduce-window geometry; every transpose rule of the two
 * primitives is another instance of it.
 */
/** `[before, after]` padding of one axis; negative values crop. */
export type PadPair = readonly [number, number];

/** How a windowed op pads: `'valid'` (none), `'same'` (TensorFlow's rule) or explicit `[before, after]` pairs. */
export type Padding = 'valid' | 'same' | readonly PadPair[];

/**
 * The geometry of a convolution's spatial axes. The kernel's spatial extents give the window
 * (`conv`'s `rhsDilation` is the window dilation, `lhsDilation` the base dilation).
 */
export interface ConvGeometry {
  /** Window step per spatial axis. */
  readonly strides: readonly number[];
  /** `[before, after]` padding per spatial axis (negative crops). */
  readonly padding: readonly PadPair[];
  /** Dilation of the input (lhs) per spatial axis; 1 is none. A transposed convolution dilates its input. */
  readonly lhsDilation: readonly number[];
  /** Dilation of the kernel (rhs) per spatial axis ("atrous"); 1 is none. */
  readonly rhsDilation: readonly number[];
  /** Feature groups: input and output channels split into this many independent groups. */
  readonly featureGroupCount: number;
}

/** The geometry of a windowed reduction: one entry per axis of the operand. */
export interface WindowGeometry {
  /** Window extent per axis (1 on axes that are not pooled). */
  readonly window: readonly number[];
  /** Window step per axis. */
  readonly strides: readonly number[];
  /** `[before, after]` padding per axis (negative crops). */
  readonly padding: readonly PadPair[];
  /** Dilation of the operand per axis; 1 is none. */
  readonly baseDilation: readonly number[];
  /** Dilation of the window per axis; 1 is none. */
  readonly windowDilation: readonly number[];
}

/** The extent `(n - 1) * d + 1` of `n` positions spaced `d` apart (0 for none). */
export function dilatedSize(n: number, d: number): number {
  return n === 0 ? 0 : (n - 1) * d + 1;
}

/** One axis of a window geometry. */
export interface WindowAxis {
  readonly size: number;
  readonly window: number;
  readonly stride: number;
  readonly lo: number;
  readonly hi: number;
  readonly baseDilation: number;
  readonly windowDilation: number;
}

/** Output extent along one axis (can be <= 0 when the window does not fit). */
export function windowOutSize(a: WindowAxis): number {
  const span = dilatedSize(a.size, a.baseDilation) + a.lo + a.hi;
  const win = dilatedSize(a.window, a.windowDilation);
  return Math.floor((span - win) / a.stride) + 1;
}

/** The input index that output `o` reads at tap `k`, or -1 for a hole. */
export function windowSource(a: WindowAxis, o: number, k: number): number {
  const p = o * a.stride + k * a.windowDilation - a.lo;
  if (p < 0) return -1;
  const i = Math.floor(p / a.baseDilation);
  return i * a.baseDilation === p && i < a.size ? i : -1;
}

/** True when every window along `a` has at least one tap on an input element (not only holes). */
export function everyWindowReadsInput(a: WindowAxis): boolean {
  const n = windowOutSize(a);
  for (let o = 0; o < n; o++) {
    let hit = false;
    for (let k = 0; k < a.window && !hit; k++) hit = windowSource(a, o, k) >= 0;
    if (!hit) return false;
  }
  return true;
}

/**
 * For each output `o` and tap `k` of one axis, `table[o * window + k]` is the input index read,
 * or -1 for a hole.
 */
export function sourceTable(a: WindowAxis, outSize: number): Int32Array {
  const t = new Int32Array(outSize * a.window);
  for (let o = 0; o < outSize; o++)
    for (let k = 0; k < a.window; k++) t[o * a.window + k] = windowSource(a, o, k);
  return t;
}

/** The axes of a `WindowGeometry` applied to `shape`. */
export function windowAxes(shape: readonly number[], g: WindowGeometry): WindowAxis[] {
  return shape.map((size, d) => ({
    size,
    window: g.window[d]!,
    stride: g.strides[d]!,
    lo: g.padding[d]![0],
    hi: g.padding[d]![1],
    baseDilation: g.baseDilation[d]!,
    windowDilation: g.windowDilation[d]!,
  }));
}

/** The spatial axes of a convolution of `x` (`[N, ...spatial, C]`) with kernel extents `kernel`. */
export function convAxes(x: readonly number[], kernel: readonly number[], g: ConvGeometry): WindowAxis[] {
  return kernel.map((window, d) => ({
    size: x[d + 1]!,
    window,
    stride: g.strides[d]!,
    lo: g.padding[d]![0],
    hi: g.padding[d]![1],
    baseDilation: g.lhsDilation[d]!,
    windowDilation: g.rhsDilation[d]!,
  }));
}

/** Checks that every entry of `v` is an integer >= `min`, naming `op` and `what`. */
export function checkInts(op: string, what: string, v: readonly number[], n: number, min: number): void {
  if (!Array.isArray(v) || v.length !== n || !v.every((d) => Number.isInteger(d) && d >= min)) {
    throw new RangeError(
      `${op}: ${what} must be ${n} integer${n === 1 ? '' : 's'} >= ${min}, got ${JSON.stringify(v)}`,
    );
  }
}

/** Checks `padding` is `n` pairs of integers. */
export function checkPadding(op: string, padding: readonly PadPair[], n: number): void {
  const ok =
    Array.isArray(padding) &&
    padding.length === n &&
    padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v)));
  if (!ok)
    throw new RangeError(
      `${op}: padding must be ${n} [before, after] integer pairs, got ${JSON.stringify(padding)}`,
    );
}

/**
 * Output extents of `axes`; throws naming `op` and the shapes where a dilated window is larger
 * than the padded, dilated input (no output position would fit).
 */
export function windowOutShape(
  op: string,
  axes: readonly WindowAxis[],
  what: string,
  shapes: string,
): number[] {
  return axes.map((a, d) => {
    const n = windowOutSize(a);
    if (n < 1) {
      const span = dilatedSize(a.size, a.baseDilation) + a.lo + a.hi;
      const win = dilatedSize(a.window, a.windowDilation);
      throw new Error(
        `${op}: the window along ${what} ${d} (extent ${a.window}, dilated ${win}) is larger than ` +
          `the padded input there (${span} = input ${a.size}` +
          (a.baseDilation > 1 ? ` dilated by ${a.baseDilation}` : '') +
          ` + padding [${a.lo},${a.hi}]); ${shapes}`,
      );
    }
    return n;
  });
}

/**
 * Throws a `RangeError` naming `op` unless every window tap is in `[0, taps)`: the check a backend
 * runs on the taps of `windowGather` and `windowScatter` before using them.
 */
export function checkTaps(op: string, values: ArrayLike<number>, taps: number): void {
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    if (v < 0 || v >= taps)
      throw new RangeError(`${op}: tap ${v} is out of range for a window of ${taps} taps`);
  }
}
