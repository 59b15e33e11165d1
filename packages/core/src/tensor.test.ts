/** Tensors: creation functions (dtypes, shapes), readback, toString and dispose. */
import { describe, expect, it } from 'vitest';
import {
  add,
  arange,
  equal,
  eye,
  full,
  linspace,
  ones,
  onesLike,
  reshape,
  scalar,
  tensor,
  Tensor,
  where,
  zeros,
  zerosLike,
  type DType,
} from './index.js';

const ARRAY_OF: Record<DType, new (n: number) => ArrayLike<number>> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
};

describe('creation', () => {
  it('tensor() infers the shape of nested arrays and defaults to float32', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(x).toBeInstanceOf(Tensor);
    expect(x.shape).toEqual([2, 3]);
    expect(x.rank).toBe(2);
    expect(x.size).toBe(6);
    expect(x.dtype).toBe('float32');
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensor([[[1], [2]]]).shape).toEqual([1, 2, 1]);
  });

  it('tensor() takes flat arrays, typed arrays and a shape', () => {
    expect(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const t = tensor(Float64Array.of(1.5, -2), { dtype: 'float64' });
    expect(t.shape).toEqual([2]);
    expect(Array.from(t.dataSync())).toEqual([1.5, -2]);
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [3, 1, 2] }).shape).toEqual([3, 1, 2]);
    expect(tensor([7], { shape: [] }).shape).toEqual([]);
  });

  it('tensor() of a number or boolean is 0-d', () => {
    const s = tensor(3.5);
    expect(s.shape).toEqual([]);
    expect(s.rank).toBe(0);
    expect(s.size).toBe(1);
    expect(s.itemSync()).toBe(3.5);
    expect(tensor(true, { dtype: 'bool' }).toArray()).toBe(true);
  });

  it('each dtype stores its values in its typed array, converting as documented', () => {
    const values = [0.1, -1.7, 2.5, 0, 3];
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
      const t = tensor(values, { dtype });
      expect(t.dtype).toBe(dtype);
      const d = t.dataSync();
      expect(d).toBeInstanceOf(ARRAY_OF[dtype]);
      const want = values.map((v) =>
        dtype === 'float32'
          ? Math.fround(v)
          : dtype === 'int32'
            ? Math.trunc(v)
            : dtype === 'bool'
              ? +(v !== 0)
              : v,
      );
      expect(Array.from(d)).toEqual(want);
    }
    expect(tensor([true, false, true], { dtype: 'float64' }).toArray()).toEqual([1, 0, 1]);
  });

  it('bool tensors hold 0/1 whatever number made them (as cast does)', () => {
    const one = (t: Tensor) => Array.from(t.dataSync());
    expect(one(tensor([2, -1, 0.5, 0, 256], { dtype: 'bool' }))).toEqual([1, 1, 1, 0, 1]);
    expect(one(full([2], 5, { dtype: 'bool' }))).toEqual([1, 1]);
    expect(one(scalar(-3, { dtype: 'bool' }))).toEqual([1]);
    expect(one(arange(3, undefined, 1, { dtype: 'bool' }))).toEqual([0, 1, 1]);
    // so equal() on bools compares truth values
    expect(equal(tensor([2], { dtype: 'bool' }), tensor([1], { dtype: 'bool' })).toArray()).toEqual([true]);
    expect(one(where(tensor([true], { dtype: 'bool' }), tensor([false], { dtype: 'bool' }), 7))).toEqual([0]);
    expect(one(where(tensor([false], { dtype: 'bool' }), tensor([false], { dtype: 'bool' }), 7))).toEqual([
      1,
    ]);
  });

  it('scalar, zeros, ones, full, zerosLike, onesLike', () => {
    expect(scalar(2, { dtype: 'int32' }).toArray()).toBe(2);
    expect(scalar(0.1).itemSync()).toBe(Math.fround(0.1));
    const z = zeros([2, 0, 3]);
    expect(z.shape).toEqual([2, 0, 3]);
    expect(z.size).toBe(0);
    expect(z.dataSync().length).toBe(0);
    expect(zeros([]).toArray()).toBe(0);
    expect(ones([2], { dtype: 'bool' }).toArray()).toEqual([true, true]);
    expect(full([2, 2], 7, { dtype: 'int32' }).toArray()).toEqual([
      [7, 7],
      [7, 7],
    ]);
    const x = tensor([[1, 2]], { dtype: 'float64' });
    for (const [t, v] of [
      [zerosLike(x), 0],
      [onesLike(x), 1],
    ] as const) {
      expect(t.shape).toEqual([1, 2]);
      expect(t.dtype).toBe('float64');
      expect(t.backend).toBe(x.backend);
      expect(t.toArray()).toEqual([[v, v]]);
    }
    expect(zerosLike(x, { dtype: 'int32' }).dtype).toBe('int32');
  });

  it('arange covers [start, stop) by step', () => {
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(2, 5).toArray()).toEqual([2, 3, 4]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(arange(0, 1, 0.25, { dtype: 'float64' }).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(3, 3).shape).toEqual([0]);
    expect(arange(3, 1).shape).toEqual([0]);
    expect(arange(3, undefined, 1, { dtype: 'int32' }).dtype).toBe('int32');
  });

  it('linspace includes both ends exactly', () => {
    const l = linspace(-1, 2, 7, { dtype: 'float64' });
    expect(l.shape).toEqual([7]);
    const d = l.dataSync();
    expect(d[0]).toBe(-1);
    expect(d[6]).toBe(2);
    for (let i = 0; i < 7; i++) expect(d[i]).toBeCloseTo(-1 + 0.5 * i, 14);
    expect(linspace(3, 9, 1).toArray()).toEqual([3]);
    expect(linspace(0, 1, 0).shape).toEqual([0]);
  });

  it('eye is square or rectangular', () => {
    expect(eye(2).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(eye(2, 3, { dtype: 'int32' }).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(eye(3, 1).toArray()).toEqual([[1], [0], [0]]);
  });
});

describe('readback', () => {
  it('dataSync and data return fresh copies with the same values', async () => {
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    const a = x.dataSync();
    a[0] = 99; // a copy: the tensor is immutable
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3]);
    const b = await x.data();
    expect(b).toBeInstanceOf(Float64Array);
    expect(Array.from(b)).toEqual([1, 2, 3]);
    b[1] = -1;
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3]);
  });

  it('item and itemSync read one-element tensors and refuse others', async () => {
    expect(scalar(4).itemSync()).toBe(4);
    expect(await scalar(-2, { dtype: 'int32' }).item()).toBe(-2);
    expect(tensor([[5]]).itemSync()).toBe(5);
    expect(() => tensor([1, 2]).itemSync()).toThrow(/item: .*\[2\].*2 elements/);
    await expect(zeros([0]).item()).rejects.toThrow(/item: .*\[0\].*0 elements/);
  });

  it('toArray and array nest by shape; bool reads as booleans', async () => {
    const x = arange(6, undefined, 1, { dtype: 'int32' });
    const n = [
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
    ];
    expect(reshape(x, [1, 2, 3]).toArray()).toEqual(n);
    expect(await reshape(x, [1, 2, 3]).array()).toEqual(n);
    expect(reshape(x, [3, 2, 1]).toArray()).toEqual([
      [[0], [1]],
      [[2], [3]],
      [[4], [5]],
    ]);
    expect(tensor([[true], [false]], { dtype: 'bool' }).toArray()).toEqual([[true], [false]]);
    expect(scalar(1.5).toArray()).toBe(1.5);
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(zeros([0, 2]).toArray()).toEqual([]);
  });
});

describe('toString', () => {
  it('shows dtype, shape and the values of small tensors', () => {
    expect(tensor([[1, 2]], { dtype: 'int32' }).toString()).toBe('Tensor(int32[1,2]) [[1,2]]');
    expect(scalar(0.5, { dtype: 'float64' }).toString()).toBe('Tensor(float64[]) 0.5');
    expect(tensor([true], { dtype: 'bool' }).toString()).toBe('Tensor(bool[1]) [true]');
    expect(String(zeros([0]))).toBe('Tensor(float32[0]) []');
  });

  it('shows only dtype and shape of large tensors', () => {
    expect(zeros([10, 10]).toString()).toBe('Tensor(float32[10,10])');
  });
});

describe('dispose', () => {
  it('marks the tensor disposed; later use throws; a second dispose is a no-op', async () => {
    const x = tensor([1, 2]);
    expect(x.isDisposed).toBe(false);
    x.dispose();
    expect(x.isDisposed).toBe(true);
    expect(() => x.dataSync()).toThrow(/dispose/);
    expect(() => x.itemSync()).toThrow(/dispose/);
    await expect(x.data()).rejects.toThrow(/dispose/);
    expect(() => add(x, 1)).toThrow(/add: .*dispose/);
    expect(() => x.dispose()).not.toThrow();
    // shape and dtype stay readable for error messages
    expect(x.shape).toEqual([2]);
    expect(x.dtype).toBe('float32');
  });

  it('leaves other tensors alone', () => {
    const x = tensor([1, 2]);
    const y = add(x, 1);
    x.dispose();
    expect(y.toArray()).toEqual([2, 3]);
  });
});
