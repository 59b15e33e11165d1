/**
 * Reverse mode. While `f` runs, every primitive applied to a VJP tracer is recorded on a tape
 * (its inputs' primals, its output, and which tape entries fed it). The returned function walks the
 * tape backwards through the primitives' VJP rules. The rules use ordinary ops, so the backward
 * pass is itself differentiable by any enclosing transform.
 */
import { bind, nextLevel, withTrace, type Trace } from '../bind.js';
import { isFloat } from '../dtype.js';
import { zerosLike } from '../ops/creation.js';
import { add } from '../ops/elementwise.js';
import { rules } from '../prims/index.js';
import type { PrimName, PrimParams } from '../prims/types.js';
import { fmt, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { treeDefEqual, treeDefString, treeFlatten, treeUnflatten, type Tree } from '../tree.js';
import { checkRuleOutput, escaped } from './jvp.js';

interface TapeEntry {
  /** null for an input of `f`. */
  readonly name: PrimName | null;
  readonly params: unknown;
  readonly primals: readonly Tensor[];
  readonly out: Tensor;
  /** Tape index of each input, or -1 for a constant (not a tracer of this trace). */
  readonly parents: readonly number[];
}

/** @internal */
export class VjpTracer extends Tensor {
  constructor(
    readonly trace: VjpTrace,
    readonly primal: Tensor,
    readonly node: number,
  ) {
    super(primal.shape, primal.dtype, null, null, trace.level);
  }
  override concrete(): Tensor {
    return this.primal.concrete();
  }
}

/** @internal */
export class VjpTrace implements Trace {
  readonly tape: TapeEntry[] = [];
  constructor(readonly level: number) {}

  input(x: Tensor): VjpTracer {
    this.tape.push({ name: null, params: null, primals: [], out: x, parents: [] });
    return new VjpTracer(this, x, this.tape.length - 1);
  }

  process<P extends PrimName>(name: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor {
    const n = inputs.length;
    const primals = new Array<Tensor>(n);
    const parents = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const x = inputs[i]!;
      if (x.level === this.level) {
        if (!(x instanceof VjpTracer) || x.trace !== this) throw escaped(name);
        primals[i] = x.primal;
        parents[i] = x.node;
      } else {
        primals[i] = x;
        parents[i] = -1;
      }
    }
    const out = bind(name, primals, params);
    if (name === 'stopGradient' || !isFloat(out.dtype)) return out;
    this.tape.push({ name, params, primals, out, parents });
    return new VjpTracer(this, out, this.tape.length - 1);
  }

  /** Cotangents of every tape entry, given cotangents of some entries. */
  backward(seeds: readonly [number, Tensor][]): (Tensor | null)[] {
    const tape = this.tape;
    const cts = new Array<Tensor | null>(tape.length).fill(null);
    for (const [id, ct] of seeds) cts[id] = cts[id] === null ? ct : add(cts[id]!, ct);
    for (let i = tape.length - 1; i >= 0; i--) {
      const ct = cts[i];
      const e = tape[i]!;
      if (ct === null || e.name === null) continue;
      const needs = e.parents.map((p) => p >= 0);
      const ins = (rules[e.name].vjp as VjpRule)(ct, e.primals, e.out, e.params, needs);
      for (let j = 0; j < e.parents.length; j++) {
        const p = e.parents[j]!;
        const g = ins[j];
        if (p < 0 || g === null || g === undefined) continue;
        checkRuleOutput(e.name, 'VJP', `cotangent of input ${j}`, g, e.primals[j]!);
        cts[p] = cts[p] === null ? g : add(cts[p]!, g);
      }
      cts[i] = null; // release intermediate cotangents early
    }
    return cts;
  }
}

type VjpRule = (
  ct: Tensor,
  primals: readonly Tensor[],
  out: Tensor,
  params: unknown,
  needs: readonly boolean[],
) => (Tensor | null)[];

/** The pullback returned by `vjp`: maps an output cotangent to one cotangent per primal argument. */
export type VjpFn = (cotangent: unknown) => any[];

/**
 * Reverse-mode derivative: evaluates `f(...primals)` and returns `[out, vjpFn]`, where
 * `vjpFn(ct)` (with `ct` shaped like `out`) returns the cotangents of the arguments as an array of
 * pytrees. Non-float leaves are not traced and get zero cotangents.
 */
export function vjp<Out extends Tree>(f: (...args: any[]) => Out, ...primals: unknown[]): [Out, VjpFn] {
  if (typeof f !== 'function') throw new TypeError('vjp: f must be a function');
  const [out, pullback] = vjpWithAux((...args) => [f(...args), undefined], primals);
  return [out as Out, pullback];
}

/**
 * @internal `vjp` of an `f` that returns `[out, aux]`: `aux` is carried out of the trace as concrete
 * values (not differentiated, as JAX's `has_aux`), so it stays usable after the call.
 */
export function vjpWithAux(
  f: (...args: any[]) => [unknown, unknown],
  primals: readonly unknown[],
): [unknown, VjpFn, unknown] {
  const [px, pdef] = treeFlatten(primals);
  const trace = new VjpTrace(nextLevel());
  const inputs = px.map((p) => (isFloat(p.dtype) ? trace.input(p) : p));
  const [outs, aux] = withTrace(trace, () => f(...treeUnflatten<unknown[]>(pdef, inputs)));
  const [ox, odef] = treeFlatten(outs);
  const own = (o: Tensor): o is VjpTracer => o instanceof VjpTracer && o.trace === trace;
  const lower = (o: Tensor) => (own(o) ? o.primal : o);
  const primalOut = treeUnflatten(odef, ox.map(lower));
  const [ax, adef] = treeFlatten(aux);
  const auxOut = treeUnflatten(adef, ax.map(lower));
  const pullback: VjpFn = (cotangent) => {
    const [cx, cdef] = treeFlatten(cotangent);
    if (!treeDefEqual(odef, cdef)) {
      throw new Error(`vjp: cotangent has structure ${treeDefString(cdef)}, output ${treeDefString(odef)}`);
    }
    const seeds: [number, Tensor][] = [];
    ox.forEach((o, i) => {
      const c = cx[i]!;
      if (!shapesEqual(o.shape, c.shape) || o.dtype !== c.dtype) {
        throw new Error(
          `vjp: cotangent ${c.dtype}${fmt(c.shape)} does not match output ${o.dtype}${fmt(o.shape)}`,
        );
      }
      if (own(o)) seeds.push([o.node, c]);
    });
    const cts = trace.backward(seeds);
    const grads = inputs.map((x, i) =>
      x instanceof VjpTracer ? (cts[x.node] ?? zerosLike(px[i]!)) : zerosLike(px[i]!),
    );
    return treeUnflatten<any[]>(pdef, grads);
  };
  return [primalOut, pullback, auxOut];
}
