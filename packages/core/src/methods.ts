/**
 * Method sugar on Tensor: `x.add(y)` is `add(x, y)`. Declared here (by interface merging) rather
 * than in the class so the ops and the class do not import each other at load time.
 */
import type { DType } from './dtype.js';
import * as el from './ops/elementwise.js';
import type { TensorLike } from './ops/coerce.js';
import * as lin from './ops/linalg.js';
import * as mv from './ops/movement.js';
import * as nn from './ops/nn.js';
import * as red from './ops/reduce.js';
import { Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    /** `add(this, y)`. */ add(y: TensorLike): Tensor;
    /** `sub(this, y)`. */ sub(y: TensorLike): Tensor;
    /** `mul(this, y)`. */ mul(y: TensorLike): Tensor;
    /** `div(this, y)`. */ div(y: TensorLike): Tensor;
    /** `pow(this, y)`. */ pow(y: TensorLike): Tensor;
    /** `maximum(this, y)`. */ maximum(y: TensorLike): Tensor;
    /** `minimum(this, y)`. */ minimum(y: TensorLike): Tensor;
    /** `neg(this)`. */ neg(): Tensor;
    /** `exp(this)`. */ exp(): Tensor;
    /** `log(this)`. */ log(): Tensor;
    /** `sin(this)`. */ sin(): Tensor;
    /** `cos(this)`. */ cos(): Tensor;
    /** `tanh(this)`. */ tanh(): Tensor;
    /** `sqrt(this)`. */ sqrt(): Tensor;
    /** `abs(this)`. */ abs(): Tensor;
    /** `sign(this)`. */ sign(): Tensor;
    /** `square(this)`. */ square(): Tensor;
    /** `sigmoid(this)`. */ sigmoid(): Tensor;
    /** `relu(this)`. */ relu(): Tensor;
    /** `less(this, y)`. */ less(y: TensorLike): Tensor;
    /** `greater(this, y)`. */ greater(y: TensorLike): Tensor;
    /** `equal(this, y)`. */ equal(y: TensorLike): Tensor;
    /** `sum(this, axis, keepDims)`. */ sum(axis?: red.Axis, keepDims?: boolean): Tensor;
    /** `mean(this, axis, keepDims)`. */ mean(axis?: red.Axis, keepDims?: boolean): Tensor;
    /** `max(this, axis, keepDims)`. */ max(axis?: red.Axis, keepDims?: boolean): Tensor;
    /** `min(this, axis, keepDims)`. */ min(axis?: red.Axis, keepDims?: boolean): Tensor;
    /** `argmax(this, axis)`. */ argmax(axis?: number): Tensor;
    /** `matmul(this, y)`. */ matmul(y: Tensor): Tensor;
    /** `reshape(this, shape)`. */ reshape(shape: readonly number[]): Tensor;
    /** `transpose(this, perm)`. */ transpose(perm?: readonly number[]): Tensor;
    /** `expandDims(this, axis)`. */ expandDims(axis: number): Tensor;
    /** `squeeze(this, axis)`. */ squeeze(axis?: number | readonly number[]): Tensor;
    /** `broadcastTo(this, shape)`. */ broadcastTo(shape: readonly number[]): Tensor;
    /** `cast(this, dtype)`. */ cast(dtype: DType): Tensor;
  }
}

/** Each method forwards `this` as the first argument of the function of the same name. */
const methods: Record<string, (x: Tensor, ...rest: any[]) => Tensor> = {
  add: el.add,
  sub: el.sub,
  mul: el.mul,
  div: el.div,
  pow: el.pow,
  maximum: el.maximum,
  minimum: el.minimum,
  neg: el.neg,
  exp: el.exp,
  log: el.log,
  sin: el.sin,
  cos: el.cos,
  tanh: el.tanh,
  sqrt: el.sqrt,
  abs: el.abs,
  sign: el.sign,
  square: el.square,
  sigmoid: nn.sigmoid,
  relu: nn.relu,
  less: el.less,
  greater: el.greater,
  equal: el.equal,
  sum: red.sum,
  mean: red.mean,
  max: red.max,
  min: red.min,
  argmax: red.argmax,
  matmul: lin.matmul,
  reshape: mv.reshape,
  transpose: mv.transpose,
  expandDims: mv.expandDims,
  squeeze: mv.squeeze,
  broadcastTo: mv.broadcastTo,
  cast: el.cast,
};

for (const [name, f] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...rest: unknown[]) {
      return f(this, ...rest);
    },
    writable: true,
    configurable: true,
  });
}
