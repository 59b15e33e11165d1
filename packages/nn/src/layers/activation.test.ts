/** Activations against their float64 formulas, including where a naive form overflows. */
import { describe, expect, it } from 'vitest';
import { key, relu, tensor } from '@gen-ts/core';
import { activation, elu, leakyRelu, silu, swish } from './activation.js';
import { sequential } from './sequential.js';

const F64 = { dtype: 'float64' as const };
const xs = [-800, -3, -0.5, 0, 0.5, 3, 800];
const t = () => tensor(xs, F64);
const sig = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

describe('activations', () => {
  it('silu = swish = x sigmoid(x), finite at +-800', () => {
    expect(swish).toBe(silu);
    (silu(t()).toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(xs[i]! * sig(xs[i]!), 12));
  });

  it('leakyRelu with its slope, elu with its alpha (no overflow in the untaken branch)', () => {
    expect(leakyRelu(t()).toArray()).toEqual(xs.map((x) => (x > 0 ? x : 0.01 * x)));
    expect(leakyRelu(t(), 0.2).toArray()).toEqual(xs.map((x) => (x > 0 ? x : 0.2 * x)));
    (elu(t(), 2).toArray() as number[]).forEach((v, i) =>
      expect(v).toBeCloseTo(xs[i]! > 0 ? xs[i]! : 2 * Math.expm1(xs[i]!), 12),
    );
  });

  it('activation(name) applies the named function with its options', () => {
    const cases: [Parameters<typeof activation>[0], (x: number) => number, object?][] = [
      ['relu', (x) => Math.max(x, 0)],
      ['tanh', Math.tanh],
      ['sigmoid', sig],
      ['softplus', (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))],
      ['gelu', (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))],
      ['silu', (x) => x * sig(x)],
      ['leakyRelu', (x) => (x > 0 ? x : 0.3 * x), { negativeSlope: 0.3 }],
      ['elu', (x) => (x > 0 ? x : 0.5 * Math.expm1(x)), { alpha: 0.5 }],
      ['identity', (x) => x],
    ];
    for (const [name, f, o] of cases) {
      const layer = activation(name, o);
      expect(layer.name).toBe(name);
      const y = layer.apply(layer.init(key(0), [7]).params, t()).toArray() as number[];
      y.forEach((v, i) => expect(v, `${name}(${xs[i]})`).toBeCloseTo(f(xs[i]!), 10));
    }
    const sm = activation('softmax', { axis: 0 })
      .apply(
        {},
        tensor(
          [
            [1, 2],
            [3, 2],
          ],
          F64,
        ),
      )
      .toArray() as number[][];
    expect(sm[0]![0]! + sm[1]![0]!).toBeCloseTo(1, 14);
    expect(sm[0]![1]).toBeCloseTo(0.5, 14);
    const lsm = activation('logSoftmax')
      .apply({}, tensor([[0, 0]], F64))
      .toArray() as number[][];
    expect(lsm[0]![0]).toBeCloseTo(-Math.log(2), 14);
  });

  it('activation(fn) and plain functions in sequential are layers named after the function', () => {
    expect(activation(relu).name).toBe('relu');
    const m = sequential([relu, (x) => x.mul(2)]);
    expect(m.apply(m.init(key(0), [2]).params, tensor([-1, 1])).toArray()).toEqual([0, 2]);
  });

  it('rejects unknown names and options', () => {
    expect(() => activation('relu6' as never)).toThrow(
      /activation: expected a function or one of relu, gelu/,
    );
    expect(() => activation('elu', { beta: 1 } as never)).toThrow(/activation: unknown option "beta"/);
    expect(() => activation('leakyRelu', { negativeSlope: NaN })).toThrow(
      'activation: negativeSlope must be a finite number, got NaN',
    );
  });
});
