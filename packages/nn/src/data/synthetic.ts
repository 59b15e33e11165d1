/**
 * Synthetic problems drawn from a PRNG key: two interleaved spirals (a classification set a linear
 * model cannot fit), linear regression with known weights, and random quadratics with a chosen
 * condition number (where Newton's step, and so GeN's, is exact).
 */
import { floatDType, numberIn, parseOptions, positiveInt } from '../validate.js';
import { backend as backendOption } from './options.js';
import {
  add,
  cpu,
  matmul,
  mul,
  normal,
  split,
  sub,
  sum,
  tensor,
  uniform,
  type Backend,
  type PRNGKey,
  type Tensor,
} from '@gen-ts/core';

/** Host-side draws (the PRNG runs on the host anyway): read back for free, uploaded once. */
const host = cpu();

/** Float dtypes of the synthetic sets. */
export type SyntheticDType = 'float32' | 'float64';

/** Options of `twoSpirals`. */
export interface TwoSpiralsOptions {
  /** Points in all, half per spiral (default 1,000; even). */
  n?: number;
  /** Turns of each spiral (default 1.5). */
  turns?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate (default 0.05). */
  noise?: number;
  /** Default float32. */
  dtype?: SyntheticDType;
  /** Default: the current backend. */
  backend?: Backend;
}

/**
 * Two interleaved spirals in the plane: `x` `[n, 2]` (radius up to 1), labels `y` int32 `[n]` (0
 * or 1, alternating). Point `i` of spiral `c` sits at radius `r = t`, angle `2 pi turns t + c pi`,
 * with `t` uniform in [0.05, 1].
 *
 * @example
 * ```ts
 * import { key } from '@gen-ts/core';
 * import { twoSpirals } from '@gen-ts/nn';
 *
 * const { x, y } = twoSpirals(key(0), { n: 200 });
 * console.log(x.shape, y.shape); // [200, 2] [200]
 * ```
 */
export function twoSpirals(k: PRNGKey, options: TwoSpiralsOptions = {}): { x: Tensor; y: Tensor } {
  const { n, turns, noise, dtype, backend } = parseOptions('twoSpirals', options, {
    n: positiveInt(1000),
    turns: numberIn(1.5, 0, Infinity, true),
    noise: numberIn(0.05, 0, Infinity, true),
    dtype: floatDType(),
    backend: backendOption(),
  });
  if (n % 2 !== 0)
    throw new RangeError(`twoSpirals: option 'n' must be even (half the points per spiral), got ${n}`);
  const [kt, kn] = split(k);
  const t = uniform(kt!, [n], { dtype: 'float64', minval: 0.05, maxval: 1, backend: host }).dataSync();
  const eps = normal(kn!, [n, 2], { dtype: 'float64', backend: host }).dataSync();
  const xs = new Float64Array(2 * n);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const angle = 2 * Math.PI * turns * t[i]! + c * Math.PI;
    xs[2 * i] = t[i]! * Math.cos(angle) + noise * eps[2 * i]!;
    xs[2 * i + 1] = t[i]! * Math.sin(angle) + noise * eps[2 * i + 1]!;
    ys[i] = c;
  }
  return {
    x: tensor(xs, { dtype, shape: [n, 2], backend }),
    y: tensor(ys, { dtype: 'int32', backend }),
  };
}

/** Options of `linearRegression`. */
export interface LinearRegressionOptions {
  /** Rows (default 256). */
  n?: number;
  /** Features (default 4). */
  features?: number;
  /** Outputs (default 1). */
  outputs?: number;
  /** Standard deviation of the noise on `y` (default 0.1). */
  noise?: number;
  dtype?: SyntheticDType;
  backend?: Backend;
}

/**
 * `y = x w + b + noise * eps` with `x`, `w`, `b`, `eps` standard normal: inputs `x` `[n, features]`,
 * targets `y` `[n, outputs]`, and the true `w` `[features, outputs]` and `b` `[outputs]`.
 *
 * @example
 * ```ts
 * import { key } from '@gen-ts/core';
 * import { linearRegression } from '@gen-ts/nn';
 *
 * const { x, y, w } = linearRegression(key(0), { n: 64, features: 3 });
 * console.log(x.shape, y.shape, w.shape); // [64, 3] [64, 1] [3, 1]
 * ```
 */
export function linearRegression(
  k: PRNGKey,
  options: LinearRegressionOptions = {},
): { x: Tensor; y: Tensor; w: Tensor; b: Tensor } {
  const {
    n,
    features: f,
    outputs: o,
    noise,
    dtype,
    backend,
  } = parseOptions('linearRegression', options, {
    n: positiveInt(256),
    features: positiveInt(4),
    outputs: positiveInt(1),
    noise: numberIn(0.1, 0, Infinity, true),
    dtype: floatDType(),
    backend: backendOption(),
  });
  const [kx, kw, kb, ke] = split(k, 4);
  const x = normal(kx!, [n, f], { dtype, backend });
  const w = normal(kw!, [f, o], { dtype, backend });
  const b = normal(kb!, [o], { dtype, backend });
  const y = add(add(matmul(x, w), b), mul(normal(ke!, [n, o], { dtype, backend }), noise));
  return { x, y, w, b };
}

/** Options of `randomQuadratic`. */
export interface RandomQuadraticOptions {
  /** Dimension (default 10). */
  dim?: number;
  /** Ratio of the largest to the smallest eigenvalue of `A` (default 100; >= 1). */
  condition?: number;
  dtype?: SyntheticDType;
  backend?: Backend;
}

/** A quadratic `L(w) = 1/2 w^T A w - b^T w` with SPD `A`, its minimizer and minimum. */
export interface Quadratic {
  /** The Hessian, SPD `[dim, dim]`, eigenvalues log-spaced in `[1, condition]`. */
  readonly a: Tensor;
  /** The linear term `[dim]`. */
  readonly b: Tensor;
  /** The minimizer `A^{-1} b` `[dim]`. */
  readonly minimizer: Tensor;
  /** The minimum value `-1/2 b^T A^{-1} b`. */
  readonly minimum: number;
  /** `L(w)` for `w` of shape `[dim]`, as a 0-d tensor (differentiable). */
  loss(w: Tensor): Tensor;
}

/**
 * A random quadratic: `A = Q diag(lambda) Q^T` with `Q` a random orthogonal matrix (Gram-Schmidt
 * of a Gaussian one, in float64 on the host) and `lambda` log-spaced from 1 to `condition`; `b`
 * standard normal. On it one Newton step (`eta = 1` along `A^{-1} g`) lands on the minimizer.
 *
 * @example
 * ```ts
 * import { key } from '@gen-ts/core';
 * import { randomQuadratic } from '@gen-ts/nn';
 *
 * const q = randomQuadratic(key(0), { dim: 4, condition: 10, dtype: 'float64' });
 * console.log(q.loss(q.minimizer).itemSync(), q.minimum); // equal up to rounding
 * ```
 */
export function randomQuadratic(k: PRNGKey, options: RandomQuadraticOptions = {}): Quadratic {
  const {
    dim: d,
    condition,
    dtype,
    backend,
  } = parseOptions('randomQuadratic', options, {
    dim: positiveInt(10),
    condition: numberIn(100, 1, Infinity, true),
    dtype: floatDType(),
    backend: backendOption(),
  });
  const [kq, kb] = split(k);
  const g = normal(kq!, [d, d], { dtype: 'float64', backend: host }).dataSync();
  const bHost = normal(kb!, [d], { dtype: 'float64', backend: host }).dataSync();
  // Gram-Schmidt (twice, for orthogonality to rounding) on the columns of g
  const q = Float64Array.from(g);
  for (let pass = 0; pass < 2; pass++)
    for (let j = 0; j < d; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i * d + j]! * q[i * d + p]!;
        for (let i = 0; i < d; i++) q[i * d + j] -= dot * q[i * d + p]!;
      }
      let nrm = 0;
      for (let i = 0; i < d; i++) nrm += q[i * d + j]! ** 2;
      nrm = Math.sqrt(nrm);
      for (let i = 0; i < d; i++) q[i * d + j] /= nrm;
    }
  const lambda = Array.from({ length: d }, (_, i) => (d === 1 ? 1 : condition ** (i / (d - 1))));
  const a = new Float64Array(d * d);
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      let si = 0;
      for (let p = 0; p < d; p++) {
        s += q[i * d + p]! * lambda[p]! * q[j * d + p]!;
        si += (q[i * d + p]! * q[j * d + p]!) / lambda[p]!;
      }
      a[i * d + j] = s;
      inv[i * d + j] = si;
    }
  const wStar = new Float64Array(d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) wStar[i] += inv[i * d + j]! * bHost[j]!;
  let bw = 0;
  for (let i = 0; i < d; i++) bw += bHost[i]! * wStar[i]!;
  const aT = tensor(a, { dtype, shape: [d, d], backend });
  const bT = tensor(bHost, { dtype, backend });
  return {
    a: aT,
    b: bT,
    minimizer: tensor(wStar, { dtype, backend }),
    minimum: -0.5 * bw,
    loss: (w: Tensor): Tensor => {
      if (w.rank !== 1 || w.shape[0] !== d)
        throw new Error(`randomQuadratic: loss expects w of shape [${d}], got [${w.shape.join(', ')}]`);
      return sub(mul(sum(mul(w, matmul(aT, w.reshape([d, 1])).reshape([d]))), 0.5), sum(mul(bT, w)));
    },
  };
}
