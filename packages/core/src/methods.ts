/**
 * Method sugar on Tensor: `x.add(y)` is `add(x, y)`. Declared here (by interface merging) rather
 * than in the class so the ops and the class do not import each other at load time. Every unary
 * and binary primitive gets its method from the primitive tables: its type is the public
 * function's with the first argument dropped (so a row without a public function of the same name
 * fails `tsc`). The other methods (composites, ops with options) are listed by hand.
 */
import type { DType } from './dtype.js';
import * as el from './ops/elementwise.js';
import type { TensorLike } from './ops/coerce.js';
import * as lin from './ops/linalg.js';
import * as mv from './ops/movement.js';
import * as nn from './ops/nn.js';
import * as red from './ops/reduce.js';
import { BINARY, UNARY, type BinaryOp, type UnaryOp } from './prims/elementwise.js';
import { Tensor } from './tensor.js';

/** A function of a tensor as a method: the first parameter becomes `this`. */
type AsMethod<F> = F extends (x: never, ...rest: infer R) => Tensor ? (...rest: R) => Tensor : never;

/** `x.op(...)` for every unary and binary primitive, typed (and documented) by its public function. */
type PrimitiveMethods = {
  [K in keyof Pick<typeof el, UnaryOp | BinaryOp>]: AsMethod<(typeof el)[K]>;
};

declare module './tensor.js' {
  interface Tensor extends PrimitiveMethods {
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

const derived = [...Object.keys(UNARY), ...Object.keys(BINARY)] as (UnaryOp | BinaryOp)[];

/** Each method forwards `this` as the first argument of the function of the same name. */
const methods: Record<string, (x: Tensor, ...rest: any[]) => Tensor> = {
  ...Object.fromEntries(derived.map((name) => [name, el[name]])),
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
