/**
 * Second order through a small CNN (float64, cpu): the Hessian-vector product of its loss, by
 * forward-over-reverse (`hvp`) and by reverse-over-reverse (`grad` of `<grad, v>`), equals a
 * fourth-order central difference of the gradient along `v`. The CNN uses every geometry option:
 * a strided, dilated, padded conv; a grouped conv; max and average pooling. Max pooling is
 * piecewise smooth, so the test first checks that no window's maximum changes between the
 * stencil's points (otherwise the difference would straddle a kink and prove nothing).
 */
import { describe, expect, it } from 'vitest';
import {
  avgPool,
  conv,
  cpu,
  grad,
  hvp,
  key,
  matmul,
  maxPool,
  mean,
  normal,
  reshape,
  split,
  square,
  tanh,
  treeAdd,
  treeFlatten,
  treeScale,
  treeVdot,
  useBackend,
  type Tensor,
} from '@gen-ts/core';

const backend = cpu();
useBackend(backend);

type Params = {
  w1: Tensor;
  w2: Tensor;
  wd: Tensor;
};

const [kx, k1, k2, kd, kv1, kv2, kv3] = split(key(7), 7);
const opts = { dtype: 'float64' as const };
const x = normal(kx!, [2, 7, 7, 2], opts);

/** The tensor max pooling reads: [2, 8, 6, 4] (asymmetric padding, dilated along the width). */
function prePool(p: Pick<Params, 'w1'>): Tensor {
  return tanh(
    conv(x, p.w1, {
      padding: [
        [2, 1],
        [1, 2],
      ],
      rhsDilation: [1, 2],
    }),
  );
}

/** Overlapping max pooling, a strided grouped conv ('same'), average pooling, flattened: [2, 36]. */
function features(p: Omit<Params, 'wd'>): Tensor {
  const h = maxPool(prePool(p), 2, { strides: 1 }); // [2, 7, 5, 4]
  const g = tanh(conv(h, p.w2, { featureGroupCount: 2, strides: 2, padding: 'same' })); // [2, 4, 3, 6]
  return reshape(avgPool(g, 2, { strides: 1 }), [2, -1]); // [2, 3, 2, 6] flattened
}

function loss(p: Params): Tensor {
  return mean(square(matmul(features(p), p.wd)));
}

const conv1 = { w1: [3, 3, 2, 4], w2: [2, 2, 2, 6] }; // w2: 2 groups of 2 input channels
const feat = features({ w1: normal(k1!, conv1.w1, opts), w2: normal(k2!, conv1.w2, opts) }).shape[1]!;
const params: Params = {
  w1: normal(k1!, conv1.w1, { ...opts, stddev: 0.5 }),
  w2: normal(k2!, conv1.w2, { ...opts, stddev: 0.5 }),
  wd: normal(kd!, [feat, 3], { ...opts, stddev: 0.3 }),
};
const v: Params = {
  w1: normal(kv1!, conv1.w1, opts),
  w2: normal(kv2!, conv1.w2, opts),
  wd: normal(kv3!, [feat, 3], opts),
};

const at = (s: number): Params => treeAdd(params, treeScale(v, s));
const flat = (t: Params): Float64Array[] => treeFlatten(t)[0].map((l) => l.dataSync() as Float64Array);

describe('second order through conv and pooling (float64, cpu)', () => {
  const h = 1e-4;
  const stencil = [-2, -1, 1, 2].map((s) => s * h);

  it('the maximum of every pooling window is the same element at each stencil point', () => {
    const ones = [1, 1, 1, 1];
    const g = {
      window: [1, 2, 2, 1],
      strides: ones,
      padding: ones.map(() => [0, 0] as const),
      baseDilation: ones,
      windowDilation: ones,
    };
    const taps = (p: Params) => {
      const z = prePool(p);
      const out = z.shape.map((d, i) => d - g.window[i]! + 1);
      return Array.from(backend.reduceWindow('argmax', z, g, out) as Int32Array);
    };
    const base = taps(params);
    for (const s of stencil) expect(taps(at(s))).toEqual(base);
  });

  it('hvp and grad(<grad, v>) equal central differences of the gradient', () => {
    const g = (p: Params) => flat(grad(loss)(p) as Params);
    const [m2, m1, p1, p2] = stencil.map((s) => g(at(s)));
    // fourth order: (g(-2h) - 8 g(-h) + 8 g(h) - g(2h)) / 12h
    const fd = p1!.map((a, i) =>
      a.map((_, j) => (m2![i]![j]! - 8 * m1![i]![j]! + 8 * a[j]! - p2![i]![j]!) / (12 * h)),
    );
    const fwdRev = flat(hvp(loss, params, v));
    const revRev = flat(grad((p: Params) => treeVdot(grad(loss)(p) as Params, v))(params) as Params);
    const scale = Math.max(...fd.flatMap((a) => Array.from(a, Math.abs)));
    expect(scale).toBeGreaterThan(1e-3); // the loss is curved along v: the comparison means something
    // The stencil divides gradient errors by 12h with weights summing to 18; each gradient entry
    // carries at most ~100 roundings (u = 2^-53) of the largest entry. Truncation, h^4/30 times a
    // fifth derivative, is far below that at h = 1e-4.
    const gmax = Math.max(...[m2, m1, p1, p2].flatMap((gs) => gs!.flatMap((a) => Array.from(a, Math.abs))));
    const tol = ((18 / (12 * h)) * 100 * 2 ** -53 + 2 ** -40) * Math.max(gmax, scale);
    for (const got of [fwdRev, revRev]) {
      got.forEach((a, i) =>
        a.forEach((val, j) => expect(Math.abs(val - fd[i]![j]!)).toBeLessThanOrEqual(tol)),
      );
    }
  });
});
