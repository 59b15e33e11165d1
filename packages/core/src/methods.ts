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

const P = Tensor.prototype;
P.add = function (y) { return el.add(this, y); };
P.sub = function (y) { return el.sub(this, y); };
P.mul = function (y) { return el.mul(this, y); };
P.div = function (y) { return el.div(this, y); };
P.pow = function (y) { return el.pow(this, y); };
P.maximum = function (y) { return el.maximum(this, y); };
P.minimum = function (y) { return el.minimum(this, y); };
P.neg = function () { return el.neg(this); };
P.exp = function () { return el.exp(this); };
P.log = function () { return el.log(this); };
P.sin = function () { return el.sin(this); };
P.cos = function () { return el.cos(this); };
P.tanh = function () { return el.tanh(this); };
P.sqrt = function () { return el.sqrt(this); };
P.abs = function () { return el.abs(this); };
P.sign = function () { return el.sign(this); };
P.square = function () { return el.square(this); };
P.sigmoid = function () { return nn.sigmoid(this); };
P.relu = function () { return nn.relu(this); };
P.less = function (y) { return el.less(this, y); };
P.greater = function (y) { return el.greater(this, y); };
P.equal = function (y) { return el.equal(this, y); };
P.sum = function (axis, keepDims) { return red.sum(this, axis, keepDims); };
P.mean = function (axis, keepDims) { return red.mean(this, axis, keepDims); };
P.max = function (axis, keepDims) { return red.max(this, axis, keepDims); };
P.min = function (axis, keepDims) { return red.min(this, axis, keepDims); };
P.argmax = function (axis) { return red.argmax(this, axis); };
P.matmul = function (y) { return lin.matmul(this, y); };
P.reshape = function (shape) { return mv.reshape(this, shape); };
P.transpose = function (perm) { return mv.transpose(this, perm); };
P.expandDims = function (axis) { return mv.expandDims(this, axis); };
P.squeeze = function (axis) { return mv.squeeze(this, axis); };
P.broadcastTo = function (shape) { return mv.broadcastTo(this, shape); };
P.cast = function (dtype) { return el.cast(this, dtype); };
