/**
 * Forward mode. A JVP tracer pairs a primal with a tangent (null = zero). Each primitive applied
 * to one computes the primal at the level below and the output tangent with the primitive's JVP
 * rule, whose ops are themselves traced by any enclosing transform.
 */
import { bind, nextLevel, withTrace, type Trace } from '../bind.js';
import { isFloat } from '../dtype.js';
import { zerosLike } from '../ops/creation.js';
import { rules } from '../prims/index.js';
import type { PrimName, PrimParams } from '../prims/types.js';
import { fmt, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { treeDefEqual, treeDefString, treeFlatten, treeUnflatten, type Tree } from '../tree.js';

/** @internal */
export class JvpTracer extends Tensor {
  constructor(
    readonly trace: JvpTrace,
    readonly primal: Tensor,
    readonly tangent: Tensor | null,
  ) {
    super(primal.shape, primal.dtype, null, null, trace.level);
  }
  override concrete(): Tensor {
    return this.primal.concrete();
  }
}

/** @internal */
export class JvpTrace implements Trace {
  constructor(readonly level: number) {}

  process<P extends PrimName>(name: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor {
    const n = inputs.length;
    const primals = new Array<Tensor>(n);
    const tangents = new Array<Tensor | null>(n);
    let anyTangent = false;
    for (let i = 0; i < n; i++) {
      const x = inputs[i]!;
      if (x.level === this.level) {
        if (!(x instanceof JvpTracer) || x.trace !== this) throw escaped(name);
        primals[i] = x.primal;
        tangents[i] = x.tangent;
        if (x.tangent !== null) anyTangent = true;
      } else {
        primals[i] = x;
        tangents[i] = null;
      }
    }
    const out = bind(name, primals, params);
    if (!anyTangent || !isFloat(out.dtype)) return out;
    const t = rules[name].jvp(tangents, primals, out, params);
    if (t === null) return out;
    checkRuleOutput(name, 'JVP', 'output tangent', t, out);
    return new JvpTracer(this, out, t);
  }
}

/**
 * @internal A rule's result must have the shape and dtype of the value it is the derivative of:
 * checked on every application, so a rule that forgets to broadcast (or to sum back) fails at once,
 * naming the primitive, instead of giving a silently wrong tangent or gradient further on.
 */
export function checkRuleOutput(name: string, rule: string, what: string, got: Tensor, like: Tensor): void {
  if (got.dtype !== like.dtype || !shapesEqual(got.shape, like.shape)) {
    throw new Error(
      `${name}: internal error: the ${rule} rule's ${what} is ${got.dtype}${fmt(got.shape)}, expected ${like.dtype}${fmt(like.shape)}`,
    );
  }
}

/** @internal */
export function escaped(op: string): Error {
  return new Error(
    `${op}: a tracer escaped the transform that created it (it was used after that transform returned)`,
  );
}

/**
 * Forward-mode derivative: evaluates `f(...primals)` and its directional derivative along
 * `tangents` (same structure, shapes and dtypes as `primals`). Returns `[out, tangentOut]`.
 * Tangents of non-float leaves are ignored.
 */
export function jvp<Out extends Tree>(
  f: (...args: any[]) => Out,
  primals: readonly unknown[],
  tangents: readonly unknown[],
): [Out, Out] {
  if (typeof f !== 'function') throw new TypeError('jvp: f must be a function');
  if (!Array.isArray(primals) || !Array.isArray(tangents)) {
    throw new TypeError('jvp: primals and tangents must be arrays of arguments, e.g. jvp(f, [x], [v])');
  }
  const [px, pdef] = treeFlatten(primals);
  const [tx, tdef] = treeFlatten(tangents);
  if (!treeDefEqual(pdef, tdef)) {
    throw new Error(`jvp: tangents have structure ${treeDefString(tdef)}, primals ${treeDefString(pdef)}`);
  }
  px.forEach((p, i) => {
    const t = tx[i]!;
    if (!shapesEqual(p.shape, t.shape) || (isFloat(p.dtype) && p.dtype !== t.dtype)) {
      throw new Error(
        `jvp: tangent ${t.dtype}${fmt(t.shape)} does not match primal ${p.dtype}${fmt(p.shape)}`,
      );
    }
  });
  const trace = new JvpTrace(nextLevel());
  const outs = withTrace(trace, () => {
    const args = treeUnflatten<unknown[]>(
      pdef,
      px.map((p, i) => (isFloat(p.dtype) ? new JvpTracer(trace, p, tx[i]!) : p)),
    );
    return f(...args);
  });
  const [ox, odef] = treeFlatten(outs);
  const primalsOut = ox.map((o) => (o instanceof JvpTracer && o.trace === trace ? o.primal : o));
  const tangentsOut = ox.map((o) =>
    o instanceof JvpTracer && o.trace === trace ? (o.tangent ?? zerosLike(o)) : zerosLike(o),
  );
  return [treeUnflatten<Out>(odef, primalsOut), treeUnflatten<Out>(odef, tangentsOut)];
}
