/**
 * Bad input to every layer throws an error that names the layer and, where a shape is at fault,
 * the shapes: an unknown option (at construction), a non-key to `init`, an input shape of the wrong
 * rank to `init`, a non-tensor, a wrong width and a wrong rank to `apply`, an unknown apply option.
 * One table, one row per layer, so a new layer without a row is easy to spot.
 */
import { describe, expect, it } from 'vitest';
import { key, ones, tensor, type Tensor } from '@gen-ts/core';
import type { AnyLayer } from './sequential.js';
import { activation } from './activation.js';
import { multiHeadAttention } from './attention.js';
import { conv1d, conv2d } from './conv.js';
import { dropout } from './dropout.js';
import { embedding } from './embedding.js';
import { flatten } from './flatten.js';
import { linear, mlp } from './linear.js';
import { batchNorm, layerNorm } from './normalization.js';
import { avgPool2d, globalAvgPool, maxPool2d } from './pool.js';
import { residual, sequential } from './sequential.js';
import { transformerBlock } from './transformer.js';

interface Row {
  /** The name errors must start with. */
  name: string;
  /** Construction with an unknown option. */
  unknownOption: () => unknown;
  /** The name construction errors start with, when not `name` (the factory's, e.g. `activation`). */
  factory?: string;
  /** A working layer, the input shape it is initialised for, and a good input. */
  layer: AnyLayer;
  shape: number[];
  good: Tensor;
  /** An input shape `init` must refuse (too few axes), when the layer has a minimum rank. */
  badInitShape?: number[];
  /** Inputs `apply` must refuse, with the message they must give. */
  badInputs: [Tensor, string | RegExp][];
}

const rows: Row[] = [
  {
    name: 'linear',
    unknownOption: () => linear(2, { bias: true } as never),
    layer: linear(2),
    shape: [3, 4],
    good: ones([3, 4]),
    badInitShape: [4],
    badInputs: [
      [ones([3, 5]), 'linear: input [3,5] has 5 features on its last axis, the parameters expect 4'],
      [ones([4]), 'linear: input [4] has rank 1, needs at least 2'],
    ],
  },
  {
    name: 'mlp',
    unknownOption: () => mlp([2], { hidden: 3 } as never),
    layer: mlp([3, 2]),
    shape: [3, 4],
    good: ones([3, 4]),
    badInitShape: [4],
    badInputs: [
      [ones([3, 5]), 'mlp[0].linear: input [3,5] has 5 features on its last axis, the parameters expect 4'],
    ],
  },
  {
    name: 'flatten',
    unknownOption: () => flatten({ startDim: 1 } as never),
    layer: flatten(),
    shape: [2, 3, 4],
    good: ones([2, 3, 4]),
    badInitShape: [],
    badInputs: [[ones([]), 'flatten: input [] needs a batch axis']],
  },
  {
    name: 'dropout',
    unknownOption: () => dropout(0.1, { p: 0.1 } as never),
    layer: dropout(0.5),
    shape: [2, 3],
    good: ones([2, 3]),
    badInputs: [],
  },
  {
    name: 'layerNorm',
    unknownOption: () => layerNorm({ eps: 1e-5 } as never),
    layer: layerNorm(),
    shape: [2, 3],
    good: ones([2, 3]),
    badInitShape: [3],
    badInputs: [
      [ones([2, 4]), 'layerNorm: input [2,4] has 4 features on its last axis, the parameters expect 3'],
      [ones([3]), 'layerNorm: input [3] has rank 1, needs at least 2'],
    ],
  },
  {
    name: 'batchNorm',
    unknownOption: () => batchNorm({ decay: 0.9 } as never),
    layer: batchNorm(),
    shape: [2, 3],
    good: ones([2, 3]),
    badInitShape: [3],
    badInputs: [
      [ones([2, 4]), 'batchNorm: input [2,4] has 4 features on its last axis, the parameters expect 3'],
      [ones([3]), 'batchNorm: input [3] has rank 1, needs at least 2'],
    ],
  },
  {
    name: 'embedding',
    unknownOption: () => embedding(4, 2, { init: 1 } as never),
    layer: embedding(4, 2),
    shape: [2, 3],
    good: tensor(
      [
        [0, 1, 2],
        [3, 2, 1],
      ],
      { dtype: 'int32' },
    ),
    badInitShape: [],
    badInputs: [
      [ones([2, 3]), 'embedding: input must be int32 ids, got a float32[2,3] tensor'],
      [
        tensor([[0, 4, 1]], { dtype: 'int32' }),
        'embedding: an id is outside [0, 4) (ids [1,3], table [4,2])',
      ],
    ],
  },
  {
    name: 'multiHeadAttention',
    unknownOption: () => multiHeadAttention({ numHeads: 1, heads: 2 } as never),
    layer: multiHeadAttention({ numHeads: 2 }),
    shape: [2, 3, 4],
    good: ones([2, 3, 4]),
    badInitShape: [3, 4],
    badInputs: [
      [
        ones([2, 3, 6]),
        'multiHeadAttention: input [2,3,6] has 6 features on its last axis, the parameters expect 4',
      ],
      [ones([3, 4]), 'multiHeadAttention: input [3,4] has rank 2, needs at least 3'],
      [ones([1, 2, 3, 4]), 'multiHeadAttention: input [1,2,3,4] must be [B, T, D]'],
    ],
  },
  {
    name: 'transformerBlock',
    unknownOption: () => transformerBlock({ numHeads: 1, ffDim: 2 } as never),
    layer: transformerBlock({ numHeads: 2 }),
    shape: [2, 3, 4],
    good: ones([2, 3, 4]),
    badInitShape: [3, 4],
    badInputs: [
      [
        ones([2, 3, 2]),
        'transformerBlock: input [2,3,2] has 2 features on its last axis, the parameters expect 4',
      ],
      [ones([3, 4]), 'transformerBlock: input [3,4] has rank 2, needs at least 3'],
    ],
  },
  {
    name: 'conv2d',
    unknownOption: () => conv2d(2, 3, { stride: 2 } as never),
    layer: conv2d(2, 3, { groups: 1 }),
    shape: [2, 5, 5, 3],
    good: ones([2, 5, 5, 3]),
    badInitShape: [5, 5, 3],
    badInputs: [
      [
        ones([2, 5, 5, 2]),
        'conv2d: input [2,5,5,2] has 2 features on its last axis, the parameters expect 3',
      ],
      [ones([5, 5, 3]), 'conv2d: input [5,5,3] has rank 3, needs at least 4'],
      [
        ones([2, 2, 5, 3]),
        'conv2d: the window along spatial axis 0 (extent 3, dilated 3) is larger than the padded input there (2 = input 2 + padding [0,0]); x [2,2,5,3], w [3,3,3,2]',
      ],
    ],
  },
  {
    name: 'conv1d',
    unknownOption: () => conv1d(2, 3, { dilationRate: 2 } as never),
    layer: conv1d(2, 3, { dilation: 2 }),
    shape: [2, 6, 3],
    good: ones([2, 6, 3]),
    badInitShape: [6, 3],
    badInputs: [
      [ones([2, 6, 1]), 'conv1d: input [2,6,1] has 1 features on its last axis, the parameters expect 3'],
      [ones([2, 4, 3]), /conv1d: the window along spatial axis 0 \(extent 3, dilated 5\) is larger/],
    ],
  },
  {
    name: 'maxPool2d',
    unknownOption: () => maxPool2d(2, { stride: 2 } as never),
    layer: maxPool2d(2),
    shape: [2, 4, 4, 3],
    good: ones([2, 4, 4, 3]),
    badInitShape: [4, 4, 3],
    badInputs: [
      [ones([4, 4, 3]), 'maxPool2d: input [4,4,3] must be [N, H, W, C]'],
      [ones([2, 1, 4, 3]), /maxPool2d: the window along spatial axis 0 \(extent 2, dilated 2\) is larger/],
    ],
  },
  {
    name: 'avgPool2d',
    unknownOption: () => avgPool2d(2, { countIncludePadding: true } as never),
    layer: avgPool2d(2, { padding: 'same' }),
    shape: [2, 3, 3, 3],
    good: ones([2, 3, 3, 3]),
    badInitShape: [3, 3],
    badInputs: [[ones([2, 3]), 'avgPool2d: input [2,3] must be [N, H, W, C]']],
  },
  {
    name: 'globalAvgPool',
    unknownOption: () => globalAvgPool({ keepdims: true } as never),
    layer: globalAvgPool(),
    shape: [2, 3, 3, 4],
    good: ones([2, 3, 3, 4]),
    badInitShape: [2, 4],
    badInputs: [[ones([2, 4]), 'globalAvgPool: input [2,4] must be [N, ...spatial, C] with a spatial axis']],
  },
  {
    name: 'softmax',
    unknownOption: () => activation('softmax', { dim: 1 } as never),
    factory: 'activation',
    layer: activation('softmax', { axis: 1 }),
    shape: [2, 3],
    good: ones([2, 3]),
    badInputs: [[ones([3]), 'softmax: input [3]: ']],
  },
  {
    name: 'sequential',
    unknownOption: () => sequential([3 as never]),
    layer: sequential([linear(3), linear(2)]),
    shape: [2, 4],
    good: ones([2, 4]),
    badInitShape: [4],
    badInputs: [
      [
        ones([2, 5]),
        'sequential[0].linear: input [2,5] has 5 features on its last axis, the parameters expect 4',
      ],
    ],
  },
  {
    name: 'residual',
    unknownOption: () => residual(3 as never),
    layer: residual(linear(4)),
    shape: [2, 4],
    good: ones([2, 4]),
    badInitShape: [4],
    badInputs: [
      [ones([2, 5]), 'residual.linear: input [2,5] has 5 features on its last axis, the parameters expect 4'],
    ],
  },
];

describe('bad input names the layer and the shapes', () => {
  for (const r of rows) {
    describe(r.name, () => {
      const { params, state } = r.layer.init(key(0), r.shape);
      const opts = r.layer.stateful ? { state } : {};

      it('works on good input', () => {
        const out: unknown = r.layer.apply(params, r.good, opts);
        expect(Array.isArray(out) ? (out as Tensor[])[0]!.rank : (out as Tensor).rank).toBeGreaterThanOrEqual(
          0,
        );
      });

      it('rejects an unknown option at construction', () => {
        expect(r.unknownOption).toThrow(new RegExp(`^${r.factory ?? r.name}(\\[\\d+\\])?(: | must)`));
      });

      it('rejects a non-key and a short input shape in init', () => {
        expect(() => r.layer.init(0 as never, r.shape)).toThrow(
          new RegExp(`^${r.name}: init needs a PRNGKey from key\\(seed\\) or split, got 0`),
        );
        if (r.badInitShape)
          expect(() => r.layer.init(key(0), r.badInitShape!)).toThrow(
            new RegExp(
              `^${r.name}.*input shape \\[${r.badInitShape.join(',')}\\] has rank ${r.badInitShape.length}`,
            ),
          );
      });

      it('rejects a non-tensor, bad inputs and unknown apply options', () => {
        expect(() => r.layer.apply(params, 3 as never, opts)).toThrow(
          new RegExp(`^${r.name.replace(/[[\]]/g, '\\$&')}`),
        );
        for (const [x, msg] of r.badInputs) expect(() => r.layer.apply(params, x, opts)).toThrow(msg);
        expect(() => r.layer.apply(params, r.good, { ...opts, training: true } as never)).toThrow(
          `${r.name}: unknown apply option "training" (known: key, train, state, mask)`,
        );
      });
    });
  }
});
