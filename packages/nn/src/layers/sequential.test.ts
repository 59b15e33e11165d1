import { describe, expect, it } from 'vitest';
import { add, grad, key, normal, ones, relu, sum, tensor, type Tensor } from '@gen-ts/core';
import type { Layer } from '../layer.js';
import { activation } from './activation.js';
import { dropout } from './dropout.js';
import { linear } from './linear.js';
import { batchNorm } from './normalization.js';
import { residual, sequential } from './sequential.js';

const F64 = { dtype: 'float64' as const };

describe('sequential', () => {
  it('composes layers: params one entry per layer, output shapes chained', () => {
    const model = sequential([linear(4, F64), relu, linear(2, F64)]);
    const { params, state, outputShape } = model.init(key(0), [3, 5]);
    expect(model.stateful).toBe(false);
    expect(state).toBeUndefined();
    expect(outputShape).toEqual([3, 2]);
    expect(params[1]).toEqual({});
    const x = normal(key(1), [3, 5], F64);
    const want =
      params[2].kernel && relu(x.matmul(params[0].kernel).add(params[0].bias!)).matmul(params[2].kernel);
    const got = model.apply(params, x).dataSync();
    add(want, params[2].bias!)
      .dataSync()
      .forEach((v, i) => expect(got[i]).toBeCloseTo(v, 13));
  });

  it('takes a record of named layers: params and state keyed by name', () => {
    const model = sequential({ body: linear(4), norm: batchNorm(), head: linear(2) });
    const { params, state } = model.init(key(0), [8, 3]);
    expect(Object.keys(params)).toEqual(['body', 'norm', 'head']);
    expect(model.stateful).toBe(true);
    expect(Object.keys(state)).toEqual(['body', 'norm', 'head']);
    expect(state.body).toBeUndefined();
    expect(state.norm.mean.shape).toEqual([4]);
    const [y, next] = model.apply(params, normal(key(1), [8, 3]), { train: true, state });
    expect(y.shape).toEqual([8, 2]);
    expect(next.norm.mean.dataSync()).not.toEqual(state.norm.mean.dataSync()); // train moved the statistics
    const [, same] = model.apply(params, normal(key(1), [8, 3]), { state: next });
    expect(same.norm).toBe(next.norm); // eval leaves them
  });

  it('accepts the state it returned, whichever layer holds state (an array, stateless layers last)', () => {
    const model = sequential([linear(4), batchNorm(), linear(2), linear(3)]);
    const { params, state } = model.init(key(0), [8, 3]);
    const [, s1] = model.apply(params, normal(key(1), [8, 3]), { train: true, state });
    expect(s1).toHaveLength(4);
    const [y, s2] = model.apply(params, normal(key(2), [8, 3]), { train: true, state: s1 });
    expect(y.shape).toEqual([8, 3]);
    expect(s2[1]!.mean.shape).toEqual([4]);
  });

  it('splits the key once per layer: two dropouts draw different masks, the same key the same ones', () => {
    const keys: string[] = [];
    const probe: Layer = {
      name: 'probe',
      stateful: false,
      init: (_k, s) => ({ params: {}, state: undefined, outputShape: s }),
      apply: (_p, x, o) => (keys.push(String(o?.key)), x),
    };
    sequential([probe, probe]).apply([{}, {}], ones([1]), { key: key(7) });
    sequential([probe, probe]).apply([{}, {}], ones([1]), { key: key(7) });
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys.slice(2)).toEqual(keys.slice(0, 2));
    sequential([probe]).apply([{}], ones([1]));
    expect(keys[4]).toBe('undefined'); // no key given, none invented
    const model = sequential([dropout(0.5), dropout(0.5)]);
    const x = ones([1, 64]);
    const m = model.apply([{}, {}], x, { train: true, key: key(7) }).dataSync();
    expect(model.apply([{}, {}], x, { train: true, key: key(7) }).dataSync()).toEqual(m);
    expect(model.apply([{}, {}], x, { train: true, key: key(8) }).dataSync()).not.toEqual(m);
  });

  it('passes train and mask through to every layer', () => {
    const seen: unknown[] = [];
    const spy: Layer = {
      name: 'spy',
      stateful: false,
      init: (_k, s) => ({ params: {}, state: undefined, outputShape: s }),
      apply: (_p, x, o) => (seen.push([o?.train, o?.mask]), x),
    };
    const mask = tensor([[true, false]], { dtype: 'bool' });
    sequential([spy, sequential([spy])]).apply([{}, [{}]], ones([1, 2]), { train: true, mask });
    expect(seen).toEqual([
      [true, mask],
      [true, mask],
    ]);
  });

  it('trains through grad: params are a pytree', () => {
    const model = sequential([linear(3, F64), activation('tanh'), linear(1, F64)]);
    const { params } = model.init(key(0), [4, 2]);
    const g = grad((p: typeof params) => sum(model.apply(p, ones([4, 2], F64))))(params);
    expect(g[0].kernel.shape).toEqual([2, 3]);
    expect(g[1]).toEqual({});
  });

  it('rethrows a layer error with its place: sequential[i].name, sequential.key.name, nested', () => {
    const model = sequential([linear(4), sequential([relu, linear(3)])]);
    const { params } = model.init(key(0), [2, 5]);
    const wrong = [params[0], [{}, { kernel: ones([2, 3]), bias: ones([3]) }]] as unknown as typeof params;
    expect(() => model.apply(wrong, ones([2, 5]))).toThrow(
      'sequential[1].sequential[1].linear: input [2,4] has 4 features on its last axis, the parameters expect 2',
    );
    const named = sequential({ enc: linear(4), dec: linear(2) });
    const p = named.init(key(0), [1, 3]).params;
    expect(() => named.apply(p, ones([1, 2]))).toThrow(
      'sequential.enc.linear: input [1,2] has 2 features on its last axis, the parameters expect 3',
    );
    expect(() => sequential([linear(2), batchNorm()]).init(key(0), [3])).toThrow(
      'sequential[0].linear: input shape [3] has rank 1, needs at least 2 (batch and features)',
    );
    // an error that does not start with the layer's name gets it in front
    const thrower = (_x: Tensor): Tensor => {
      throw new RangeError('boom');
    };
    const e = (() => {
      try {
        sequential([thrower]).apply([{}], ones([1]));
      } catch (err) {
        return err as Error;
      }
    })();
    expect(e).toBeInstanceOf(RangeError);
    expect(e!.message).toBe('sequential[0].thrower: input [1]: boom');
    expect(((e!.cause as Error).cause as Error).message).toBe('boom');
  });

  it('rejects bad layers, params, state and options', () => {
    expect(() => sequential([])).toThrow('sequential: needs at least one layer');
    expect(() => sequential([linear(2), 3 as never])).toThrow(/sequential\[1\] must be a layer/);
    const model = sequential([linear(2), batchNorm()]);
    const { params, state } = model.init(key(0), [3, 2]);
    expect(() => model.apply([params[0]] as never, ones([3, 2]), { state })).toThrow(
      /sequential: params must be an array of 2 entries/,
    );
    expect(() => model.apply(params, ones([3, 2]))).toThrow(/sequential\[1\]\.batchNorm: needs its state/);
    expect(() => model.apply(params, ones([3, 2]), { state, tran: true } as never)).toThrow(
      /sequential: unknown apply option "tran"/,
    );
  });
});

describe('residual', () => {
  it('adds the input to the layer output, with the layer params and state', () => {
    const block = residual(linear(3, F64));
    const { params, outputShape } = block.init(key(0), [2, 3]);
    expect(outputShape).toEqual([2, 3]);
    const x = normal(key(1), [2, 3], F64);
    const want = add(x, x.matmul(params.kernel).add(params.bias!)).dataSync();
    block
      .apply(params, x)
      .dataSync()
      .forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 13));
    const bn = residual(batchNorm());
    const r = bn.init(key(0), [4, 2]);
    expect(bn.stateful).toBe(true);
    const [y, s] = bn.apply(r.params, ones([4, 2]), { train: true, state: r.state });
    expect(y.shape).toEqual([4, 2]);
    expect(s.mean.shape).toEqual([2]);
  });

  it('refuses a layer that changes the shape, and names the inner layer in errors', () => {
    expect(() => residual(linear(4)).init(key(0), [2, 3])).toThrow(
      'residual: linear maps [2,3] to [2,4]; a skip connection needs equal shapes',
    );
    const block = residual(linear(3));
    const { params } = block.init(key(0), [1, 3]);
    expect(() => block.apply(params, ones([1, 2]))).toThrow(
      'residual.linear: input [1,2] has 2 features on its last axis, the parameters expect 3',
    );
  });
});
