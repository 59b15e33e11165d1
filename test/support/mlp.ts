/** A small MLP and its SGD step, shared by the gpu.js training tests and the gpu benchmarks. */
import {
  add,
  key,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  normal,
  oneHot,
  relu,
  split,
  sub,
  sum,
  tensor,
  valueAndGrad,
  zeros,
  type Tensor,
} from '@gen-ts/core';

/** The parameters of a two-layer MLP. */
export interface Params {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}

/** Random parameters for `sizes = [in, hidden, out]` (created on the current backend). */
export function initParams(
  sizes: [number, number, number],
  seed = 0,
  dtype: 'float32' | 'float64' = 'float32',
): Params {
  const [k1, k2] = split(key(seed));
  const [i, h, o] = sizes;
  return {
    w1: mul(normal(k1!, [i, h], { dtype }), Math.sqrt(2 / i)),
    b1: zeros([h], { dtype }),
    w2: mul(normal(k2!, [h, o], { dtype }), Math.sqrt(1 / h)),
    b2: zeros([o], { dtype }),
  };
}

/** Mean softmax cross-entropy of the MLP on a batch. */
export function loss(p: Params, x: Tensor, labels: Tensor): Tensor {
  const hidden = relu(add(matmul(x, p.w1), p.b1));
  const logits = add(matmul(hidden, p.w2), p.b2);
  const onehot = oneHot(labels, logits.shape[1]!, logits.dtype);
  return mean(neg(sum(mul(logSoftmax(logits, -1), onehot), -1)));
}

/** One SGD step; disposes the old parameters and the gradients (intermediates are left to GC). */
export function sgdStep(p: Params, x: Tensor, labels: Tensor, lr: number): { params: Params; loss: Tensor } {
  const [l, g] = valueAndGrad((q: Params) => loss(q, x, labels))(p) as [Tensor, Params];
  const next: Params = {
    w1: sub(p.w1, mul(g.w1, lr)),
    b1: sub(p.b1, mul(g.b1, lr)),
    w2: sub(p.w2, mul(g.w2, lr)),
    b2: sub(p.b2, mul(g.b2, lr)),
  };
  for (const t of [...Object.values(p), ...Object.values(g)] as Tensor[]) t.dispose();
  return { params: next, loss: l };
}

/** A deterministic batch: inputs in [-1, 1) and labels in [0, classes), with their host arrays. */
export function batch(
  n: number,
  features: number,
  classes: number,
  dtype: 'float32' | 'float64' = 'float32',
): { x: Tensor; y: Tensor; xs: Float32Array; ys: Int32Array } {
  const xs = Float32Array.from({ length: n * features }, (_, i) => ((i * 37) % 101) / 50.5 - 1);
  const ys = Int32Array.from({ length: n }, (_, i) => (i * 7) % classes);
  return { x: tensor(xs, { shape: [n, features], dtype }), y: tensor(ys, { dtype: 'int32' }), xs, ys };
}
