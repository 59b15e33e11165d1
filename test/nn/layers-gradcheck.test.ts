/**
 * Gradient checks of every `@gen-ts/nn` layer and loss (JVP vs central differences and the VJP
 * inner-product identity, see support/check-grads.ts) in float64 on the cpu backend, with respect
 * to the parameters and the input together, over fast-check shapes. Biases and scales are drawn
 * from a normal rather than zeros/ones so that no check runs at a special point. A few layers
 * and every loss are also checked at order 2 (forward-over-reverse and reverse-over-reverse), which
 * GeN's exact mode and `hvp` rely on.
 *
 * Kinked activations (relu, leakyRelu, elu) get inputs at least 0.25 away from 0, so the central
 * difference (which moves an input by at most ~0.01 here) never crosses the kink. Normalisation
 * layers get epsilon 0.1: with two features layerNorm is `d / sqrt(d^2 + eps)` in the difference `d`
 * of the two, which bends on the scale sqrt(eps), and the fourth-order difference's truncation error
 * (h / sqrt(eps))^4 would exceed the 1e-6 tolerance at flax's 1e-6 (h = 1e-3).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  abs,
  add,
  key,
  less,
  mul,
  normal,
  randint,
  sign,
  sigmoid,
  softmax,
  split,
  sub,
  tensor,
  treeFlatten,
  treeUnflatten,
  where,
  type PRNGKey,
  type Shape,
  type Tensor,
} from '@gen-ts/core';
import {
  ACTIVATION_NAMES,
  activation,
  batchNorm,
  dropout,
  embedding,
  flatten,
  huber,
  l2Loss,
  layerNorm,
  linear,
  mlp,
  mse,
  multiHeadAttention,
  residual,
  sequential,
  sigmoidBinaryCrossEntropy,
  softmaxCrossEntropy,
  transformerBlock,
  type ActivationName,
  type AnyLayer,
  type ApplyOptions,
  type Initializer,
} from '@gen-ts/nn';
import { checkGrads } from '../support/check-grads.js';

const F64 = 'float64' as const;
/** A normal initializer, so biases and scales are generic (not exactly 0 or 1). */
const randn: Initializer = (k, shape, dtype) => normal(k, shape, { dtype });
const aroundOne: Initializer = (k, shape, dtype) => add(normal(k, shape, { dtype, stddev: 0.3 }), 1);

interface Case {
  layer: AnyLayer;
  inputShape: Shape;
  x: Tensor;
  apply?: ApplyOptions;
}

/**
 * Checks `(params..., x) -> layer.apply(params, x)`; for a stateful layer only the output (its new
 * state is stop-gradient by design). Resolves once both checks pass at `order`.
 */
async function checkLayer(c: Case, seed: number, label: string, order = 1): Promise<void> {
  const { params, state } = c.layer.init(key(seed), c.inputShape);
  const [leaves, def] = treeFlatten(params);
  const f = (...args: Tensor[]) => {
    const p = treeUnflatten(def, args.slice(0, leaves.length));
    const out: unknown = c.layer.apply(p, args[leaves.length]!, {
      ...c.apply,
      ...(c.layer.stateful ? { state } : {}),
    });
    return c.layer.stateful ? (out as [Tensor, unknown])[0] : out;
  };
  await checkGrads(f, [...leaves, c.x], { seed, label, order });
}

const x64 = (k: PRNGKey, shape: Shape) => normal(k, shape, { dtype: F64 });
/** Normal values pushed at least 0.25 away from 0. */
const awayFromZero = (k: PRNGKey, shape: Shape) => {
  const z = x64(k, shape);
  return add(z, mul(sign(z), 0.25));
};

const seedArb = fc.integer({ min: 0, max: 2 ** 30 });
const dim = (max: number) => fc.integer({ min: 1, max });
const runs = { numRuns: 25 };

describe('nn layers: gradient checks in float64', () => {
  it('linear (with and without bias) over batch and feature shapes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(dim(3), { minLength: 1, maxLength: 2 }),
        dim(4),
        dim(4),
        fc.boolean(),
        seedArb,
        async (lead, fin, fout, useBias, seed) => {
          const s = [...lead, fin];
          const layer = linear(fout, { dtype: F64, useBias, biasInit: randn });
          await checkLayer({ layer, inputShape: s, x: x64(key(seed + 1), s) }, seed, 'linear');
        },
      ),
      runs,
    );
  });

  it('mlp (tanh and gelu), and second order through it', async () => {
    await fc.assert(
      fc.asyncProperty(
        dim(3),
        dim(3),
        dim(3),
        fc.constantFrom('tanh', 'gelu'),
        seedArb,
        async (b, fin, h, act, seed) => {
          const layer = mlp([h, 2], { dtype: F64, activation: act as ActivationName, biasInit: randn });
          await checkLayer({ layer, inputShape: [b, fin], x: x64(key(seed + 1), [b, fin]) }, seed, 'mlp', 2);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('every activation layer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ACTIVATION_NAMES),
        fc.array(dim(3), { minLength: 1, maxLength: 3 }),
        seedArb,
        async (name, s, seed) => {
          const layer = activation(
            name,
            name === 'leakyRelu' ? { negativeSlope: 0.2 } : name === 'elu' ? { alpha: 1.5 } : {},
          );
          await checkLayer({ layer, inputShape: s, x: awayFromZero(key(seed), s) }, seed, name);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sequential (array and record) and residual', async () => {
    await fc.assert(
      fc.asyncProperty(dim(3), dim(3), seedArb, async (b, f, seed) => {
        const arr = sequential([
          linear(3, { dtype: F64, biasInit: randn }),
          activation('tanh'),
          linear(f, { dtype: F64 }),
        ]);
        await checkLayer({ layer: arr, inputShape: [b, f], x: x64(key(seed), [b, f]) }, seed, 'sequential[]');
        const rec = sequential({
          body: residual(sequential([linear(f, { dtype: F64 }), activation('gelu')])),
          head: linear(2, { dtype: F64 }),
        });
        await checkLayer({ layer: rec, inputShape: [b, f], x: x64(key(seed), [b, f]) }, seed, 'sequential{}');
      }),
      { numRuns: 15 },
    );
  });

  it('flatten and dropout (train mode, fixed key: linear in x)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(dim(3), { minLength: 2, maxLength: 4 }), seedArb, async (s, seed) => {
        const model = sequential([flatten(), linear(2, { dtype: F64 }), dropout(0.4)]);
        const x = x64(key(seed), s);
        await checkLayer(
          { layer: model, inputShape: s, x, apply: { train: true, key: key(seed + 7) } },
          seed,
          'flatten+dropout',
        );
      }),
      runs,
    );
  });

  it('layerNorm, and second order through it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(dim(3), { minLength: 1, maxLength: 2 }),
        dim(4),
        fc.boolean(),
        seedArb,
        async (lead, f, affine, seed) => {
          const s = [...lead, f];
          const layer = layerNorm({
            dtype: F64,
            useScale: affine,
            useBias: affine,
            scaleInit: aroundOne,
            biasInit: randn,
            epsilon: 0.1,
          });
          await checkLayer({ layer, inputShape: s, x: x64(key(seed), s) }, seed, 'layerNorm', affine ? 2 : 1);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('batchNorm in train mode (batch statistics) and eval mode (running statistics)', async () => {
    await fc.assert(
      fc.asyncProperty(
        dim(4).map((b) => b + 1),
        fc.array(dim(2), { maxLength: 2 }),
        dim(3),
        fc.boolean(),
        seedArb,
        async (b, mid, f, train, seed) => {
          const s = [b, ...mid, f];
          const layer = batchNorm({ dtype: F64, scaleInit: aroundOne, biasInit: randn, epsilon: 0.1 });
          await checkLayer(
            { layer, inputShape: s, x: x64(key(seed), s), apply: { train } },
            seed,
            `batchNorm(train=${train})`,
          );
        },
      ),
      runs,
    );
  });

  it('embedding (with respect to the table; the ids are held fixed)', async () => {
    await fc.assert(
      fc.asyncProperty(
        dim(5),
        dim(3),
        fc.array(dim(3), { minLength: 1, maxLength: 2 }),
        seedArb,
        async (v, d, s, seed) => {
          const ids = randint(key(seed), s, 0, v);
          await checkLayer(
            { layer: embedding(v, d, { dtype: F64 }), inputShape: s, x: ids },
            seed,
            'embedding',
          );
        },
      ),
      runs,
    );
  });

  it('multiHeadAttention with causal and key-padding masks, and second order', async () => {
    await fc.assert(
      fc.asyncProperty(
        dim(2),
        dim(3),
        dim(2),
        dim(2),
        fc.boolean(),
        fc.boolean(),
        seedArb,
        async (b, t, heads, hd, causal, padded, seed) => {
          const d = heads * hd;
          const layer = multiHeadAttention({ numHeads: heads, causal, dtype: F64, biasInit: randn });
          const mask = padded ? paddingMask(key(seed + 3), b, t) : undefined;
          const apply = mask ? { mask } : {};
          await checkLayer(
            { layer, inputShape: [b, t, d], x: x64(key(seed), [b, t, d]), apply },
            seed,
            'multiHeadAttention',
            seed % 3 === 0 ? 2 : 1,
          );
        },
      ),
      runs,
    );
  });

  it('transformerBlock (pre-LN), causal, with dropout in train mode under a fixed key', async () => {
    await fc.assert(
      fc.asyncProperty(dim(2), dim(3), dim(2), fc.boolean(), seedArb, async (b, t, heads, train, seed) => {
        const d = 2 * heads;
        const layer = transformerBlock({
          numHeads: heads,
          mlpDim: 3,
          causal: true,
          dropoutRate: 0.3,
          dtype: F64,
          biasInit: randn,
          epsilon: 0.1,
        });
        const apply = { train, key: key(seed + 5), mask: paddingMask(key(seed + 3), b, t) };
        await checkLayer(
          { layer, inputShape: [b, t, d], x: x64(key(seed), [b, t, d]), apply },
          seed,
          'transformerBlock',
        );
      }),
      { numRuns: 15 },
    );
  });
});

/** A `bool [B, T]` mask with the first position always real and later ones padding at random. */
function paddingMask(k: PRNGKey, b: number, t: number): Tensor {
  const [k1] = split(k, 1) as [PRNGKey];
  const lengths = randint(k1, [b], 1, t + 1).dataSync();
  const m: boolean[][] = Array.from({ length: b }, (_, i) =>
    Array.from({ length: t }, (_, j) => j < lengths[i]!),
  );
  return tensor(m, { dtype: 'bool' });
}

describe('nn losses: gradient checks in float64, to second order (GeN exact mode differentiates twice)', () => {
  const ids = (k: PRNGKey, shape: Shape, c: number) => randint(k, shape, 0, c);

  it('softmaxCrossEntropy with integer and probability labels, with and without smoothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        dim(3),
        dim(4).map((c) => c + 1),
        fc.constantFrom(0, 0.2),
        seedArb,
        async (b, c, eps, seed) => {
          const [k1, k2, k3] = split(key(seed), 3) as [PRNGKey, PRNGKey, PRNGKey];
          const z = normal(k1, [b, c], { dtype: F64, stddev: 2 });
          const y = ids(k2, [b], c);
          await checkGrads((l: Tensor) => softmaxCrossEntropy(l, y, { labelSmoothing: eps }), [z], {
            seed,
            label: 'softmaxCrossEntropy(ids)',
            order: 2,
          });
          // probabilities are differentiable too (distillation): check both arguments
          const p = softmax(normal(k3, [b, c], { dtype: F64 }));
          await checkGrads(
            (l: Tensor, t: Tensor) => softmaxCrossEntropy(l, t, { labelSmoothing: eps }),
            [z, p],
            {
              seed,
              label: 'softmaxCrossEntropy(probs)',
              order: 2,
            },
          );
        },
      ),
      { numRuns: 15 },
    );
  });

  it('sigmoidBinaryCrossEntropy, mse, huber (away from |e| = delta) and l2Loss', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(dim(3), { minLength: 1, maxLength: 2 }), seedArb, async (s, seed) => {
        const [k1, k2] = split(key(seed), 2) as [PRNGKey, PRNGKey];
        const z = normal(k1, s, { dtype: F64, stddev: 2 });
        const t = normal(k2, s, { dtype: F64 });
        const probs = sigmoid(t);
        const opts = { seed, order: 2 };
        await checkGrads((l: Tensor, y: Tensor) => sigmoidBinaryCrossEntropy(l, y), [z, probs], {
          ...opts,
          label: 'bce',
        });
        await checkGrads((p: Tensor, y: Tensor) => mse(p, y), [z, t], { ...opts, label: 'mse' });
        await checkGrads((p: Tensor, y: Tensor) => l2Loss(p, y), [z, t], { ...opts, label: 'l2Loss' });
        // e = p - t with |e| at least 0.25 from delta = 1, where the second derivative jumps
        const e0 = awayFromZero(k1, s);
        const e = where(less(abs(sub(abs(e0), 1)), 0.25), add(e0, mul(sign(e0), 0.5)), e0);
        const p = add(t, e);
        await checkGrads((q: Tensor, y: Tensor) => huber(q, y), [p, t], { ...opts, label: 'huber' });
      }),
      { numRuns: 15 },
    );
  });
});
