import { describe, expect, it } from 'vitest';
import {
  add,
  avgPool,
  conv,
  key,
  maxPool,
  mean,
  normal,
  split,
  tensor,
  type PRNGKey,
  type Tensor,
} from '@gen-ts/core';
import { lecunNormal } from '../initializers.js';
import { conv1d, conv2d } from './conv.js';
import { avgPool2d, globalAvgPool, maxPool2d } from './pool.js';

const F64 = { dtype: 'float64' as const };
const randn = (k: PRNGKey, s: readonly number[], d: 'float32' | 'float64') => normal(k, s, { dtype: d });
const same = (a: Tensor, b: Tensor) => expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));

describe('conv2d and conv1d', () => {
  it('are core conv with an HWIO kernel [kh, kw, C/groups, filters] plus a bias', () => {
    const layer = conv2d(6, [3, 2], {
      ...F64,
      strides: [2, 1],
      padding: 'same',
      dilation: [1, 2],
      groups: 2,
      biasInit: randn,
    });
    const { params, outputShape } = layer.init(key(0), [2, 7, 6, 4]);
    expect(params.kernel.shape).toEqual([3, 2, 2, 6]);
    expect(params.bias!.shape).toEqual([6]);
    expect(outputShape).toEqual([2, 4, 6, 6]);
    const x = normal(key(1), [2, 7, 6, 4], F64);
    const want = add(
      conv(x, params.kernel, { strides: [2, 1], padding: 'same', rhsDilation: [1, 2], featureGroupCount: 2 }),
      params.bias!,
    );
    const y = layer.apply(params, x);
    expect(y.shape).toEqual(outputShape);
    same(y, want);
  });

  it('default to valid padding, stride 1, a LeCun-normal kernel (receptive field in the fan) and a zero bias', () => {
    const layer = conv2d(5, 3);
    const { params, outputShape } = layer.init(key(3), [1, 8, 8, 2]);
    expect(outputShape).toEqual([1, 6, 6, 5]);
    expect(params.kernel.dtype).toBe('float32');
    const [kk] = split(key(3)) as [PRNGKey, PRNGKey];
    same(params.kernel, lecunNormal()(kk, [3, 3, 2, 5], 'float32'));
    expect(Array.from(params.bias!.dataSync())).toEqual([0, 0, 0, 0, 0]);
  });

  it('conv1d: [N, W, C] with explicit padding, and no bias with useBias: false', () => {
    const layer = conv1d(3, 4, { ...F64, padding: [[2, 1]], useBias: false });
    const { params, outputShape } = layer.init(key(0), [2, 9, 3]);
    expect(Object.keys(params)).toEqual(['kernel']);
    expect(outputShape).toEqual([2, 9, 3]);
    const x = normal(key(2), [2, 9, 3], F64);
    same(layer.apply(params, x), conv(x, params.kernel, { padding: [[2, 1]] }));
  });

  it('throw naming the layer and the shapes: channels, groups, windows, options', () => {
    const layer = conv2d(4, 3);
    const { params } = layer.init(key(0), [1, 5, 5, 3]);
    expect(() => layer.apply(params, normal(key(1), [1, 5, 5, 1]))).toThrow(
      'conv2d: input [1,5,5,1] has 1 features on its last axis, the parameters expect 3',
    );
    expect(() => layer.apply(params, normal(key(1), [1, 2, 5, 3]))).toThrow(
      'conv2d: the window along spatial axis 0 (extent 3, dilated 3) is larger than the padded input there (2 = input 2 + padding [0,0]); x [1,2,5,3], w [3,3,3,4]',
    );
    expect(() => layer.init(key(0), [1, 5, 2, 3])).toThrow(/conv2d: the window along spatial axis 1/);
    expect(() => layer.init(key(0), [5, 5, 3])).toThrow(
      'conv2d: input shape [5,5,3] has rank 3, needs at least 4 ([N, H, W, C])',
    );
    expect(() => layer.apply(params, normal(key(1), [5, 5, 3]))).toThrow(
      'conv2d: input [5,5,3] has rank 3, needs at least 4',
    );
    expect(() => conv2d(4, 3, { groups: 2 }).init(key(0), [1, 5, 5, 3])).toThrow(
      'conv2d: the 3 input channels of input shape [1,5,5,3] do not split into 2 groups',
    );
    expect(() => conv2d(3, 3, { groups: 2 })).toThrow('conv2d: filters 3 do not split into 2 groups');
    expect(() => conv2d(4, 3, { strides: 0 })).toThrow(
      'conv2d: strides must be a positive integer or 2 of them, got 0',
    );
    expect(() => conv2d(4, [3, 3, 3] as never)).toThrow(
      'conv2d: kernelSize must be a positive integer or 2 of them, got array [3,3,3]',
    );
    expect(() => conv2d(4, 3, { padding: 'full' as 'same' })).toThrow(
      /conv2d: padding must be 'valid', 'same'/,
    );
    expect(() => conv2d(4, 3, { stride: 2 } as never)).toThrow(/conv2d: unknown option "stride"/);
    expect(() => conv1d(0, 3)).toThrow('conv1d: filters must be a positive integer, got 0');
  });
});

describe('pooling layers', () => {
  const x = normal(key(5), [2, 6, 5, 3], F64);

  it('maxPool2d and avgPool2d are core maxPool / avgPool, strides defaulting to the window', () => {
    const mp = maxPool2d(2);
    expect(mp.init(key(0), [2, 6, 5, 3]).outputShape).toEqual([2, 3, 2, 3]);
    same(mp.apply({}, x), maxPool(x, 2));
    const ap = avgPool2d([3, 2], { strides: 1, padding: 'same' });
    expect(ap.init(key(0), [2, 6, 5, 3]).outputShape).toEqual([2, 6, 5, 3]);
    same(ap.apply({}, x), avgPool(x, [3, 2], { strides: 1, padding: 'same' }));
    const inc = avgPool2d(3, { strides: 1, padding: 1, countIncludePad: true });
    same(
      inc.apply({}, x),
      avgPool(x, 3, {
        strides: 1,
        padding: [
          [1, 1],
          [1, 1],
        ],
        countIncludePad: true,
      }),
    );
  });

  it('globalAvgPool is the mean over the spatial axes, with keepDims', () => {
    const g = globalAvgPool();
    expect(g.init(key(0), [2, 6, 5, 3]).outputShape).toEqual([2, 3]);
    same(g.apply({}, x), mean(x, [1, 2]));
    const k = globalAvgPool({ keepDims: true });
    expect(k.init(key(0), [2, 6, 5, 3]).outputShape).toEqual([2, 1, 1, 3]);
    expect(k.apply({}, x).shape).toEqual([2, 1, 1, 3]);
    expect(globalAvgPool().apply({}, normal(key(1), [4, 9, 2])).shape).toEqual([4, 2]); // 1-d too
  });

  it('throw naming the layer and the shapes', () => {
    expect(() => maxPool2d(3).init(key(0), [1, 2, 5, 3])).toThrow(
      'maxPool2d: the window along spatial axis 0 (extent 3, dilated 3) is larger than the padded input there (2 = input 2 + padding [0,0]); x [1,2,5,3], window [3,3]',
    );
    expect(() => avgPool2d(2).apply({}, tensor([1, 2, 3, 4], { shape: [2, 2] }))).toThrow(
      'avgPool2d: input [2,2] must be [N, H, W, C]',
    );
    expect(() => maxPool2d(0)).toThrow('maxPool2d: poolSize must be a positive integer or [h, w], got 0');
    expect(() => maxPool2d(2, { countIncludePad: true } as never)).toThrow(
      /maxPool2d: unknown option "countIncludePad"/,
    );
    expect(() => globalAvgPool().init(key(0), [4, 3])).toThrow(
      'globalAvgPool: input shape [4,3] has rank 2, needs at least 3 ([N, ...spatial, C])',
    );
  });
});
