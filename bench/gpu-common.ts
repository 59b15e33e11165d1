/** Shared helpers of the gpu benchmarks: timing (median of repeats) and the MLP on gen-ts. */
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

/** Median milliseconds of `reps` runs of `fn` after `warmup` runs. */
export async function timeMs(fn: () => Promise<unknown>, reps: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

/** Something to time: a name and one run. */
export interface Contender {
  readonly name: string;
  run(): Promise<unknown>;
}

/**
 * Median ms per run of each contender, measured round-robin (every round runs each contender
 * once, after one warm-up round), so load from other processes hits all of them alike.
 */
export async function interleave(cs: readonly Contender[], rounds: number): Promise<Map<string, number>> {
  for (const c of cs) await c.run();
  const t = new Map<string, number[]>(cs.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of cs) {
      const s = performance.now();
      await c.run();
      t.get(c.name)!.push(performance.now() - s);
    }
  }
  return new Map(
    [...t].map(([n, v]) => {
      v.sort((a, b) => a - b);
      return [n, v[Math.floor(v.length / 2)]!];
    }),
  );
}

/** MLP parameters. */
export interface Mlp {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}

/** He-initialised parameters for `[in, hidden, out]`. */
export function initMlp([i, h, o]: [number, number, number], seed = 0): Mlp {
  const [k1, k2] = split(key(seed));
  return {
    w1: mul(normal(k1!, [i, h]), Math.sqrt(2 / i)),
    b1: zeros([h]),
    w2: mul(normal(k2!, [h, o]), Math.sqrt(1 / h)),
    b2: zeros([o]),
  };
}

function mlpLoss(p: Mlp, x: Tensor, y: Tensor): Tensor {
  const logits = add(matmul(relu(add(matmul(x, p.w1), p.b1)), p.w2), p.b2);
  return mean(neg(sum(mul(logSoftmax(logits, -1), oneHot(y, logits.shape[1]!)), -1)));
}

/** One SGD step (forward, backward, update); disposes the old parameters and the gradients. */
export function mlpStep(p: Mlp, x: Tensor, y: Tensor, lr = 0.05): { params: Mlp; loss: Tensor } {
  const [l, g] = valueAndGrad((q: Mlp) => mlpLoss(q, x, y))(p) as [Tensor, Mlp];
  const next = {
    w1: sub(p.w1, mul(g.w1, lr)),
    b1: sub(p.b1, mul(g.b1, lr)),
    w2: sub(p.w2, mul(g.w2, lr)),
    b2: sub(p.b2, mul(g.b2, lr)),
  };
  for (const t of [...Object.values(p), ...Object.values(g)] as Tensor[]) t.dispose();
  return { params: next, loss: l };
}

/** A deterministic batch on the current backend. */
export function mlpBatch(
  n: number,
  features: number,
  classes: number,
): { x: Tensor; y: Tensor; xs: Float32Array; ys: Int32Array } {
  const xs = Float32Array.from({ length: n * features }, (_, i) => ((i * 37) % 101) / 101);
  const ys = Int32Array.from({ length: n }, (_, i) => (i * 7) % classes);
  return { x: tensor(xs, { shape: [n, features] }), y: tensor(ys, { dtype: 'int32' }), xs, ys };
}
