/**
 * Convolution and pooling against an independent implementation: TensorFlow.js (cpu backend,
 * float32). Each drawn problem runs three ways: tfjs, gen-ts float32 and gen-ts float64 (the
 * reference); the outputs and the gradients of `sum(y * c)` (random `c`) must agree. Groups run in
 * tfjs as one `conv2d` per group, concatenated; depthwise kernels also as `depthwiseConv2d`.
 *
 * Tolerance, derived: a float32 result made of `n` products is within `(n + 2) u` of the sum of
 * their magnitudes (u = 2^-24), whatever order the terms are summed in; the magnitudes come from the
 * same computation on |x| and |w| (and |c| for gradients) in float64. Both tfjs and gen-ts float32
 * must be that close to the float64 reference, so a wrong geometry (an O(1) error) cannot pass.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as g from '@gen-ts/core';

const U = 2 ** -24;
const RUNS = { numRuns: 40 };

type Pad = 'valid' | 'same' | [[number, number], [number, number]];

interface Problem {
  x: number[];
  w: number[];
  groups: number;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  seed: number;
}

/** mulberry32, for input values on a 2^-8 grid of [-1, 1] (exact in float32). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.round((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 512 - 256) / 256;
  });
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const pair = (max: number) => fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 1, max }));

const problemArb: fc.Arbitrary<Problem> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    hw: pair(7),
    k: pair(4), // even kernels included
    groups: fc.integer({ min: 1, max: 3 }),
    cg: fc.integer({ min: 1, max: 3 }),
    og: fc.integer({ min: 1, max: 3 }),
    strides: pair(3),
    dilations: pair(3),
    stridedNotDilated: fc.boolean(), // tfjs takes strides or dilations above 1, not both
    pad: fc.oneof(
      fc.constant('valid' as const),
      fc.constant('same' as const),
      fc.tuple(pair(3), pair(3)).map(
        ([a, b]) =>
          [
            [a[0] - 1, a[1] - 1],
            [b[0] - 1, b[1] - 1],
          ] as Pad,
      ),
    ),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map((r) => ({
    x: [r.n, r.hw[0], r.hw[1], r.groups * r.cg],
    w: [r.k[0], r.k[1], r.cg, r.groups * r.og],
    groups: r.groups,
    strides: r.stridedNotDilated ? r.strides : ([1, 1] as [number, number]),
    dilations: r.stridedNotDilated ? ([1, 1] as [number, number]) : r.dilations,
    pad: r.pad,
    seed: r.seed,
  }))
  .filter((p) => {
    if (p.pad === 'same') return true;
    const pads =
      p.pad === 'valid'
        ? [
            [0, 0],
            [0, 0],
          ]
        : p.pad;
    return [0, 1].every(
      (d) => p.x[d + 1]! + pads[d]![0]! + pads[d]![1]! >= (p.w[d]! - 1) * p.dilations[d]! + 1,
    );
  });

/** gen-ts: output and the gradients of sum(y * c) for x and w, in `dtype` (c drawn from the seed too). */
function genTs(p: Problem, dtype: 'float32' | 'float64', xv: number[], wv: number[], cv?: number[]) {
  const x = g.tensor(xv, { shape: p.x, dtype });
  const w = g.tensor(wv, { shape: p.w, dtype });
  const f = (a: g.Tensor, b: g.Tensor) =>
    g.conv(a, b, {
      strides: p.strides,
      rhsDilation: p.dilations,
      padding: p.pad,
      featureGroupCount: p.groups,
    });
  const y = f(x, w);
  const c = g.tensor(cv ?? values(y.size, p.seed + 2), { shape: y.shape, dtype });
  const [dx, dw] = g.grad((a: g.Tensor, b: g.Tensor) => g.sum(g.mul(f(a, b), c)), { argnums: [0, 1] })(
    x,
    w,
  ) as g.Tensor[];
  return { y, dx: dx!, dw: dw!, c: Array.from(c.dataSync()) };
}

/** Runs `f` in a tfjs scope (its tensors are released) and returns its plain result. */
function scoped<T>(f: () => T): T {
  let out: T | undefined;
  tf.tidy(() => {
    out = f();
  });
  return out!;
}

/** tfjs: the same three results (groups as one conv2d per group). */
function tfjs(p: Problem, xv: number[], wv: number[], cv: number[], yShape: readonly number[]) {
  return scoped(() => {
    const x = tf.tensor4d(xv, p.x as [number, number, number, number]);
    const w = tf.tensor4d(wv, p.w as [number, number, number, number]);
    const c = tf.tensor(cv, yShape.slice());
    const pad = typeof p.pad === 'string' ? p.pad : [[0, 0], p.pad[0], p.pad[1], [0, 0]];
    const f = (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D => {
      if (p.groups === 1) return tf.conv2d(a, b, p.strides, pad as 'same', 'NHWC', p.dilations);
      const xs = tf.split(a, p.groups, 3) as tf.Tensor4D[];
      const ws = tf.split(b, p.groups, 3) as tf.Tensor4D[];
      const ys = xs.map((xg, i) => tf.conv2d(xg, ws[i]!, p.strides, pad as 'same', 'NHWC', p.dilations));
      return tf.concat(ys, 3) as tf.Tensor4D;
    };
    const y = f(x, w);
    const dilated = p.dilations.some((d) => d > 1);
    // tfjs has no gradient of a dilated conv2d
    const grads = dilated
      ? null
      : tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), c)))([
          x,
          w,
        ]);
    return {
      y: { shape: y.shape, data: Array.from(y.dataSync()) },
      dx: grads ? Array.from(grads[0]!.dataSync()) : null,
      dw: grads ? Array.from(grads[1]!.dataSync()) : null,
    };
  });
}

/** Every entry of `got` within `(n + 2) u mag` of `ref`. */
function expectWithin(
  what: string,
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  mag: ArrayLike<number>,
  n: number,
) {
  expect(got.length, what).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const tol = (n + 2) * U * mag[i]! + 1e-30;
    if (!(Math.abs(got[i]! - ref[i]!) <= tol))
      expect.fail(`${what}[${i}]: ${got[i]} vs reference ${ref[i]} (tolerance ${tol})`);
  }
}

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  expect(tf.getBackend()).toBe('cpu');
});

describe('conv against tfjs conv2d (float32), gen-ts float64 as reference', () => {
  it('strides, dilations, valid / same (even kernels) / explicit padding, groups: outputs and gradients', () => {
    fc.assert(
      fc.property(problemArb, (p) => {
        const xv = values(size(p.x), p.seed);
        const wv = values(size(p.w), p.seed + 1);
        const ref = genTs(p, 'float64', xv, wv);
        const ours = genTs(p, 'float32', xv, wv, ref.c);
        const theirs = tfjs(p, xv, wv, ref.c, ref.y.shape);
        const mag = genTs(p, 'float64', xv.map(Math.abs), wv.map(Math.abs), ref.c.map(Math.abs));
        expect(theirs.y.shape).toEqual(ref.y.shape);
        expect(ours.y.shape).toEqual(ref.y.shape);
        const taps = p.w[0]! * p.w[1]! * p.w[2]!;
        const yRef = ref.y.dataSync();
        expectWithin('tfjs y', theirs.y.data, yRef, mag.y.dataSync(), taps);
        expectWithin('gen-ts float32 y', ours.y.dataSync(), yRef, mag.y.dataSync(), taps);
        // a dx entry sums over output positions and channels, a dw entry over batch and positions
        const nx = p.w[0]! * p.w[1]! * p.w[3]!;
        const nw = size(ref.y.shape.slice(0, 3));
        expectWithin('gen-ts float32 dx', ours.dx.dataSync(), ref.dx.dataSync(), mag.dx.dataSync(), nx);
        expectWithin('gen-ts float32 dw', ours.dw.dataSync(), ref.dw.dataSync(), mag.dw.dataSync(), nw);
        if (theirs.dx) {
          expectWithin('tfjs dx', theirs.dx, ref.dx.dataSync(), mag.dx.dataSync(), nx);
          expectWithin('tfjs dw', theirs.dw!, ref.dw.dataSync(), mag.dw.dataSync(), nw);
        }
      }),
      RUNS,
    );
  });

  it('depthwise kernels agree with depthwiseConv2d', () => {
    fc.assert(
      fc.property(problemArb, fc.integer({ min: 1, max: 3 }), (q, mult) => {
        const c = q.x[3]!;
        const p: Problem = { ...q, w: [q.w[0]!, q.w[1]!, 1, c * mult], groups: c };
        const xv = values(size(p.x), p.seed);
        const wv = values(size(p.w), p.seed + 1);
        const ref = genTs(p, 'float64', xv, wv).y;
        const mag = genTs(p, 'float64', xv.map(Math.abs), wv.map(Math.abs)).y;
        const theirs = scoped(() => {
          const pad = typeof p.pad === 'string' ? p.pad : [[0, 0], p.pad[0], p.pad[1], [0, 0]];
          const x = tf.tensor4d(xv, p.x as [number, number, number, number]);
          const w = tf.tensor4d(wv, [p.w[0]!, p.w[1]!, c, mult]); // [h, w, in, multiplier]: the same memory order
          const y = tf.depthwiseConv2d(x, w, p.strides, pad as 'same', 'NHWC', p.dilations);
          return { shape: y.shape, data: Array.from(y.dataSync()) };
        });
        expect(theirs.shape).toEqual(ref.shape);
        expectWithin('tfjs depthwise y', theirs.data, ref.dataSync(), mag.dataSync(), p.w[0]! * p.w[1]!);
      }),
      RUNS,
    );
  });
});

describe('pooling against tfjs maxPool / avgPool (float32)', () => {
  const poolArb = fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      hw: pair(7),
      c: fc.integer({ min: 1, max: 3 }),
      k: pair(3),
      strides: pair(3),
      same: fc.boolean(),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .filter((r) => r.same || (r.hw[0] >= r.k[0] && r.hw[1] >= r.k[1]));

  it('outputs and gradients, valid and same padding', () => {
    fc.assert(
      fc.property(poolArb, (r) => {
        const shape = [r.n, r.hw[0], r.hw[1], r.c] as [number, number, number, number];
        // a grid value plus a distinct offset per element: no ties, so every window has one maximum
        const xv = values(size(shape), r.seed).map((v, i) => v + i * 2 ** -20);
        const pad = r.same ? ('same' as const) : ('valid' as const);
        for (const kind of ['max', 'avg'] as const) {
          const run = (dtype: 'float32' | 'float64') => {
            const x = g.tensor(xv, { shape, dtype });
            const f = (a: g.Tensor) =>
              (kind === 'max' ? g.maxPool : g.avgPool)(a, r.k, { strides: r.strides, padding: pad });
            const y = f(x);
            const c = g.tensor(values(y.size, r.seed + 3), { shape: y.shape, dtype });
            const dx = g.grad((a: g.Tensor) => g.sum(g.mul(f(a), c)))(x) as g.Tensor;
            return { y, dx, c: Array.from(c.dataSync()) };
          };
          const ref = run('float64');
          const theirs = scoped(() => {
            const x = tf.tensor4d(Float32Array.from(xv), shape);
            const f = (a: tf.Tensor) =>
              (kind === 'max' ? tf.maxPool : tf.avgPool)(a as tf.Tensor4D, r.k, r.strides, pad);
            const y = f(x);
            const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), tf.tensor(ref.c, y.shape))))(x);
            return { shape: y.shape, y: Array.from(y.dataSync()), dx: Array.from(dx.dataSync()) };
          });
          expect(theirs.shape).toEqual(ref.y.shape);
          const taps = r.k[0] * r.k[1];
          const absY = Array.from(ref.y.dataSync(), Math.abs);
          const magY = kind === 'max' ? absY : reduceAbs(xv, shape, r, pad);
          expectWithin(`tfjs ${kind}Pool y`, theirs.y, ref.y.dataSync(), magY, taps);
          // each input element receives at most taps contributions of |c| <= 1. tfjs's avgPool
          // gradient divides by the whole window even where its forward pass (like ours, and
          // TensorFlow's) divides by the covered elements, so 'same' average gradients differ at
          // the borders there; ours are checked against central differences in gradcheck.test.ts
          const magDx = new Array<number>(size(shape)).fill(taps);
          if (kind === 'max' || !r.same)
            expectWithin(`tfjs ${kind}Pool dx`, theirs.dx, ref.dx.dataSync(), magDx, taps);
        }
      }),
      RUNS,
    );
  });
});

/** avgPool of |x|: the magnitude bound of an average. */
function reduceAbs(
  xv: number[],
  shape: number[],
  r: { k: [number, number]; strides: [number, number] },
  pad: 'same' | 'valid',
) {
  const x = g.tensor(xv.map(Math.abs), { shape, dtype: 'float64' });
  return Array.from(g.avgPool(x, r.k, { strides: r.strides, padding: pad }).dataSync());
}
