/**
 * Initializers: fans, statistics and orthogonality.
 *
 * Statistical tolerances come from the sample size. For n independent samples of variance s^2 and
 * kurtosis k, the sample mean has standard error s / sqrt(n) and the sample variance
 * s^2 sqrt((k - 1) / n); every check allows 6 standard errors (a false failure about once in 10^9
 * checks). k is 3 for a normal, 9/5 for a uniform and, for a normal truncated to [-a, a],
 * E[z^4] / E[z^2]^2 with E[z^2] = 1 - 2 a phi(a) / Z and E[z^4] = 3 - (2 a^3 + 6 a) phi(a) / Z,
 * Z = Phi(a) - Phi(-a).
 */
import { describe, expect, it } from 'vitest';
import { key, matmul, mT, reshape, transpose, type Tensor } from '@gen-ts/core';
import {
  computeFans,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  ones,
  orthogonal,
  truncatedNormal,
  TRUNCATED_STD,
  varianceScaling,
  zeros,
  type Initializer,
} from './initializers.js';
import { linear } from './layers/linear.js';

const PHI2 = Math.exp(-2) / Math.sqrt(2 * Math.PI); // phi(2)
const Z2 = 0.9544997361036416; // Phi(2) - Phi(-2)
const TRUNC_M2 = 1 - (4 * PHI2) / Z2;
const TRUNC_M4 = 3 - (2 * 8 + 12) * (PHI2 / Z2);
const KURTOSIS = { normal: 3, uniform: 9 / 5, truncated: TRUNC_M4 / TRUNC_M2 ** 2 };

function moments(x: ArrayLike<number>): { mean: number; variance: number; n: number } {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i]! - m) ** 2;
  return { mean: m, variance: v / (n - 1), n };
}

/** Asserts mean 0 and `variance` within 6 standard errors (see the header). */
function expectStats(t: Tensor, variance: number, kurtosis: number, label: string): void {
  const s = moments(t.dataSync());
  const seMean = Math.sqrt(variance / s.n);
  const seVar = variance * Math.sqrt((kurtosis - 1) / s.n);
  expect(Math.abs(s.mean), `${label}: mean`).toBeLessThan(6 * seMean);
  expect(Math.abs(s.variance - variance), `${label}: variance ${s.variance} vs ${variance}`).toBeLessThan(
    6 * seVar,
  );
}

describe('computeFans', () => {
  it('follows flax: in axis -2, out axis -1, the rest a receptive field', () => {
    expect(computeFans([30, 20])).toEqual([30, 20]);
    expect(computeFans([3, 3, 16, 32])).toEqual([9 * 16, 9 * 32]);
    expect(computeFans([7])).toEqual([7, 7]);
    expect(computeFans([])).toEqual([1, 1]);
    expect(computeFans([5, 4, 3], { inAxis: 0, outAxis: 1 })).toEqual([15, 12]);
    expect(() => computeFans([2, 3], { inAxis: 2 })).toThrow(/inAxis 2 is out of range for shape \[2,3\]/);
  });
});

describe('variance-scaling initializers: variance scale / fan', () => {
  const shapes = [
    [400, 300],
    [3, 3, 40, 60],
  ];
  const cases: [string, Initializer, (fi: number, fo: number) => number, number][] = [
    ['glorotUniform', glorotUniform(), (fi, fo) => 2 / (fi + fo), KURTOSIS.uniform],
    ['glorotNormal', glorotNormal(), (fi, fo) => 2 / (fi + fo), KURTOSIS.truncated],
    ['heUniform', heUniform(), (fi) => 2 / fi, KURTOSIS.uniform],
    ['heNormal', heNormal(), (fi) => 2 / fi, KURTOSIS.truncated],
    ['lecunNormal', lecunNormal(), (fi) => 1 / fi, KURTOSIS.truncated],
    [
      'varianceScaling(3, fanOut, normal)',
      varianceScaling({ scale: 3, mode: 'fanOut', distribution: 'normal' }),
      (_fi, fo) => 3 / fo,
      KURTOSIS.normal,
    ],
  ];
  for (const [name, init, rule, kurtosis] of cases) {
    for (const shape of shapes) {
      it(`${name} on ${JSON.stringify(shape)}`, () => {
        const [fi, fo] = computeFans(shape);
        for (const dtype of ['float32', 'float64'] as const) {
          const t = init(key(shape.length), shape, dtype);
          expect(t.shape).toEqual(shape);
          expect(t.dtype).toBe(dtype);
          expectStats(t, rule(fi, fo), kurtosis, `${name} ${dtype}`);
        }
      });
    }
  }

  it('uniform samples stay inside sqrt(3 variance); truncated ones inside 2 sd of the untruncated normal', () => {
    const u = heUniform()(key(1), [200, 100], 'float64').dataSync();
    const limit = Math.sqrt(6 / 200);
    expect(Math.max(...u.map(Math.abs))).toBeLessThanOrEqual(limit);
    const t = lecunNormal()(key(2), [200, 100], 'float64').dataSync();
    expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual((2 * Math.sqrt(1 / 200)) / TRUNCATED_STD);
  });

  it('the same key gives the same values, different keys different ones', () => {
    const a = glorotNormal()(key(5), [20, 10], 'float64').dataSync();
    expect(glorotNormal()(key(5), [20, 10], 'float64').dataSync()).toEqual(a);
    expect(glorotNormal()(key(6), [20, 10], 'float64').dataSync()).not.toEqual(a);
  });
});

describe('truncatedNormal', () => {
  it('has the truncated variance and respects its bounds', () => {
    const sd = 0.02;
    const t = truncatedNormal({ stddev: sd })(key(3), [300, 200], 'float64');
    expectStats(t, sd * sd * TRUNC_M2, KURTOSIS.truncated, 'truncatedNormal');
    const v = t.dataSync();
    expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(2 * sd);
    expect(TRUNCATED_STD).toBeCloseTo(Math.sqrt(TRUNC_M2), 15);
  });

  it('honours mean and asymmetric bounds', () => {
    const v = truncatedNormal({ mean: 5, stddev: 1, lower: -1, upper: 0.5 })(
      key(4),
      [5000],
      'float64',
    ).dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(4);
    expect(Math.max(...v)).toBeLessThanOrEqual(5.5);
  });

  it('rejects bad bounds and options', () => {
    expect(() => truncatedNormal({ lower: 1, upper: 1 })).toThrow(
      /truncatedNormal: lower 1 must be below upper 1/,
    );
    expect(() => truncatedNormal({ stddev: -1 })).toThrow(
      /truncatedNormal: stddev must be a finite positive/,
    );
    expect(() => truncatedNormal({ std: 1 } as never)).toThrow(/truncatedNormal: unknown option "std"/);
  });
});

describe('orthogonal', () => {
  /** max |A - I| for A = Q^T Q (tall) or Q Q^T (wide). */
  function orthoError(q: Tensor): number {
    const [r, c] = q.shape as [number, number];
    const g = (r >= c ? matmul(mT(q), q) : matmul(q, mT(q))).dataSync();
    const n = Math.min(r, c);
    let e = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) e = Math.max(e, Math.abs(g[i * n + j]! - (i === j ? 1 : 0)));
    return e;
  }

  it('gives Q^T Q = I to float64 precision for square, tall and wide shapes', () => {
    for (const shape of [
      [16, 16],
      [40, 7],
      [5, 30],
      [1, 9],
    ]) {
      const q = orthogonal()(key(shape[0]!), shape, 'float64');
      expect(q.shape).toEqual(shape);
      // rounding of a Householder QR: a few n u, n <= 40, u = 2^-53 ~ 1.1e-16
      expect(orthoError(q), JSON.stringify(shape)).toBeLessThan(1e-13);
    }
  });

  it('flattens all but the column axis, and scales', () => {
    const q = orthogonal({ scale: 2 })(key(1), [3, 3, 4, 8], 'float64');
    expect(q.shape).toEqual([3, 3, 4, 8]);
    const m = reshape(q, [36, 8]);
    expect(orthoError(matmulScale(m, 0.5))).toBeLessThan(1e-13);
    const qc = orthogonal({ columnAxis: 0 })(key(2), [6, 5, 2], 'float64'); // columns on axis 0
    expect(qc.shape).toEqual([6, 5, 2]);
    expect(orthoError(reshape(transpose(qc, [1, 2, 0]), [10, 6]))).toBeLessThan(1e-13);
  });

  it('rejects a rank-1 shape and an out-of-range column axis', () => {
    expect(() => orthogonal()(key(0), [4], 'float64')).toThrow(
      /orthogonal: needs a shape of rank >= 2, got \[4\]/,
    );
    expect(() => orthogonal({ columnAxis: 3 })(key(0), [4, 4], 'float64')).toThrow(
      /columnAxis 3 is out of range/,
    );
  });
});

function matmulScale(t: Tensor, s: number): Tensor {
  return t.mul(s);
}

describe('zeros and ones', () => {
  it('fill with 0 and 1 in the dtype asked for', () => {
    expect(zeros()(key(0), [2, 2], 'float64').toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    const o = ones()(key(0), [3], 'float32');
    expect(o.dtype).toBe('float32');
    expect(o.toArray()).toEqual([1, 1, 1]);
  });
});

describe('initializer options of layers', () => {
  it('name an uncalled factory and a wrong result', () => {
    expect(() => linear(3, { kernelInit: heNormal as never })).toThrow(
      /linear: kernelInit got the factory heNormal; call it: heNormal\(\)/,
    );
    expect(() => linear(3, { biasInit: 0 as never })).toThrow(/linear: biasInit must be an initializer/);
    const bad = linear(3, { kernelInit: (k, _s, d) => zeros()(k, [2, 2], d) });
    expect(() => bad.init(key(0), [1, 4])).toThrow(
      /linear: kernelInit returned a float32\[2,2\] tensor, expected a float32\[4,3\] tensor/,
    );
  });
});
