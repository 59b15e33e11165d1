/**
 * Parameter initializers, in flax's convention: an initializer is a function
 * `(key, shape, dtype) -> Tensor`, and the names below are factories that return one
 * (`heNormal()`, `truncatedNormal({ stddev: 0.02 })`).
 *
 * Fans follow flax's `variance_scaling`: the input axis is `shape[inAxis]` (default -2), the output
 * axis `shape[outAxis]` (default -1), and every other axis is a receptive field that multiplies both
 * (so a dense kernel `[in, out]` and a convolution kernel `[kh, kw, in, out]` (HWIO) both work with
 * the defaults). A 1-D shape has fan-in = fan-out = its length and a 0-d one 1, as in Keras.
 * The "normal" variance-scaling initializers draw from a normal truncated at two standard
 * deviations and rescaled so that the variance is exactly `scale / fan` (flax and Keras; PyTorch's
 * `kaiming_normal_` draws untruncated samples of the same variance).
 */
import {
  cpu,
  foldIn,
  full,
  getBackend,
  normal,
  tensor,
  transpose,
  uniform,
  type PRNGKey,
  type Shape,
  type Tensor,
} from '@gen-ts/core';
import { orthonormal } from './orthonormal.js';
import {
  describe,
  finite,
  fmt,
  integer,
  oneOf,
  parseOptions,
  positive,
  type FloatDType,
} from './validate.js';

/** A parameter initializer: values of `shape` and `dtype` drawn from `key`, on the current backend. */
export type Initializer = (key: PRNGKey, shape: Shape, dtype: FloatDType) => Tensor;

/** How `varianceScaling` counts the fan. */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';

/** The distribution `varianceScaling` draws from. */
export type Distribution = 'truncatedNormal' | 'normal' | 'uniform';

/** Which axes of a kernel are its input and output (the rest form the receptive field). */
export interface FanAxes {
  /** The input axis (default -2). */
  inAxis?: number;
  /** The output axis (default -1). */
  outAxis?: number;
}

/** Options of `varianceScaling`. */
export interface VarianceScalingOptions extends FanAxes {
  /** The variance is `scale / fan` (default 1). */
  scale?: number;
  /** Which fan divides the scale (default `fanIn`). */
  mode?: FanMode;
  /** Default `truncatedNormal`. */
  distribution?: Distribution;
}

/** The host backend that samples which need host-side work (rejection, QR) are drawn on. */
let host: ReturnType<typeof cpu> | null = null;
function hostBackend() {
  return (host ??= cpu());
}

/** Standard deviation of a standard normal truncated to [-2, 2]: sqrt(1 - 4 phi(2) / (Phi(2) - Phi(-2))). */
export const TRUNCATED_STD = 0.8796256610342398;

/** `[fanIn, fanOut]` of `shape` under `axes`. */
export function computeFans(shape: Shape, axes: FanAxes = {}): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  const norm = (a: number, what: string) => {
    const r = a < 0 ? a + shape.length : a;
    if (r < 0 || r >= shape.length)
      throw new RangeError(`initializer: ${what} ${a} is out of range for shape ${fmt(shape)}`);
    return r;
  };
  const i = norm(axes.inAxis ?? -2, 'inAxis');
  const o = norm(axes.outAxis ?? -1, 'outAxis');
  let field = 1;
  shape.forEach((d, a) => {
    if (a !== i && a !== o) field *= d;
  });
  return [shape[i]! * field, shape[o]! * field];
}

/**
 * Samples of variance `scale / fan` (flax's `variance_scaling`): the building block of the Glorot,
 * He and LeCun initializers.
 */
export function varianceScaling(options: VarianceScalingOptions = {}): Initializer {
  const o = parseOptions('varianceScaling', options, {
    scale: positive(1),
    mode: oneOf<FanMode>('fanIn', ['fanIn', 'fanOut', 'fanAvg']),
    distribution: oneOf<Distribution>('truncatedNormal', ['truncatedNormal', 'normal', 'uniform']),
    inAxis: integer(-2),
    outAxis: integer(-1),
  });
  return (k, shape, dtype) => {
    const [fi, fo] = computeFans(shape, o);
    const fan = o.mode === 'fanIn' ? fi : o.mode === 'fanOut' ? fo : (fi + fo) / 2;
    const variance = o.scale / Math.max(1, fan);
    const sd = Math.sqrt(variance);
    if (o.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      return uniform(k, shape, { dtype, minval: -limit, maxval: limit });
    }
    if (o.distribution === 'normal') return normal(k, shape, { dtype, stddev: sd });
    return truncatedDraw(k, shape, dtype, sd / TRUNCATED_STD, 0, -2, 2);
  };
}

/** Xavier/Glorot uniform: `U(-a, a)` with `a = sqrt(6 / (fanIn + fanOut))`. */
export function glorotUniform(axes: FanAxes = {}): Initializer {
  return varianceScaling({ ...fanAxes('glorotUniform', axes), mode: 'fanAvg', distribution: 'uniform' });
}

/** Xavier/Glorot normal: variance `2 / (fanIn + fanOut)` (truncated normal, as in flax and Keras). */
export function glorotNormal(axes: FanAxes = {}): Initializer {
  return varianceScaling({ ...fanAxes('glorotNormal', axes), mode: 'fanAvg' });
}

/** He/Kaiming uniform: `U(-a, a)` with `a = sqrt(6 / fanIn)`, for ReLU networks. */
export function heUniform(axes: FanAxes = {}): Initializer {
  return varianceScaling({ ...fanAxes('heUniform', axes), scale: 2, distribution: 'uniform' });
}

/** He/Kaiming normal: variance `2 / fanIn` (truncated normal), for ReLU networks. */
export function heNormal(axes: FanAxes = {}): Initializer {
  return varianceScaling({ ...fanAxes('heNormal', axes), scale: 2 });
}

/** LeCun normal: variance `1 / fanIn` (truncated normal); flax's default for dense kernels. */
export function lecunNormal(axes: FanAxes = {}): Initializer {
  return varianceScaling({ ...fanAxes('lecunNormal', axes) });
}

function fanAxes(where: string, axes: FanAxes): FanAxes {
  return parseOptions(where, axes, { inAxis: integer(-2), outAxis: integer(-1) });
}

/** Options of `truncatedNormal`. */
export interface TruncatedNormalOptions {
  /** Standard deviation of the normal before truncation (default 0.01, as in flax). */
  stddev?: number;
  /** Its mean (default 0). */
  mean?: number;
  /** Lower bound in standard deviations (default -2). */
  lower?: number;
  /** Upper bound in standard deviations (default 2). */
  upper?: number;
}

/**
 * A normal of `mean` and `stddev` restricted to `[mean + lower stddev, mean + upper stddev]`
 * (flax and Keras: `stddev` is that of the normal before truncation, so the samples' spread is
 * smaller, by 0.88 for the default bounds).
 */
export function truncatedNormal(options: TruncatedNormalOptions = {}): Initializer {
  const o = parseOptions('truncatedNormal', options, {
    stddev: positive(0.01),
    mean: finite(0),
    lower: finite(-2),
    upper: finite(2),
  });
  if (!(o.lower < o.upper))
    throw new RangeError(`truncatedNormal: lower ${o.lower} must be below upper ${o.upper}`);
  // rejection sampling below keeps a fraction Phi(upper) - Phi(lower); beyond 3 sd it is under 0.13%
  if (o.upper < -3 || o.lower > 3)
    throw new RangeError(
      `truncatedNormal: bounds [${o.lower}, ${o.upper}] lie in the far tail (beyond 3 standard deviations)`,
    );
  return (k, shape, dtype) => truncatedDraw(k, shape, dtype, o.stddev, o.mean, o.lower, o.upper);
}

/**
 * Rejection sampling on the host: standard normals in rounds, one subkey per round (a pure
 * function of the key), keeping those within the bounds until `shape` is filled.
 */
function truncatedDraw(
  k: PRNGKey,
  shape: Shape,
  dtype: FloatDType,
  sd: number,
  mean: number,
  lower: number,
  upper: number,
): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  let filled = 0;
  let [tried, kept] = [0, 0];
  for (let round = 0; filled < n; round++) {
    if (round > 1000) throw new Error('truncatedNormal: rejection sampling did not converge');
    // draw enough for what is missing at the acceptance rate seen so far (narrow bounds keep few)
    const rate = (kept + 1) / (tried + 2);
    const size = Math.min(2 ** 24, Math.ceil((1.1 * (n - filled)) / rate) + 16);
    const draw = normal(round === 0 ? k : foldIn(k, round), [size], {
      dtype: 'float64',
      backend: hostBackend(),
    }).dataSync();
    tried += size;
    for (let i = 0; i < draw.length; i++) {
      const z = draw[i]!;
      if (z < lower || z > upper) continue;
      kept++;
      if (filled < n) out[filled++] = mean + sd * z;
    }
  }
  return tensor(out, { shape, dtype, backend: getBackend() });
}

/** Options of `orthogonal`. */
export interface OrthogonalOptions {
  /** Multiplies the orthogonal matrix (default 1). */
  scale?: number;
  /** The axis that holds the columns (default -1); every other axis is flattened into rows. */
  columnAxis?: number;
}

/**
 * A (semi-)orthogonal matrix (Saxe et al., 2014): the Q of the QR decomposition of a standard
 * normal matrix, signs fixed so that it is uniformly (Haar) distributed, computed in float64 on the
 * host. With `rows >= cols` its columns are orthonormal (`Q^T Q = I`), otherwise its rows are.
 * Shapes of rank > 2 are flattened to `[prod(other axes), shape[columnAxis]]` (flax's rule).
 */
export function orthogonal(options: OrthogonalOptions = {}): Initializer {
  const o = parseOptions('orthogonal', options, { scale: finite(1), columnAxis: integer(-1) });
  return (k, shape, dtype) => {
    if (shape.length < 2) throw new RangeError(`orthogonal: needs a shape of rank >= 2, got ${fmt(shape)}`);
    const c = o.columnAxis < 0 ? o.columnAxis + shape.length : o.columnAxis;
    if (c < 0 || c >= shape.length)
      throw new RangeError(`orthogonal: columnAxis ${o.columnAxis} is out of range for shape ${fmt(shape)}`);
    const cols = shape[c]!;
    const rows = shape.reduce((a, b) => a * b, 1) / Math.max(1, cols);
    const m = Math.max(rows, cols);
    const nMin = Math.min(rows, cols);
    const z = normal(k, [m, nMin], { dtype: 'float64', backend: hostBackend() }).dataSync() as Float64Array;
    const q = orthonormal(z, m, nMin); // [m, nMin], orthonormal columns
    // the matrix [rows, cols]: q itself, or its transpose when there are fewer rows than columns
    const mat = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++)
        mat[i * cols + j] = o.scale * (rows >= cols ? q[i * nMin + j]! : q[j * nMin + i]!);
    // move the column axis back where it was: mat is [other axes..., cols] in row-major order
    const moved = [...shape.slice(0, c), ...shape.slice(c + 1), cols];
    const t = tensor(mat, { shape: moved, dtype, backend: getBackend() });
    if (c === shape.length - 1) return t;
    const perm = [...Array(shape.length - 1).keys()];
    perm.splice(c, 0, shape.length - 1);
    return transpose(t, perm);
  };
}

/** Zeros (flax's default for biases). */
export function zeros(): Initializer {
  return (_k, shape, dtype) => full(shape, 0, { dtype });
}

/** Ones (the default scale of the normalisation layers). */
export function ones(): Initializer {
  return (_k, shape, dtype) => full(shape, 1, { dtype });
}

/** Every factory above, so that a layer can tell a user who passed `heNormal` instead of `heNormal()`. */
const FACTORIES: ReadonlySet<unknown> = new Set<unknown>([
  varianceScaling,
  glorotUniform,
  glorotNormal,
  heUniform,
  heNormal,
  lecunNormal,
  truncatedNormal,
  orthogonal,
  zeros,
  ones,
]);

/** An initializer option: a function `(key, shape, dtype) -> Tensor`, not one of the factories. */
export function initializerOption(def: Initializer) {
  return (v: unknown, label: string): Initializer => {
    if (v === undefined) return def;
    if (FACTORIES.has(v)) {
      const name = (v as { name: string }).name;
      throw new TypeError(`${label} got the factory ${name}; call it: ${name}()`);
    }
    if (typeof v !== 'function')
      throw new TypeError(
        `${label} must be an initializer (key, shape, dtype) -> Tensor, got ${describe(v)}`,
      );
    return v as Initializer;
  };
}

/** Runs `init` and checks that it returned a tensor of `shape` and `dtype`, naming the option otherwise. */
export function draw(label: string, init: Initializer, k: PRNGKey, shape: Shape, dtype: FloatDType): Tensor {
  const t: unknown = init(k, shape, dtype);
  const ok =
    t !== null &&
    typeof t === 'object' &&
    'shape' in t &&
    (t as Tensor).dtype === dtype &&
    (t as Tensor).shape.length === shape.length &&
    (t as Tensor).shape.every((d, i) => d === shape[i]);
  if (!ok) throw new TypeError(`${label} returned ${describe(t)}, expected a ${dtype}${fmt(shape)} tensor`);
  return t as Tensor;
}
