/**
 * Losses: float64 values against direct formulas (the TensorFlow.js comparison is in
 * test/nn/losses-tfjs.test.ts), stability at extreme logits, the options, and every label check.
 */
import { describe, expect, it } from 'vitest';
import { grad, key, normal, ones, softmax, tensor, zeros, type Tensor } from '@gen-ts/core';
import { huber, l2Loss, mse, sigmoidBinaryCrossEntropy, softmaxCrossEntropy } from './losses.js';

const F64 = { dtype: 'float64' as const };
const I32 = { dtype: 'int32' as const };
const rows = (t: Tensor) => t.toArray() as number[][];

/** `log sum exp` of a row, shifted by its max. */
const lse = (r: number[]) => {
  const m = Math.max(...r);
  return m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
};

describe('softmaxCrossEntropy', () => {
  const z = normal(key(0), [6, 5], { ...F64, stddev: 3 });
  const y = tensor([0, 4, 2, 2, 1, 3], I32);
  const zr = rows(z);
  const ys = [0, 4, 2, 2, 1, 3];

  it('with integer labels is logsumexp(z) - z_y, averaged', () => {
    const per = zr.map((r, i) => lse(r) - r[ys[i]!]!);
    expect(softmaxCrossEntropy(z, y, { reduction: 'none' }).toArray()).toEqual(
      per.map((v) => expect.closeTo(v, 12)),
    );
    expect(softmaxCrossEntropy(z, y).itemSync()).toBeCloseTo(per.reduce((a, b) => a + b) / 6, 12);
    expect(softmaxCrossEntropy(z, y, { reduction: 'sum' }).itemSync()).toBeCloseTo(
      per.reduce((a, b) => a + b),
      11,
    );
  });

  it('with one-hot probabilities equals the integer path; soft targets give -sum t log p', () => {
    const onehot = tensor(
      ys.map((c) => [0, 1, 2, 3, 4].map((j) => (j === c ? 1 : 0))),
      F64,
    );
    expect(softmaxCrossEntropy(z, onehot).itemSync()).toBeCloseTo(softmaxCrossEntropy(z, y).itemSync(), 13);
    const t = softmax(normal(key(1), [6, 5], F64));
    const tr = rows(t);
    const want = zr.map((r, i) => -r.reduce((s, v, j) => s + tr[i]![j]! * (v - lse(r)), 0));
    (softmaxCrossEntropy(z, t, { reduction: 'none' }).toArray() as number[]).forEach((v, i) =>
      expect(v).toBeCloseTo(want[i]!, 12),
    );
  });

  it('label smoothing mixes the target with the uniform distribution, on both paths', () => {
    const eps = 0.2;
    const want = zr.map((r, i) => {
      const l = lse(r);
      return -r.reduce((s, v, j) => s + ((1 - eps) * (j === ys[i] ? 1 : 0) + eps / 5) * (v - l), 0);
    });
    (softmaxCrossEntropy(z, y, { labelSmoothing: eps, reduction: 'none' }).toArray() as number[]).forEach(
      (v, i) => expect(v).toBeCloseTo(want[i]!, 12),
    );
    const onehot = tensor(
      ys.map((c) => [0, 1, 2, 3, 4].map((j) => (j === c ? 1 : 0))),
      F64,
    );
    expect(softmaxCrossEntropy(z, onehot, { labelSmoothing: eps }).itemSync()).toBeCloseTo(
      want.reduce((a, b) => a + b) / 6,
      12,
    );
  });

  it('is finite and exact at huge logits, in float32 too, with the gradient softmax - onehot', () => {
    const big = tensor([
      [1e4, -1e4, 0],
      [-5e3, 5e3, 1e3],
    ]);
    const labels = tensor([1, 1], I32);
    const noNegZero = (v: ArrayLike<number>) => Array.from(v, (x) => x + 0);
    expect(noNegZero(softmaxCrossEntropy(big, labels, { reduction: 'none' }).dataSync())).toEqual([2e4, 0]);
    const g = rows(grad((l: Tensor) => softmaxCrossEntropy(l, labels, { reduction: 'sum' }))(big)).map(
      noNegZero,
    );
    expect(g).toEqual([
      [1, -1, 0],
      [0, 0, 0],
    ]);
  });

  it('works on [B, T, V] logits with [B, T] labels', () => {
    const l = normal(key(2), [2, 3, 4], F64);
    const ids = tensor(
      [
        [0, 1, 2],
        [3, 0, 1],
      ],
      I32,
    );
    expect(softmaxCrossEntropy(l, ids, { reduction: 'none' }).shape).toEqual([2, 3]);
  });

  it('throws naming the loss and shapes for the [B] vs [B, 1] trap and other mismatches', () => {
    const logits = zeros([4, 3]);
    expect(() => softmaxCrossEntropy(logits, tensor([[0], [1], [2], [0]], I32))).toThrow(
      'softmaxCrossEntropy: integer labels must have shape [4], one class id per row of the logits (logits [4,3], labels int32[4,1]); reshape labels to [4]',
    );
    expect(() => softmaxCrossEntropy(logits, tensor([0, 1, 2], I32))).toThrow(
      'softmaxCrossEntropy: integer labels must have shape [4], one class id per row of the logits (logits [4,3], labels int32[3])',
    );
    expect(() => softmaxCrossEntropy(logits, zeros([4, 3], I32))).toThrow(
      /labels int32\[4,3\]\); for one-hot or probability labels pass them as float32$/,
    );
    expect(() => softmaxCrossEntropy(logits, zeros([4]))).toThrow(
      "softmaxCrossEntropy: probability labels must have the logits' shape [4,3] (logits [4,3], labels float32[4]); class ids must be int32 (cast(labels, 'int32'))",
    );
    expect(() => softmaxCrossEntropy(logits, zeros([4, 3], F64))).toThrow(
      'softmaxCrossEntropy: labels float64[4,3] must have the dtype of logits float32[4,3]',
    );
    expect(() => softmaxCrossEntropy(zeros([4, 1]), zeros([4], I32))).toThrow(
      'softmaxCrossEntropy: logits [4,1] have 1 class; for binary labels use sigmoidBinaryCrossEntropy',
    );
    expect(() => softmaxCrossEntropy(logits, zeros([4], { dtype: 'bool' }))).toThrow(
      /softmaxCrossEntropy: labels must be int32 class ids or float probabilities/,
    );
    expect(() => softmaxCrossEntropy(logits, [0, 1] as never)).toThrow(
      'softmaxCrossEntropy: labels must be a Tensor, got array [0,1]',
    );
  });

  it('throws naming the loss and shapes for a label out of range', () => {
    expect(() => softmaxCrossEntropy(zeros([2, 3]), tensor([1, 3], I32))).toThrow(
      /^softmaxCrossEntropy: a label is outside \[0, 3\) \(logits \[2,3\], labels int32\[2\]\): .*index 3/,
    );
    expect(() => softmaxCrossEntropy(zeros([2, 3]), tensor([-1, 0], I32))).toThrow(
      /a label is outside \[0, 3\)/,
    );
  });

  it('rejects unknown options and a smoothing outside [0, 1]', () => {
    expect(() => softmaxCrossEntropy(zeros([1, 2]), zeros([1], I32), { smoothing: 0.1 } as never)).toThrow(
      /softmaxCrossEntropy: unknown option "smoothing"/,
    );
    expect(() => softmaxCrossEntropy(zeros([1, 2]), zeros([1], I32), { labelSmoothing: 2 })).toThrow(
      'softmaxCrossEntropy: labelSmoothing must be a number in [0, 1], got 2',
    );
    expect(() => softmaxCrossEntropy(zeros([1, 2]), zeros([1], I32), { reduction: 'avg' as never })).toThrow(
      /softmaxCrossEntropy: reduction must be one of 'mean', 'sum', 'none'/,
    );
  });
});

describe('sigmoidBinaryCrossEntropy', () => {
  const sp = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

  it('is softplus(z) - y z for float, int and bool labels, stable at huge logits', () => {
    const z = [-800, -2, 0, 1.5, 800];
    const yv = [1, 0, 1, 0.25, 0];
    const want = z.map((v, i) => sp(v) - yv[i]! * v);
    (
      sigmoidBinaryCrossEntropy(tensor(z, F64), tensor(yv, F64), { reduction: 'none' }).toArray() as number[]
    ).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
    const zi = tensor([[2], [-1]], F64);
    const a = sigmoidBinaryCrossEntropy(zi, tensor([[1], [0]], I32)).itemSync();
    expect(a).toBeCloseTo((sp(2) - 2 + sp(-1)) / 2, 13);
    expect(sigmoidBinaryCrossEntropy(zi, tensor([[true], [false]], { dtype: 'bool' })).itemSync()).toBe(a);
  });

  it('label smoothing moves targets toward 1/2', () => {
    const z = tensor([3, -1], F64);
    const got = sigmoidBinaryCrossEntropy(z, tensor([1, 0], F64), { labelSmoothing: 0.2 }).itemSync();
    expect(got).toBeCloseTo((sp(3) - 0.9 * 3 + sp(-1) - 0.1 * -1) / 2, 13);
  });

  it('throws for the trap, other mismatches and integer labels other than 0 and 1', () => {
    expect(() => sigmoidBinaryCrossEntropy(zeros([128, 1]), zeros([128]))).toThrow(
      'sigmoidBinaryCrossEntropy: logits [128,1] and labels [128] must have the same shape (the [B] vs [B, 1] trap: broadcasting them would compare every row with every label, [128, 128])',
    );
    expect(() => sigmoidBinaryCrossEntropy(zeros([4]), zeros([2, 2]))).toThrow(
      'sigmoidBinaryCrossEntropy: logits [4] and labels [2,2] must have the same shape',
    );
    expect(() => sigmoidBinaryCrossEntropy(zeros([2]), tensor([0, 2], I32))).toThrow(
      /^sigmoidBinaryCrossEntropy: a label is outside \[0, 2\) \(logits \[2\], labels int32\[2\]\)/,
    );
  });
});

describe('mse, huber, l2Loss', () => {
  const p = tensor([[0.5], [-3], [2]], F64);
  const t = tensor([[0], [0], [2.5]], F64);
  const e = [0.5, -3, -0.5];

  it('mse is the mean of (p - t)^2', () => {
    expect(mse(p, t).itemSync()).toBeCloseTo(e.reduce((s, v) => s + v * v, 0) / 3, 14);
    expect(mse(p, t, { reduction: 'none' }).shape).toEqual([3, 1]);
  });

  it('huber is quadratic within delta and linear beyond', () => {
    const h = (v: number, d: number) => (Math.abs(v) <= d ? 0.5 * v * v : d * (Math.abs(v) - 0.5 * d));
    for (const delta of [1, 0.3, 5])
      expect(huber(p, t, { delta }).itemSync()).toBeCloseTo(e.reduce((s, v) => s + h(v, delta), 0) / 3, 14);
    // derivative at e = 0 is 0, not NaN
    const g = grad((x: Tensor) => huber(x, t))(t).dataSync();
    expect(Array.from(g)).toEqual([0, 0, 0]);
  });

  it('l2Loss is (p - t)^2 / 2, or p^2 / 2 without targets', () => {
    expect(l2Loss(p, t).itemSync()).toBeCloseTo(e.reduce((s, v) => s + v * v, 0) / 6, 14);
    expect(l2Loss(tensor([3, 4], F64), undefined, { reduction: 'sum' }).itemSync()).toBe(12.5);
  });

  it('each throws naming itself and the shapes for the trap and dtype mismatches', () => {
    for (const [name, f] of [
      ['mse', mse],
      ['huber', huber],
      ['l2Loss', l2Loss],
    ] as const) {
      expect(() => f(ones([128, 1]), ones([128]))).toThrow(
        `${name}: predictions [128,1] and targets [128] must have the same shape (the [B] vs [B, 1] trap`,
      );
      expect(() => f(ones([3]), ones([3, 1]))).toThrow(
        `${name}: predictions [3] and targets [3,1] must have the same shape`,
      );
      expect(() => f(ones([3]), ones([3], F64))).toThrow(
        `${name}: targets float64[3] must have the dtype of predictions float32[3]`,
      );
      expect(() => f(ones([3], I32), ones([3], I32))).toThrow(
        `${name}: predictions int32[3] must be float32 or float64`,
      );
    }
    expect(() => huber(p, t, { delta: 0 })).toThrow('huber: delta must be a finite positive number, got 0');
  });
});
