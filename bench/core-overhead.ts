/**
 * @gen-ts/core on its cpu backend against TensorFlow.js (tfjs-backend-cpu and -wasm), same process:
 *  1. per-op dispatch overhead on tiny tensors (µs per op), eagerly and under a `grad` trace;
 *  2. the cost of `valueAndGrad` over the plain forward pass of an MLP-sized loss.
 * Run: npx tsx bench/core-overhead.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs'; // registers the gradients (tfjs-core alone has none)
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  add,
  exp,
  grad,
  key,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  normal,
  randint,
  relu,
  split,
  sum,
  take,
  tensor,
  valueAndGrad,
  type Tensor,
} from '@gen-ts/core';
import * as jax from '@jax-js/jax';
import { compare, row } from './harness.js';

const OPS = 1000; // ops per timed invocation

async function tinyOps(): Promise<string[]> {
  const a = tensor([1, 2, 3, 4]);
  const b = tensor([0.5, 0.25, 2, 1]);
  const a64 = tensor([1, 2, 3, 4], { dtype: 'float64' });
  const b64 = tensor([0.5, 0.25, 2, 1], { dtype: 'float64' });
  const lines: string[] = [];
  const contenders = (backend: string, ta: tf.Tensor, tb: tf.Tensor) => [
    {
      name: 'gen-ts add f32',
      run: () => {
        for (let i = 0; i < OPS; i++) add(a, b);
      },
    },
    {
      name: 'gen-ts add f64',
      run: () => {
        for (let i = 0; i < OPS; i++) add(a64, b64);
      },
    },
    {
      name: 'gen-ts exp f32',
      run: () => {
        for (let i = 0; i < OPS; i++) exp(a);
      },
    },
    {
      name: 'gen-ts add under grad',
      run: () => {
        grad((x: Tensor) => {
          let y = x;
          for (let i = 0; i < OPS; i++) y = add(y, b);
          return sum(y);
        })(a);
      },
    },
    {
      name: `tfjs-${backend} add`,
      run: () => {
        tf.tidy(() => {
          for (let i = 0; i < OPS; i++) tf.add(ta, tb);
        });
      },
    },
    {
      name: `tfjs-${backend} exp`,
      run: () => {
        tf.tidy(() => {
          for (let i = 0; i < OPS; i++) tf.exp(ta);
        });
      },
    },
  ];
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    await tf.ready();
    const ta = tf.tensor1d([1, 2, 3, 4]);
    const tb = tf.tensor1d([0.5, 0.25, 2, 1]);
    const res = await compare(contenders(backend, ta, tb), 15, 3);
    for (const [name, ms] of res) {
      if (backend === 'wasm' && name.startsWith('gen-ts')) continue; // measured with the cpu round
      lines.push(row([name, (ms * 1000) / OPS]));
    }
  }
  // jax-js, eager (no jit), on its wasm device; `.ref` keeps the operands alive (move semantics)
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  const ja = jax.numpy.array([1, 2, 3, 4]);
  const jb = jax.numpy.array([0.5, 0.25, 2, 1]);
  const jres = await compare(
    [
      {
        name: 'jax-js (wasm, eager) add',
        run: () => {
          for (let i = 0; i < OPS; i++) jax.numpy.add(ja.ref, jb.ref).dispose();
        },
      },
    ],
    10,
    5,
  );
  for (const [name, ms] of jres) lines.push(row([name, (ms * 1000) / OPS]));
  return lines;
}

async function mlpGradOverhead(): Promise<string[]> {
  const [k1, k2, k3, k4] = split(key(0), 4);
  const B = 64;
  const params = {
    w1: mul(normal(k1!, [784, 128]), 0.05),
    b1: normal(k2!, [128]),
    w2: mul(normal(k3!, [128, 10]), 0.1),
  };
  const x = normal(k4!, [B, 784]);
  const y = randint(key(5), [B], 0, 10);
  const loss = (p: typeof params) => {
    const h = relu(add(matmul(x, p.w1), p.b1));
    const lp = logSoftmax(matmul(h, p.w2));
    return neg(
      mean(
        take(
          lp.reshape([-1]),
          add(
            mul(
              tensor(
                Array.from({ length: B }, (_, i) => i),
                { dtype: 'int32' },
              ),
              10,
            ),
            y,
          ),
        ),
      ),
    );
  };
  const vg = valueAndGrad(loss);
  // tfjs: the same loss
  await tf.setBackend('cpu');
  const tw1 = tf.tensor2d(params.w1.dataSync() as Float32Array, [784, 128]);
  const tb1 = tf.tensor1d(params.b1.dataSync() as Float32Array);
  const tw2 = tf.tensor2d(params.w2.dataSync() as Float32Array, [128, 10]);
  const tx = tf.tensor2d(x.dataSync() as Float32Array, [B, 784]);
  const ty = tf.oneHot(tf.tensor1d(y.dataSync() as Int32Array, 'int32'), 10);
  const tloss = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor) =>
    tf.neg(
      tf.mean(tf.sum(tf.mul(tf.logSoftmax(tf.matMul(tf.relu(tf.add(tf.matMul(tx, w1), b1)), w2)), ty), 1)),
    ) as tf.Scalar;
  const tvg = tf.valueAndGrads(tloss);
  const res = await compare(
    [
      { name: 'gen-ts forward', run: () => void loss(params) },
      { name: 'gen-ts valueAndGrad', run: () => void vg(params) },
      { name: 'tfjs-cpu forward', run: () => tf.tidy(() => void tloss(tw1, tb1, tw2)) },
      {
        name: 'tfjs-cpu valueAndGrads',
        run: () =>
          tf.tidy(() => {
            tvg([tw1, tb1, tw2]);
          }),
      },
    ],
    15,
    3,
  );
  const f = res.get('gen-ts forward')!;
  const g = res.get('gen-ts valueAndGrad')!;
  const tfF = res.get('tfjs-cpu forward')!;
  const tfG = res.get('tfjs-cpu valueAndGrads')!;
  return [
    row(['gen-ts (cpu backend, f32)', f, g, g / f]),
    row(['tfjs-cpu', tfF, tfG, tfG / tfF]),
    row(['gen-ts / tfjs-cpu', f / tfF, g / tfG, '']),
  ];
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${new Date().toISOString()}\n`);
  console.log('Per-op overhead on 4-element tensors (median of 15 rounds of 1000 ops):\n');
  console.log(row(['op', 'µs/op']));
  console.log(row(['---', '---']));
  for (const l of await tinyOps()) console.log(l);
  console.log('\nMLP loss 784-128-10, batch 64, float32 (median ms):\n');
  console.log(row(['', 'forward ms', 'value+grad ms', 'grad/forward']));
  console.log(row(['---', '---', '---', '---']));
  for (const l of await mlpGradOverhead()) console.log(l);
}

await main();
