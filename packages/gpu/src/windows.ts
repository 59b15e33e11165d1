/**
 * Convolutions, windowed ops and random draws: each turns a core kernel call into generator names
 * and arguments (see `kernels/window.ts` and `kernels/random.ts`), after the edge cases that need
 * no kernel. A convolution is an im2col kernel followed by the backend's own matrix product (the
 * blocked one on webasm), so it is as fast as the products are.
 */
import {
  bernoulliThresholds,
  checkTaps,
  everyWindowReadsInput,
  sizeOf,
  windowAxes,
  type ConvGeometry,
  type DType,
  type Shape,
  type TensorInfo,
  type WindowGeometry,
  type WindowOp,
} from '@gen-ts/core';
import { checkDType, type Device } from './buffers.js';
import type { RandomArith } from './kernels/random.js';
import { randomInput } from './kernels/random.js';
import { indexCheck, matmul } from './ops.js';
import { Handle } from './store.js';
import { contiguous, transpose } from './views.js';

/** Channels-last `conv(x, w)`: im2col, then one (batched, for groups) product. */
export function conv(d: Device, x: TensorInfo, w: TensorInfo, g: ConvGeometry, out: Shape): Handle {
  const n = x.shape.length - 2;
  const kernel = w.shape.slice(0, n);
  const G = g.featureGroupCount;
  const O = w.shape[n + 1]!;
  const row = sizeOf(kernel) * w.shape[n]!;
  const M = sizeOf(out.slice(0, n + 1));
  if (sizeOf(out) === 0) return d.empty();
  if (row === 0) return d.fill(sizeOf(out), 0);
  // handles of our own on the patches and the kernel (seen as a matrix), released below
  const patches = new Handle(d.engine.kernel('im2col', [x.shape, kernel, g, out], [contiguous(d, x)]));
  const wk = new Handle(contiguous(d, w).ref());
  const dtype = x.dtype;
  try {
    if (G === 1)
      return matmul(d, { shape: [M, row], dtype, buf: patches }, { shape: [row, O], dtype, buf: wk }, [M, O]);
    // the kernel [row, G, O/G] group-major, the product [G, M, O/G] back to [M, G, O/G]
    const wg = transpose(d, { shape: [row, G, O / G], dtype, buf: wk }, [1, 0, 2]);
    const y = matmul(
      d,
      { shape: [G, M, row], dtype, buf: patches },
      { shape: [G, row, O / G], dtype, buf: wg },
      [G, M, O / G],
    );
    const res = transpose(d, { shape: [G, M, O / G], dtype, buf: y }, [1, 0, 2]);
    d.dispose({ shape: [], dtype, buf: wg });
    d.dispose({ shape: [], dtype, buf: y });
    return res;
  } finally {
    patches.release();
    wk.release();
  }
}

/** `op` over every window of `x` (holes add 0 and never win a max). */
export function reduceWindow(d: Device, op: WindowOp, x: TensorInfo, g: WindowGeometry, out: Shape): Handle {
  const size = sizeOf(out);
  if (size === 0) return d.empty();
  if (sizeOf(x.shape) === 0) return d.fill(size, op === 'max' ? -Infinity : 0);
  const holes = !windowAxes(x.shape, g).every(everyWindowReadsInput);
  const inputs = [contiguous(d, x)];
  // -Infinity for windows of holes only, as data: no kernel literal spells it
  const negInf = op === 'max' && holes ? d.engine.upload(Float32Array.of(-Infinity)) : null;
  if (negInf) inputs.push(negInf);
  const store = d.engine.kernel('reduceWindow', [op, x.shape, g, out, holes], inputs);
  negInf?.unref();
  if (op === 'argmax') store.indexBound = sizeOf(g.window); // taps, in range by construction
  return d.wrap(store);
}

/** `out[o] = x` at window `o`'s tap `idx[o]` (0 at holes). */
export function windowGather(
  d: Device,
  x: TensorInfo,
  idx: TensorInfo,
  g: WindowGeometry,
  out: Shape,
): Handle {
  if (sizeOf(out) === 0) return d.empty();
  const t = contiguous(d, idx);
  const check = indexCheck('windowGather', t, sizeOf(g.window), checkTaps);
  if (sizeOf(x.shape) === 0) return d.fill(sizeOf(out), 0);
  return d.kernel('windowGather', [x.shape, g, out], [contiguous(d, x), t], check && ((v) => check(v[1]!)));
}

/** Zeros of `out` plus `upd[o]` at window `o`'s tap `idx[o]`: the transpose of `windowGather`. */
export function windowScatter(
  d: Device,
  idx: TensorInfo,
  upd: TensorInfo,
  g: WindowGeometry,
  out: Shape,
): Handle {
  if (sizeOf(out) === 0) return d.empty();
  const t = contiguous(d, idx);
  const check = indexCheck('windowScatter', t, sizeOf(g.window), checkTaps);
  if (sizeOf(idx.shape) === 0) return d.fill(sizeOf(out), 0);
  return d.kernel(
    'windowScatter',
    [out, g, idx.shape],
    [t, contiguous(d, upd)],
    check && ((v) => check(v[0]!)),
  );
}

/** Threads count in float32 (the thread index); more elements than it holds exactly are refused. */
const MAX_DRAW = 2 ** 24;

/** Threefry on the device: only the key (and bernoulli's thresholds), a few numbers, go up. */
function random(
  d: Device,
  arith: RandomArith,
  draw: 'uniform' | 'bernoulli',
  key: readonly [number, number],
  n: number,
  thresholds: readonly (readonly [number, number])[],
): Handle {
  if (n === 0) return d.empty();
  if (n > MAX_DRAW)
    throw new RangeError(
      `${d.name}: ${draw} of ${n} elements exceeds 2^24, the counters a float32 thread index holds`,
    );
  const input = d.engine.upload(randomInput(key, thresholds));
  const h = d.kernel('random', [draw, arith, n], [input]);
  input.unref();
  return h;
}

/** float32 uniforms in [0, 1), 24 random bits each. */
export function randomUniform(
  d: Device,
  arith: RandomArith,
  key: readonly [number, number],
  shape: Shape,
  dtype: DType,
): Handle {
  checkDType(`${d.name} uniform`, dtype);
  return random(d, arith, 'uniform', key, sizeOf(shape), []);
}

/** `bool`s, true where the 53-bit uniform is below `p`. */
export function randomBernoulli(
  d: Device,
  arith: RandomArith,
  key: readonly [number, number],
  p: number,
  shape: Shape,
): Handle {
  const t = bernoulliThresholds(p);
  return random(d, arith, 'bernoulli', key, sizeOf(shape), [t.below, t.upto, t.second]);
}
