import { describe, expect, it } from 'vitest';
import { grad, key, normal, ones, slice, sum, tensor, type Tensor } from '@gen-ts/core';
import { batchNorm, layerNorm } from './normalization.js';

const F64 = { dtype: 'float64' as const };
const randn = (k: Parameters<typeof normal>[0], s: readonly number[], d: 'float32' | 'float64') =>
  normal(k, s, { dtype: d });

/** Per-column (axis-0) mean and biased variance of a row-major `[n, f]` array. */
function columnStats(v: ArrayLike<number>, n: number, f: number): { mean: number[]; var: number[] } {
  const mean = Array.from({ length: f }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += v[i * f + j]!;
    return s / n;
  });
  const vr = mean.map((m, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (v[i * f + j]! - m) ** 2;
    return s / n;
  });
  return { mean, var: vr };
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, digits = 12) =>
  Array.from(a).forEach((v, i) => expect(v).toBeCloseTo(b[i]!, digits));

describe('layerNorm', () => {
  it('normalises each row over its last axis, then scales and shifts per feature', () => {
    const ln = layerNorm({ ...F64, scaleInit: randn, biasInit: randn, epsilon: 1e-3 });
    const { params } = ln.init(key(0), [6, 5]);
    const x = normal(key(1), [6, 5], { ...F64, mean: 3, stddev: 2 });
    const xs = x.dataSync();
    const s = params.scale!.dataSync();
    const b = params.bias!.dataSync();
    const want = new Float64Array(30);
    for (let i = 0; i < 6; i++) {
      const row = Array.from(xs.slice(i * 5, i * 5 + 5));
      const m = row.reduce((p, v) => p + v, 0) / 5;
      const v = row.reduce((p, u) => p + (u - m) ** 2, 0) / 5;
      row.forEach((u, j) => (want[i * 5 + j] = ((u - m) / Math.sqrt(v + 1e-3)) * s[j]! + b[j]!));
    }
    close(ln.apply(params, x).dataSync(), want);
  });

  it('defaults to scale 1, bias 0 and epsilon 1e-6 (flax), and works on [B, T, F]', () => {
    const ln = layerNorm(F64);
    const { params } = ln.init(key(0), [2, 3, 4]);
    expect(params.scale!.toArray()).toEqual([1, 1, 1, 1]);
    expect(params.bias!.toArray()).toEqual([0, 0, 0, 0]);
    const y = ln.apply(params, normal(key(1), [2, 3, 4], F64)).dataSync();
    for (let r = 0; r < 6; r++) {
      const row = Array.from(y.slice(r * 4, r * 4 + 4));
      expect(row.reduce((p, v) => p + v, 0) / 4).toBeCloseTo(0, 12);
      // the variance is v / (v + eps): 1 up to eps / v
      expect(row.reduce((p, v) => p + v * v, 0) / 4).toBeCloseTo(1, 4);
    }
  });

  it('without scale and bias has no params and fits any width', () => {
    const ln = layerNorm({ useScale: false, useBias: false });
    const { params } = ln.init(key(0), [1, 3]);
    expect(params).toEqual({});
    expect(ln.apply(params, ones([2, 7])).shape).toEqual([2, 7]);
  });
});

describe('batchNorm', () => {
  const momentum = 0.9;
  const eps = 1e-5;
  const bn = batchNorm({ ...F64, momentum, epsilon: eps, scaleInit: randn, biasInit: randn });
  const { params, state } = bn.init(key(0), [16, 3]);
  const x = normal(key(1), [16, 3], { ...F64, mean: 2, stddev: 3 });
  const stats = columnStats(x.dataSync(), 16, 3);
  const s = params.scale!.dataSync();
  const b = params.bias!.dataSync();
  const expected = (xs: ArrayLike<number>, mean: number[], vr: number[]) =>
    Float64Array.from(
      xs,
      (v, i) => ((v - mean[i % 3]!) / Math.sqrt(vr[i % 3]! + eps)) * s[i % 3]! + b[i % 3]!,
    );

  it('starts with running mean 0 and var 1', () => {
    expect(state.mean.toArray()).toEqual([0, 0, 0]);
    expect(state.var.toArray()).toEqual([1, 1, 1]);
    expect(bn.stateful).toBe(true);
  });

  it('in train mode normalises by the batch statistics and moves the running ones by the momentum', () => {
    const [y, next] = bn.apply(params, x, { train: true, state });
    close(y.dataSync(), expected(x.dataSync(), stats.mean, stats.var));
    // running = momentum running + (1 - momentum) batch, with the biased batch variance
    close(
      next.mean.dataSync(),
      [0, 1, 2].map((j) => momentum * 0 + (1 - momentum) * stats.mean[j]!),
    );
    close(
      next.var.dataSync(),
      [0, 1, 2].map((j) => momentum * 1 + (1 - momentum) * stats.var[j]!),
    );
    // k steps on the same batch: running = m^k r0 + (1 - m^k) batch
    let st = state;
    for (let k = 0; k < 5; k++) st = bn.apply(params, x, { train: true, state: st })[1];
    close(
      st.mean.dataSync(),
      stats.mean.map((m) => (1 - momentum ** 5) * m),
    );
    close(
      st.var.dataSync(),
      stats.var.map((v) => momentum ** 5 + (1 - momentum ** 5) * v),
    );
  });

  it('in eval mode normalises by the running statistics and returns them unchanged', () => {
    const running = { mean: tensor([1, -2, 0.5], F64), var: tensor([4, 0.25, 9], F64) };
    const [y, next] = bn.apply(params, x, { state: running });
    expect(next).toBe(running);
    close(y.dataSync(), expected(x.dataSync(), [1, -2, 0.5], [4, 0.25, 9]));
    // each row on its own gives the same output: nothing depends on the batch
    const [row] = bn.apply(params, slice(x, [3, 0], [1, 3]), { state: running });
    close(row.dataSync(), y.dataSync().slice(9, 12));
  });

  it('normalises [B, H, W, C] per channel over B, H and W', () => {
    const img = batchNorm({ ...F64, useScale: false, useBias: false });
    const r = img.init(key(0), [2, 3, 3, 4]);
    const xi = normal(key(2), [2, 3, 3, 4], F64);
    const [y] = img.apply(r.params, xi, { train: true, state: r.state });
    const st = columnStats(y.dataSync(), 18, 4);
    st.mean.forEach((m) => expect(m).toBeCloseTo(0, 12));
    st.var.forEach((v) => expect(v).toBeGreaterThan(0.999));
  });

  it('passes no gradient into the running statistics', () => {
    const g = grad((xx: Tensor) => sum(bn.apply(params, xx, { train: true, state })[1].mean))(x);
    expect(Math.max(...g.dataSync().map(Math.abs))).toBe(0);
  });

  it('throws naming the layer and shapes: missing state, wrong width, wrong state shape', () => {
    expect(() => bn.apply(params, x)).toThrow(
      'batchNorm: needs its state (running mean and var) from init: apply(params, x, { state }), got undefined',
    );
    expect(() => bn.apply(params, ones([4, 2], F64), { state })).toThrow(
      'batchNorm: input [4,2] has 2 features on its last axis, the parameters expect 3',
    );
    expect(() => bn.apply(params, x, { state: { mean: ones([2], F64), var: ones([2], F64) } })).toThrow(
      'batchNorm: state mean [2] and var [2] must be [3] for input [16,3]',
    );
    expect(() => batchNorm({ momentum: 2 })).toThrow('batchNorm: momentum must be a number in [0, 1], got 2');
    expect(() => batchNorm({ eps: 1 } as never)).toThrow(/batchNorm: unknown option "eps"/);
  });
});
