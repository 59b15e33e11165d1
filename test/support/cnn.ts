/**
 * The benchmark CNN on MNIST-shaped input, in core ops only (so the gpu.js and cpu backends run
 * exactly the same primitives): conv 3x3x32 + relu, 2x2 max pool, conv 3x3x64 + relu, 2x2 max
 * pool, dense 10, softmax cross-entropy; 'valid' convolutions as in Keras's MNIST example
 * (28 -> 26 -> 13 -> 11 -> 5, so the dense layer sees 5 * 5 * 64 = 1600 features).
 */
import {
  add,
  conv,
  key,
  logSoftmax,
  matmul,
  maxPool,
  mean,
  mul,
  neg,
  normal,
  oneHot,
  relu,
  reshape,
  split,
  sub,
  sum,
  tensor,
  valueAndGrad,
  zeros,
  type Tensor,
} from '@gen-ts/core';

/** The CNN's parameters (kernels HWIO). */
export interface CnnParams {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
  wd: Tensor;
  bd: Tensor;
}

/** He-normal kernels and zero biases, on the current backend. */
export function initCnn(seed = 0, dtype: 'float32' | 'float64' = 'float32'): CnnParams {
  const [k1, k2, k3] = split(key(seed), 3);
  const he = (k: typeof k1, shape: number[], fanIn: number) =>
    mul(normal(k!, shape, { dtype }), Math.sqrt(2 / fanIn));
  return {
    w1: he(k1, [3, 3, 1, 32], 9),
    b1: zeros([32], { dtype }),
    w2: he(k2, [3, 3, 32, 64], 288),
    b2: zeros([64], { dtype }),
    wd: he(k3, [1600, 10], 1600),
    bd: zeros([10], { dtype }),
  };
}

/** Logits `[N, 10]` for images `[N, 28, 28, 1]`. */
export function cnnLogits(p: CnnParams, x: Tensor): Tensor {
  const h1 = maxPool(relu(add(conv(x, p.w1), p.b1)), 2);
  const h2 = maxPool(relu(add(conv(h1, p.w2), p.b2)), 2);
  return add(matmul(reshape(h2, [x.shape[0]!, -1]), p.wd), p.bd);
}

/** Mean softmax cross-entropy on a batch. */
export function cnnLoss(p: CnnParams, x: Tensor, labels: Tensor): Tensor {
  const logits = cnnLogits(p, x);
  return mean(neg(sum(mul(logSoftmax(logits, -1), oneHot(labels, 10, logits.dtype)), -1)));
}

/** One SGD step; disposes the old parameters and the gradients. */
export function cnnStep(
  p: CnnParams,
  x: Tensor,
  labels: Tensor,
  lr: number,
): { params: CnnParams; loss: Tensor } {
  const [l, g] = valueAndGrad((q: CnnParams) => cnnLoss(q, x, labels))(p) as [Tensor, CnnParams];
  const next = Object.fromEntries(
    (Object.keys(p) as (keyof CnnParams)[]).map((k) => [k, sub(p[k], mul(g[k], lr))]),
  ) as unknown as CnnParams;
  for (const t of [...Object.values(p), ...Object.values(g)] as Tensor[]) t.dispose();
  return { params: next, loss: l };
}

/** A deterministic MNIST-shaped batch: pixels in [0, 1) and labels 0-9, with their host arrays. */
export function cnnBatch(n: number): { x: Tensor; y: Tensor; xs: Float32Array; ys: Int32Array } {
  const xs = Float32Array.from({ length: n * 784 }, (_, i) => ((i * 37) % 101) / 101);
  const ys = Int32Array.from({ length: n }, (_, i) => (i * 7) % 10);
  return { x: tensor(xs, { shape: [n, 28, 28, 1] }), y: tensor(ys, { dtype: 'int32' }), xs, ys };
}
