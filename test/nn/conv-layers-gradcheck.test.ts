/**
 * Gradient checks of the convolution and pooling layers (JVP vs central differences and the VJP
 * inner-product identity, support/check-grads.ts) in float64 on the cpu backend, with respect to
 * the parameters and the input together, over fast-check shapes, strides, paddings, dilations and
 * groups; a small CNN is also checked at order 2 (what GeN's exact mode and `hvp` rely on). Max
 * pooling gets inputs pairwise far apart (a permutation of a spread grid), so no central
 * difference crosses a tie.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  add,
  key,
  mul,
  normal,
  permutation,
  reshape,
  cast,
  treeFlatten,
  treeUnflatten,
  type PRNGKey,
  type Shape,
  type Tensor,
} from '@gen-ts/core';
import {
  activation,
  avgPool2d,
  conv1d,
  conv2d,
  flatten,
  globalAvgPool,
  linear,
  maxPool2d,
  sequential,
  type AnyLayer,
  type Initializer,
  type LayerPadding,
} from '@gen-ts/nn';
import { checkGrads } from '../support/check-grads.js';

const F64 = 'float64' as const;
const randn: Initializer = (k, shape, dtype) => normal(k, shape, { dtype });
const seedArb = fc.integer({ min: 0, max: 2 ** 30 });
const dim = (min: number, max: number) => fc.integer({ min, max });

/** Checks `(params..., x) -> layer.apply(params, x)` at `order`. */
async function checkLayer(layer: AnyLayer, x: Tensor, seed: number, label: string, order = 1): Promise<void> {
  const { params } = layer.init(key(seed), x.shape);
  const [leaves, def] = treeFlatten(params);
  const f = (...args: Tensor[]) =>
    layer.apply(treeUnflatten(def, args.slice(0, leaves.length)), args[leaves.length]!) as Tensor;
  await checkGrads(f, [...leaves, x], { seed, label, order });
}

/** Values `0.3 * perm + small`: pairwise at least 0.2 apart in a random order. */
function spread(k: PRNGKey, shape: Shape): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const p = cast(permutation(k, n), F64);
  return reshape(add(mul(p, 0.3), -0.15 * n), shape);
}

function fits(layer: AnyLayer, s: Shape): boolean {
  try {
    layer.init(key(0), s);
    return true;
  } catch (e) {
    if (/is larger than the padded input/.test((e as Error).message)) return false;
    throw e;
  }
}

const paddingArb: fc.Arbitrary<LayerPadding> = fc.oneof(
  fc.constant('valid' as const),
  fc.constant('same' as const),
  fc.integer({ min: 0, max: 1 }),
  fc.tuple(dim(0, 2), dim(0, 2), dim(0, 2), dim(0, 2)).map(
    ([a, b, c, d]) =>
      [
        [a, b],
        [c, d],
      ] as LayerPadding,
  ),
);

describe('conv and pooling layers: gradient checks in float64', () => {
  it('conv2d: strides, paddings, dilations, groups', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          n: dim(1, 2),
          hw: fc.tuple(dim(3, 6), dim(3, 6)),
          groups: dim(1, 2),
          cg: dim(1, 2),
          fg: dim(1, 2),
          k: fc.tuple(dim(1, 3), dim(1, 3)),
          strides: fc.tuple(dim(1, 2), dim(1, 2)),
          dilation: fc.tuple(dim(1, 2), dim(1, 2)),
          padding: paddingArb,
          seed: seedArb,
        }),
        async (r) => {
          const s = [r.n, r.hw[0], r.hw[1], r.groups * r.cg];
          const layer = conv2d(r.groups * r.fg, r.k, {
            dtype: F64,
            strides: r.strides,
            padding: r.padding,
            dilation: r.dilation,
            groups: r.groups,
            biasInit: randn,
          });
          // a window larger than the padded input: the bad-input tests cover it
          fc.pre(fits(layer, s));
          await checkLayer(layer, normal(key(r.seed + 1), s, { dtype: F64 }), r.seed, 'conv2d');
        },
      ),
      { numRuns: 25 },
    );
  });

  it('conv1d', async () => {
    await fc.assert(
      fc.asyncProperty(
        dim(1, 2),
        dim(4, 8),
        dim(1, 3),
        dim(1, 3),
        dim(1, 3),
        seedArb,
        async (n, w, c, f, k, seed) => {
          const layer = conv1d(f, k, { dtype: F64, padding: 'same', dilation: 2, biasInit: randn });
          await checkLayer(layer, normal(key(seed + 1), [n, w, c], { dtype: F64 }), seed, 'conv1d');
        },
      ),
      { numRuns: 20 },
    );
  });

  it('maxPool2d, avgPool2d (valid and same) and globalAvgPool', async () => {
    await fc.assert(
      fc.asyncProperty(
        dim(1, 2),
        fc.tuple(dim(2, 5), dim(2, 5)),
        dim(1, 2),
        fc.tuple(dim(1, 2), dim(1, 2)),
        fc.constantFrom('valid' as const, 'same' as const),
        seedArb,
        async (n, hw, c, size, padding, seed) => {
          const s = [n, hw[0], hw[1], c];
          const x = spread(key(seed), s);
          await checkLayer(maxPool2d(size, { strides: 1, padding }), x, seed, 'maxPool2d');
          await checkLayer(avgPool2d(size, { padding }), x, seed, 'avgPool2d');
          await checkLayer(globalAvgPool(), x, seed, 'globalAvgPool');
        },
      ),
      { numRuns: 20 },
    );
  });

  it('a small CNN (conv, pool, conv, global pool, dense) at order 2', async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, async (seed) => {
        const net = sequential([
          conv2d(3, 3, { dtype: F64, padding: 'same', biasInit: randn }),
          activation('tanh'),
          avgPool2d(2),
          conv2d(4, 2, { dtype: F64, groups: 1, strides: 1 }),
          activation('tanh'),
          globalAvgPool(),
          linear(2, { dtype: F64 }),
        ]);
        await checkLayer(net, normal(key(seed), [2, 6, 6, 2], { dtype: F64 }), seed, 'cnn', 2);
      }),
      { numRuns: 4 },
    );
  });

  it('a max-pooled CNN flattens into a dense head at order 2', async () => {
    const net = sequential([maxPool2d(2), flatten(), linear(3, { dtype: F64, biasInit: randn })]);
    await checkLayer(net, spread(key(3), [2, 4, 4, 2]), 3, 'maxPool+dense', 2);
  });
});
