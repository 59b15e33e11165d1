/**
 * The user-facing transforms, built from `jvp` and `vjp`: `grad`, `valueAndGrad`, `hvp`,
 * `jacfwd`, `jacrev`, `hessian`. All nest to any depth.
 */
import { isFloat } from '../dtype.js';
import { fromHost } from '../ops/creation.js';
import { onesLike } from '../ops/creation.js';
import { reshape, stack } from '../ops/movement.js';
import { allocArray } from '../dtype.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';
import { treeLeaves, type Tree } from '../tree.js';
import { jvp } from './jvp.js';
import { vjp, vjpWithAux } from './vjp.js';

/** Options of `grad` and `valueAndGrad`. */
export interface GradOptions {
  /** Which positional argument(s) to differentiate; default 0. An array gives a tuple of gradients. */
  argnums?: number | readonly number[];
  /** When true, `f` returns `[loss, aux]` and `aux` is passed through undifferentiated. */
  hasAux?: boolean;
}

function checkArgnums(op: string, argnums: number | readonly number[], nargs: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  if (list.length === 0) throw new Error(`${op}: argnums must not be empty`);
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= nargs) {
      throw new RangeError(`${op}: argnums ${a} is out of range for a call with ${nargs} argument(s)`);
    }
  }
  if (new Set(list).size !== list.length) throw new Error(`${op}: argnums [${list.join(',')}] has repeats`);
  return list;
}

/**
 * Returns a function computing `[value, gradient]` of a scalar-valued `f` (with `hasAux`,
 * `[[value, aux], gradient]`). The gradient has the structure of the differentiated argument(s).
 */
export function valueAndGrad(
  f: (...args: any[]) => any,
  options: GradOptions = {},
): (...args: any[]) => [any, any] {
  if (typeof f !== 'function') throw new TypeError(`valueAndGrad: f must be a function, got ${typeof f}`);
  const { argnums = 0, hasAux = false } = options;
  return (...args: any[]) => {
    const nums = checkArgnums('grad', argnums, args.length);
    for (const a of nums) {
      const leaves = treeLeaves(args[a]);
      if (leaves.length === 0 || !leaves.some((l) => isFloat(l.dtype))) {
        const what = leaves.length === 0 ? 'no tensors' : `only ${leaves[0]!.dtype} tensors`;
        throw new TypeError(`grad: argument ${a} has ${what}; only float tensors can be differentiated`);
      }
    }
    const g = (...diff: unknown[]): [Tensor, unknown] => {
      const full = args.slice();
      nums.forEach((a, i) => (full[a] = diff[i]));
      const r = f(...full);
      let y: unknown = r;
      let aux: unknown;
      if (hasAux) {
        if (!Array.isArray(r) || r.length !== 2)
          throw new Error('grad: with hasAux, f must return [value, aux]');
        [y, aux] = r;
      }
      if (!(y instanceof Tensor) || y.rank !== 0 || !isFloat(y.dtype)) {
        const got = y instanceof Tensor ? `${y.dtype}${fmt(y.shape)}` : typeof y;
        throw new TypeError(
          `grad: f must return a float scalar (shape []), got ${got}; use vjp for other outputs`,
        );
      }
      return [y, aux];
    };
    const [y, pullback, aux] = vjpWithAux(
      g,
      nums.map((a) => args[a]),
    );
    const grads = pullback(onesLike(y as Tensor));
    const gradOut = typeof argnums === 'number' ? grads[0] : grads;
    return [hasAux ? [y, aux] : y, gradOut];
  };
}

/** Returns a function computing the gradient of a scalar-valued `f` (with `hasAux`, `[gradient, aux]`). */
export function grad(f: (...args: any[]) => any, options: GradOptions = {}): (...args: any[]) => any {
  if (typeof f !== 'function') throw new TypeError(`grad: f must be a function, got ${typeof f}`);
  const vg = valueAndGrad(f, options);
  return (...args: any[]) => {
    const [v, g] = vg(...args);
    return options.hasAux ? [g, (v as [Tensor, unknown])[1]] : g;
  };
}

/**
 * Hessian-vector product `H(x) v` of a scalar-valued `f`, by forward-over-reverse
 * (`jvp` of `grad`): exact, one extra pass, no Hessian formed. `x` and `v` are pytrees.
 */
export function hvp<T extends Tree>(f: (x: T) => Tensor, x: T, v: T): T {
  return jvp((y: T) => grad(f)(y) as T, [x], [v])[1];
}

function basis(x: Tensor, i: number): Tensor {
  const a = allocArray(x.dtype, x.size);
  a[i] = 1;
  return fromHost(a, x.shape, x.dtype, x.backend);
}

function checkJacInput(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor) || !isFloat(x.dtype)) {
    throw new TypeError(`${op}: the differentiated argument must be a float Tensor`);
  }
}

/**
 * Jacobian by forward mode (one JVP per input element): for `f: [..in] -> [..out]` the result
 * has shape `[..out, ..in]`. Differentiates argument `argnum` (default 0), a single tensor.
 */
export function jacfwd(f: (...args: any[]) => Tensor, argnum = 0): (...args: any[]) => Tensor {
  return (...args: any[]) => {
    const x = args[argnum];
    checkJacInput('jacfwd', x);
    const g = (y: Tensor) => f(...args.slice(0, argnum), y, ...args.slice(argnum + 1));
    let outShape: readonly number[] = [];
    const cols: Tensor[] = [];
    for (let i = 0; i < x.size; i++) {
      const [y, t] = jvp(g, [x], [basis(x, i)]);
      outShape = y.shape;
      cols.push(reshape(t, [-1]));
    }
    if (cols.length === 0) throw new Error(`jacfwd: input of shape ${fmt(x.shape)} is empty`);
    return reshape(stack(cols, 1), [...outShape, ...x.shape]);
  };
}

/**
 * Jacobian by reverse mode (one VJP per output element): shape `[..out, ..in]`, like `jacfwd`.
 */
export function jacrev(f: (...args: any[]) => Tensor, argnum = 0): (...args: any[]) => Tensor {
  return (...args: any[]) => {
    const x = args[argnum];
    checkJacInput('jacrev', x);
    const [y, pullback] = vjp((z: Tensor) => f(...args.slice(0, argnum), z, ...args.slice(argnum + 1)), x);
    if (!(y instanceof Tensor)) throw new TypeError('jacrev: f must return a Tensor');
    if (y.size === 0) throw new Error(`jacrev: output of shape ${fmt(y.shape)} is empty`);
    const rows: Tensor[] = [];
    for (let i = 0; i < y.size; i++) rows.push(reshape(pullback(basis(y, i))[0] as Tensor, [-1]));
    return reshape(stack(rows, 0), [...y.shape, ...x.shape]);
  };
}

/** The Hessian of a scalar-valued `f`, as `jacfwd(jacrev(f))`: shape `[..in, ..in]`. */
export function hessian(f: (...args: any[]) => Tensor, argnum = 0): (...args: any[]) => Tensor {
  return jacfwd(jacrev(f, argnum), argnum);
}
