/** Matrix products and norms. */
import { bind } from '../bind.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkTensor } from './coerce.js';
import { abs, mul, pow, sqrt } from './elementwise.js';
import { expandDims, squeeze } from './movement.js';
import { max, sum, type Axis } from './reduce.js';

const NONE = {} as Record<string, never>;

/**
 * Matrix product with NumPy semantics: `[..., m, k] @ [..., k, n]` with batch dims broadcast;
 * a 1-d left operand is a row vector and a 1-d right operand a column vector (that axis is dropped).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', a, 'a');
  checkTensor('matmul', b, 'b');
  if (a.rank === 0 || b.rank === 0)
    throw new Error(`matmul: operands must be at least 1-d, got ${fmt(a.shape)} @ ${fmt(b.shape)}`);
  const va = a.rank === 1;
  const vb = b.rank === 1;
  let y = bind('matmul', [va ? expandDims(a, 0) : a, vb ? expandDims(b, 1) : b], NONE);
  if (va) y = squeeze(y, -2); // drop the row axis first: after dropping the column axis it would be -1
  if (vb) y = squeeze(y, -1);
  return y;
}

/** Inner product of two vectors (or `matmul` for higher ranks). */
export function dot(a: Tensor, b: Tensor): Tensor {
  return matmul(a, b);
}

/**
 * Vector p-norm over `axis` (all elements by default): `ord` 2 (default), 1, Infinity, or any p > 0.
 * The 2-norm's gradient at zero is NaN-free only away from the origin, as in NumPy/JAX.
 */
export function norm(x: Tensor, ord = 2, axis?: Axis, keepDims = false): Tensor {
  checkTensor('norm', x);
  if (ord === 2) return sqrt(sum(mul(x, x), axis, keepDims));
  if (ord === 1) return sum(abs(x), axis, keepDims);
  if (ord === Infinity) return max(abs(x), axis, keepDims);
  if (!(ord > 0)) throw new RangeError(`norm: ord must be > 0 or Infinity, got ${ord}`);
  return pow(sum(pow(abs(x), ord), axis, keepDims), 1 / ord);
}
