import { describe, expect, it } from 'vitest';
import { key, normal, tanh, tensor, type Tensor } from '@gen-ts/core';
import { linear, mlp } from './linear.js';

const F64 = { dtype: 'float64' as const };

/** `x W + b` by loops in float64, `x` `[n, i]`. */
function dense(x: number[][], w: number[][], b?: number[]): number[][] {
  return x.map((row) => w[0]!.map((_, j) => row.reduce((s, v, i) => s + v * w[i]![j]!, b?.[j] ?? 0)));
}

const rows = (t: Tensor) => t.toArray() as number[][];

describe('linear', () => {
  it('computes x kernel + bias with a kernel [in, out]', () => {
    const layer = linear(3, { ...F64, biasInit: (k, s, d) => normal(k, s, { dtype: d }) });
    const { params, outputShape } = layer.init(key(0), [5, 4]);
    expect(outputShape).toEqual([5, 3]);
    expect(params.kernel.shape).toEqual([4, 3]);
    expect(params.bias!.shape).toEqual([3]);
    const x = normal(key(1), [5, 4], F64);
    const want = dense(rows(x), rows(params.kernel), params.bias!.toArray() as number[]);
    const got = rows(layer.apply(params, x));
    got.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 12)));
  });

  it('applies to the last axis of any rank >= 2, and has no bias with useBias: false', () => {
    const layer = linear(2, { useBias: false });
    const { params, outputShape } = layer.init(key(0), [2, 3, 4]);
    expect(Object.keys(params)).toEqual(['kernel']);
    expect(outputShape).toEqual([2, 3, 2]);
    expect(layer.apply(params, normal(key(1), [2, 3, 4])).shape).toEqual([2, 3, 2]);
  });

  it('defaults to float32 params, a LeCun-normal kernel and a zero bias', () => {
    const { params } = linear(8).init(key(0), [1, 50]);
    expect(params.kernel.dtype).toBe('float32');
    expect(params.bias!.toArray()).toEqual(new Array(8).fill(0));
    const k = params.kernel.dataSync();
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(2 / Math.sqrt(50) / 0.8796256610342398 + 1e-6);
  });

  it('throws naming the layer and the shapes for a wrong input width, rank or dtype', () => {
    const layer = linear(3);
    const { params } = layer.init(key(0), [2, 4]);
    expect(() => layer.apply(params, tensor([[1, 2, 3]]))).toThrow(
      'linear: input [1,3] has 3 features on its last axis, the parameters expect 4',
    );
    expect(() => layer.apply(params, tensor([1, 2, 3, 4]))).toThrow(
      'linear: input [4] has rank 1, needs at least 2',
    );
    expect(() => layer.apply(params, tensor([[1, 2, 3, 4]], F64))).toThrow(
      'linear: input float64[1,4] must be float32, the dtype of the parameters',
    );
    expect(() => layer.init(key(0), [4])).toThrow(
      'linear: input shape [4] has rank 1, needs at least 2 (batch and features)',
    );
    expect(() => linear(0)).toThrow('linear: units must be a positive integer, got 0');
    expect(() => layer.apply({} as never, tensor([[1, 2, 3, 4]]))).toThrow(
      /linear: params must be \{ kernel, bias \}/,
    );
  });
});

describe('mlp', () => {
  it('is linear, activation, ..., linear with one { kernel, bias } per layer', () => {
    const net = mlp([5, 4, 2], { ...F64, activation: 'tanh' });
    const { params, outputShape } = net.init(key(3), [3, 6]);
    expect(outputShape).toEqual([3, 2]);
    expect(params.map((p) => p.kernel.shape)).toEqual([
      [6, 5],
      [5, 4],
      [4, 2],
    ]);
    const x = normal(key(4), [3, 6], F64);
    let h = x;
    params.forEach((p, i) => {
      h = h.matmul(p.kernel).add(p.bias!);
      if (i < 2) h = tanh(h);
    });
    const got = net.apply(params, x).dataSync();
    h.dataSync().forEach((v, i) => expect(got[i]).toBeCloseTo(v, 13));
  });

  it('activates the output only with activateFinal, and takes a function as activation', () => {
    const net = mlp([3], { activation: (x) => x.mul(0).add(7), activateFinal: true });
    const { params } = net.init(key(0), [2, 2]);
    expect(net.apply(params, normal(key(1), [2, 2])).toArray()).toEqual([
      [7, 7, 7],
      [7, 7, 7],
    ]);
  });

  it('names the failing layer and rejects bad widths and activations', () => {
    const net = mlp([4, 2]);
    const { params } = net.init(key(0), [1, 3]);
    expect(() => net.apply(params, tensor([[1, 2]]))).toThrow(
      'mlp[0].linear: input [1,2] has 2 features on its last axis, the parameters expect 3',
    );
    expect(() => mlp([])).toThrow(/mlp: features must be a non-empty array/);
    expect(() => mlp([4, 0])).toThrow('mlp: features[1] must be a positive integer, got 0');
    expect(() => mlp([4], { activation: 'relu6' as never })).toThrow(
      /mlp: activation must be a function or one of relu/,
    );
    expect(() => net.apply([params[0]!], tensor([[1, 2, 3]]))).toThrow(/mlp: params must be an array of 2/);
  });
});
