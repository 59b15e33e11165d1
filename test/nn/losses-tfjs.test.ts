/**
 * The losses against TensorFlow.js (an independent implementation, float32, cpu backend) and a
 * float64 reference written here with plain loops: values and gradients with respect to the
 * logits or predictions, over fast-check shapes, scales, labels and options.
 *
 * Tolerance, derived: every input is a float32 number, so the only float32 error is the
 * computation's own. For a row of cross-entropy, `logsumexp(z) - z_y` carries an absolute error of a
 * few units of roundoff u = 2^-24 times the magnitudes it is made of, `M = |logsumexp| + |z_y| +
 * max|z| + log C`; a gradient entry `(p - t) / B` carries `u (p (1 + |z - max z|) + t) / B`. Both
 * get c u with c = 1700 (RTOL = 1e-4, the bound test/tfjs-diff.test.ts derives for ~15 roundings
 * plus reductions of <= 64 terms), plus 1e-30 for underflow to 0. The float64 gen-ts values must
 * meet the reference to 1e-12 of the same magnitudes. A wrong formula (an O(1) relative error)
 * cannot pass.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { grad, tensor, type Tensor } from '@gen-ts/core';
import { huber, l2Loss, mse, sigmoidBinaryCrossEntropy, softmaxCrossEntropy } from '@gen-ts/nn';

const RTOL32 = 1e-4;
const RTOL64 = 1e-12;
const TINY = 1e-30;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** float32-representable values of scale `s`, from fast-check integers (shrinks to 0). */
const f32Array = (n: number, s: number) =>
  fc
    .array(fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), { minLength: n, maxLength: n })
    .map((a) => a.map((i) => Math.fround((i / 2 ** 20) * s)));

interface CeCase {
  b: number;
  c: number;
  z: number[];
  ids: number[];
  probs: number[] | null;
  eps: number;
}

const ceCase: fc.Arbitrary<CeCase> = fc
  .record({
    b: fc.integer({ min: 1, max: 8 }),
    c: fc.integer({ min: 2, max: 10 }),
    scale: fc.constantFrom(1, 5, 30),
    soft: fc.boolean(),
    eps: fc.constantFrom(0, 0.1, 0.3),
  })
  .chain(({ b, c, scale, soft, eps }) =>
    fc.record({
      b: fc.constant(b),
      c: fc.constant(c),
      z: f32Array(b * c, scale),
      ids: fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: b, maxLength: b }),
      probs: soft ? f32Array(b * c, 3).map((a) => softmaxRows(a, b, c).map(Math.fround)) : fc.constant(null),
      eps: fc.constant(eps),
    }),
  );

function softmaxRows(z: readonly number[], b: number, c: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < b; i++) {
    const r = z.slice(i * c, (i + 1) * c);
    const m = Math.max(...r);
    const e = r.map((v) => Math.exp(v - m));
    const s = e.reduce((a, x) => a + x, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

/** The targets of a case, label smoothing applied, as `[b * c]`. */
function targets(k: CeCase): number[] {
  const base = k.probs ?? k.ids.flatMap((y) => Array.from({ length: k.c }, (_, j) => (j === y ? 1 : 0)));
  return base.map((t) => (1 - k.eps) * t + k.eps / k.c);
}

/** Float64 reference: mean cross-entropy, its gradient, and the error magnitudes (see the header). */
function ceReference(k: CeCase) {
  const t = targets(k);
  const p = softmaxRows(k.z, k.b, k.c);
  let loss = 0;
  let mag = 0;
  const g: number[] = [];
  const gMag: number[] = [];
  for (let i = 0; i < k.b; i++) {
    const r = k.z.slice(i * k.c, (i + 1) * k.c);
    const m = Math.max(...r);
    const lse = m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
    // d/dz_j of -sum_c t_c log p_c is p_j sum_c t_c - t_j (float32 probabilities need not sum to 1)
    const st = t.slice(i * k.c, (i + 1) * k.c).reduce((a, v) => a + v, 0);
    r.forEach((v, j) => {
      loss += (-t[i * k.c + j]! * (v - lse)) / k.b;
      g.push((p[i * k.c + j]! * st - t[i * k.c + j]!) / k.b);
      gMag.push((p[i * k.c + j]! * (1 + Math.abs(v - m)) * st + t[i * k.c + j]!) / k.b);
    });
    mag += (Math.abs(lse) + Math.max(...r.map(Math.abs)) + Math.abs(m) + Math.log(k.c)) / k.b;
  }
  return { loss, g, mag, gMag };
}

function genCe(k: CeCase, dtype: 'float32' | 'float64') {
  const z = tensor(k.z, { dtype, shape: [k.b, k.c] });
  const labels = k.probs ? tensor(k.probs, { dtype, shape: [k.b, k.c] }) : tensor(k.ids, { dtype: 'int32' });
  const f = (l: Tensor) => softmaxCrossEntropy(l, labels, { labelSmoothing: k.eps });
  return { loss: f(z).itemSync(), g: Array.from(grad(f)(z).dataSync() as Float64Array) };
}

function tfCe(k: CeCase) {
  const z = tf.tensor2d(k.z, [k.b, k.c]);
  const onehot = tf.tensor2d(
    k.probs ?? k.ids.flatMap((y) => Array.from({ length: k.c }, (_, j) => (j === y ? 1 : 0))),
    [k.b, k.c],
  );
  const f = (l: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, l, undefined, k.eps);
  return { loss: f(z).dataSync()[0]!, g: Array.from(tf.grad(f)(z).dataSync() as Float32Array) };
}

function expectWithin(got: number, want: number, bound: number, what: string): void {
  expect(Math.abs(got - want), `${what}: ${got} vs ${want} (bound ${bound})`).toBeLessThanOrEqual(bound);
}

describe('losses against TensorFlow.js and a float64 reference', () => {
  it('softmaxCrossEntropy: integer and probability labels, label smoothing', () => {
    fc.assert(
      fc.property(ceCase, (k) => {
        const ref = ceReference(k);
        const g32 = genCe(k, 'float32');
        const t32 = tfCe(k);
        const g64 = genCe(k, 'float64');
        expectWithin(g32.loss, ref.loss, RTOL32 * ref.mag + TINY, 'gen-ts f32 loss');
        expectWithin(t32.loss, ref.loss, RTOL32 * ref.mag + TINY, 'tfjs loss');
        expectWithin(g64.loss, ref.loss, RTOL64 * ref.mag, 'gen-ts f64 loss');
        ref.g.forEach((v, i) => {
          expectWithin(g32.g[i]!, v, RTOL32 * ref.gMag[i]! + TINY, `gen-ts f32 grad[${i}]`);
          expectWithin(t32.g[i]!, v, RTOL32 * ref.gMag[i]! + TINY, `tfjs grad[${i}]`);
          expectWithin(g64.g[i]!, v, RTOL64 * ref.gMag[i]! + TINY, `gen-ts f64 grad[${i}]`);
        });
      }),
      { numRuns: 60 },
    );
  });

  const elementwise = fc
    .record({ n: fc.integer({ min: 1, max: 24 }), scale: fc.constantFrom(1, 10, 100) })
    .chain(({ n, scale }) => fc.tuple(f32Array(n, scale), f32Array(n, scale), f32Array(n, 1)));

  it('sigmoidBinaryCrossEntropy: softplus(z) - y z, with label smoothing', () => {
    fc.assert(
      fc.property(elementwise, fc.constantFrom(0, 0.2), ([z, , u], eps) => {
        const y = u.map((v) => Math.fround(Math.abs(v))); // probabilities in [0, 1]
        const n = z.length;
        const ys = y.map((v) => (1 - eps) * v + eps / 2);
        const sp = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
        const sig = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
        const ref = z.reduce((a, v, i) => a + (sp(v) - ys[i]! * v) / n, 0);
        const mag = z.reduce((a, v) => a + (2 * Math.abs(v) + 1) / n, 0);
        const refG = z.map((v, i) => (sig(v) - ys[i]!) / n);
        const gMag = z.map((v, i) => (sig(v) + ys[i]! + 1e-7) / n);
        const run = (dtype: 'float32' | 'float64') => {
          const yt = tensor(y, { dtype });
          const f = (l: Tensor) => sigmoidBinaryCrossEntropy(l, yt, { labelSmoothing: eps });
          const zt = tensor(z, { dtype });
          return { loss: f(zt).itemSync(), g: Array.from(grad(f)(zt).dataSync() as Float64Array) };
        };
        const yTf = tf.tensor1d(y);
        const fTf = (l: tf.Tensor) => tf.losses.sigmoidCrossEntropy(yTf, l, undefined, eps);
        const tfLoss = fTf(tf.tensor1d(z)).dataSync()[0]!;
        const tfG = Array.from(tf.grad(fTf)(tf.tensor1d(z)).dataSync() as Float32Array);
        const [g32, g64] = [run('float32'), run('float64')];
        expectWithin(g32.loss, ref, RTOL32 * mag, 'gen-ts f32');
        expectWithin(tfLoss, ref, RTOL32 * mag, 'tfjs');
        expectWithin(g64.loss, ref, RTOL64 * mag, 'gen-ts f64');
        refG.forEach((v, i) => {
          expectWithin(g32.g[i]!, v, RTOL32 * gMag[i]! + TINY, `gen-ts f32 grad[${i}]`);
          expectWithin(tfG[i]!, v, RTOL32 * gMag[i]! + TINY, `tfjs grad[${i}]`);
          expectWithin(g64.g[i]!, v, RTOL64 * gMag[i]! + TINY, `gen-ts f64 grad[${i}]`);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('mse, huber (several deltas) and l2Loss', () => {
    fc.assert(
      fc.property(elementwise, fc.constantFrom(0.5, 1, 4), ([p, t], delta) => {
        const n = p.length;
        const e = p.map((v, i) => v - t[i]!);
        const mag = p.reduce(
          (a, v, i) =>
            a + ((Math.abs(v) + Math.abs(t[i]!)) ** 2 + delta * (Math.abs(v) + Math.abs(t[i]!))) / n,
          0,
        );
        const hub = (x: number) => (Math.abs(x) <= delta ? 0.5 * x * x : delta * (Math.abs(x) - 0.5 * delta));
        const refs = {
          mse: e.reduce((a, x) => a + (x * x) / n, 0),
          huber: e.reduce((a, x) => a + hub(x) / n, 0),
          l2Loss: e.reduce((a, x) => a + (0.5 * x * x) / n, 0),
        };
        const ours = (dtype: 'float32' | 'float64') => {
          const [pt, tt] = [tensor(p, { dtype }), tensor(t, { dtype })];
          return {
            mse: mse(pt, tt).itemSync(),
            huber: huber(pt, tt, { delta }).itemSync(),
            l2Loss: l2Loss(pt, tt).itemSync(),
          };
        };
        const [pTf, tTf] = [tf.tensor1d(p), tf.tensor1d(t)];
        const theirs = {
          mse: tf.losses.meanSquaredError(tTf, pTf).dataSync()[0]!,
          huber: tf.losses.huberLoss(tTf, pTf, undefined, delta).dataSync()[0]!,
        };
        const [o32, o64] = [ours('float32'), ours('float64')];
        for (const k of ['mse', 'huber', 'l2Loss'] as const) {
          expectWithin(o32[k], refs[k], RTOL32 * mag, `gen-ts f32 ${k}`);
          expectWithin(o64[k], refs[k], RTOL64 * mag, `gen-ts f64 ${k}`);
        }
        expectWithin(theirs.mse, refs.mse, RTOL32 * mag, 'tfjs mse');
        expectWithin(theirs.huber, refs.huber, RTOL32 * mag, 'tfjs huber');
        // gradients: mse 2e/n, huber clip(e, +-delta)/n
        const pt = tensor(p, { dtype: 'float64' });
        const tt = tensor(t, { dtype: 'float64' });
        const gm = grad((x: Tensor) => mse(x, tt))(pt).dataSync();
        const gh = grad((x: Tensor) => huber(x, tt, { delta }))(pt).dataSync();
        const gmTf = tf
          .grad((x: tf.Tensor) => tf.losses.meanSquaredError(tTf, x))(pTf)
          .dataSync();
        e.forEach((x, i) => {
          const gMag = (2 * (Math.abs(p[i]!) + Math.abs(t[i]!))) / n;
          expectWithin(gm[i]!, (2 * x) / n, RTOL64 * gMag, `mse grad[${i}]`);
          expectWithin(gmTf[i]!, (2 * x) / n, RTOL32 * gMag, `tfjs mse grad[${i}]`);
          expectWithin(gh[i]!, Math.max(-delta, Math.min(delta, x)) / n, RTOL64 * gMag, `huber grad[${i}]`);
        });
      }),
      { numRuns: 60 },
    );
  });
});
