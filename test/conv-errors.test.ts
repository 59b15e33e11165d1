/** Bad input to the windowed ops throws an error that names the op, what was wrong and the shapes. */
import { describe, expect, it } from 'vitest';
import {
  avgPool,
  conv,
  maxPool,
  reduceWindow,
  tensor,
  windowGather,
  zeros,
  type ConvOptions,
} from '@gen-ts/core';

const img = zeros([2, 5, 5, 3]);

describe('conv rejects bad input', () => {
  it('channel counts that do not match the kernel (and groups)', () => {
    expect(() => conv(img, zeros([3, 3, 4, 8]))).toThrow(
      'conv: x has 3 input channels but the kernel takes 4 per group x 1 group = 4; x [2,5,5,3], w [3,3,4,8]',
    );
    expect(() => conv(zeros([1, 5, 5, 4]), zeros([3, 3, 1, 2]), { featureGroupCount: 2 })).toThrow(
      'conv: x has 4 input channels but the kernel takes 1 per group x 2 groups = 2; x [1,5,5,4], w [3,3,1,2]',
    );
    expect(() => conv(zeros([1, 5, 5, 4]), zeros([3, 3, 2, 3]), { featureGroupCount: 2 })).toThrow(
      "conv: the kernel's 3 output channels do not split into 2 feature groups; x [1,5,5,4], w [3,3,2,3]",
    );
  });

  it('a kernel larger than the padded input, dilation included', () => {
    expect(() => conv(zeros([1, 2, 2, 1]), zeros([3, 3, 1, 1]))).toThrow(
      'conv: the window along spatial axis 0 (extent 3, dilated 3) is larger than the padded input there (2 = input 2 + padding [0,0]); x [1,2,2,1], w [3,3,1,1]',
    );
    expect(() => conv(zeros([1, 4, 4, 1]), zeros([2, 3, 1, 1]), { rhsDilation: 2 })).toThrow(
      /conv: the window along spatial axis 1 \(extent 3, dilated 5\) is larger than the padded input there \(4 = input 4 \+ padding \[0,0\]\); x \[1,4,4,1\], w \[2,3,1,1\]/,
    );
    // 'same' pads enough for any kernel
    expect(conv(zeros([1, 2, 2, 1]), zeros([3, 3, 1, 1]), { padding: 'same' }).shape).toEqual([1, 2, 2, 1]);
  });

  it('bad strides, dilations, paddings and options', () => {
    const w = zeros([3, 3, 3, 4]);
    const bad: [ConvOptions, string | RegExp][] = [
      [{ strides: 0 }, 'conv: strides must be 2 integers >= 1, got [0,0]'],
      [{ strides: [1] }, 'conv: strides must be 2 integers >= 1, got [1]'],
      [{ strides: 1.5 }, 'conv: strides must be 2 integers >= 1, got [1.5,1.5]'],
      [{ rhsDilation: -1 }, 'conv: rhsDilation must be 2 integers >= 1, got [-1,-1]'],
      [
        { padding: 'SAME' as 'same' },
        "conv: padding must be 'valid', 'same' or [before, after] pairs, got 'SAME'",
      ],
      [{ padding: [[1, 1]] }, 'conv: padding must be 2 [before, after] integer pairs, got [[1,1]]'],
      [{ featureGroupCount: 0 }, 'conv: featureGroupCount must be 1 integer >= 1, got [0]'],
      [{ stride: 2 } as ConvOptions, "conv: unknown option 'stride'"],
    ];
    for (const [o, msg] of bad) expect(() => conv(img, w, o), JSON.stringify(o)).toThrow(msg);
  });

  it('ranks and dtypes', () => {
    expect(() => conv(zeros([5, 5, 3]), zeros([3, 3, 3, 4]))).toThrow(
      'conv: x must be [N, ...spatial, C] with at least one spatial axis and w [...window, C/groups, O] of the same rank; got x [5,5,3], w [3,3,3,4]',
    );
    expect(() => conv(zeros([2, 3]), zeros([3, 4]))).toThrow(
      /at least one spatial axis.*got x \[2,3\], w \[3,4\]/,
    );
    expect(() => conv(img, zeros([3, 3, 3, 4], { dtype: 'float64' }))).toThrow(
      'conv: dtypes differ: float32[2,5,5,3] and float64[3,3,3,4]; cast one first',
    );
    expect(() => conv(zeros([1, 3, 1], { dtype: 'int32' }), zeros([1, 1, 1], { dtype: 'int32' }))).toThrow(
      'conv: needs a float tensor, got int32[1,3,1]',
    );
  });
});

describe('pooling rejects bad input', () => {
  it('windows larger than the input, bad strides and unknown options', () => {
    expect(() => maxPool(img, 6)).toThrow(
      'maxPool: the window along spatial axis 0 (extent 6, dilated 6) is larger than the padded input there (5 = input 5 + padding [0,0]); x [2,5,5,3], window [6,6]',
    );
    expect(() => avgPool(img, 2, { strides: [2, 0] })).toThrow(
      'avgPool: strides must be 2 integers >= 1, got [2,0]',
    );
    expect(() => maxPool(img, [2, 2, 2])).toThrow('maxPool: window must be 2 integers >= 1, got [2,2,2]');
    expect(() => maxPool(img, 2, { stride: 2 } as never)).toThrow("maxPool: unknown option 'stride'");
    expect(() => avgPool(zeros([4, 4]), 2)).toThrow(
      'avgPool: x must be [N, ...spatial, C] with at least one spatial axis, got [4,4]',
    );
  });

  it('reduceWindow checks the window and op; windowGather checks its taps', () => {
    expect(() => reduceWindow(img, 'max', [1, 6, 1, 1])).toThrow(
      'reduceWindow(max): the window along axis 1 (extent 6, dilated 6) is larger than the padded input there (5 = input 5 + padding [0,0]); operand [2,5,5,3], window [1,6,1,1]',
    );
    expect(() => reduceWindow(img, 'max', [2, 2])).toThrow(
      'reduceWindow: window must be 4 integers >= 1, got [2,2]',
    );
    expect(() => reduceWindow(img, 'min' as 'max', [1, 2, 2, 1])).toThrow(
      "reduceWindow: op must be 'sum', 'max' or 'argmax', got min",
    );
    const g = {
      window: [2],
      strides: [2],
      padding: [[0, 0]] as [number, number][],
      baseDilation: [1],
      windowDilation: [1],
    };
    expect(() => windowGather(zeros([4]), tensor([0, 1, 0], { dtype: 'int32' }), g)).toThrow(
      'windowGather: indices [3] should have the window output shape [2]',
    );
    expect(() => windowGather(zeros([4]), tensor([0, 2], { dtype: 'int32' }), g)).toThrow(
      'windowGather: tap 2 is out of range for a window of 2 taps',
    );
  });
});
