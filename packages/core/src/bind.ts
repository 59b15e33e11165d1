/**
 * Dispatch. `bind` sends a primitive application to the innermost transform that one of its
 * inputs belongs to (the highest `level`), or evaluates it on the backend when all inputs are
 * concrete. Transforms push a trace on the stack; levels keep nested transforms apart, so an
 * inner derivative never mistakes an outer perturbation for its own.
 */
import type { Backend } from './backend.js';
import { allocationError, isAllocationFailure } from './dtype.js';
import { rules } from './prims/index.js';
import { fmt } from './shape.js';
import type { PrimName, PrimParams } from './prims/types.js';
import { Tensor } from './tensor.js';

/** A transform in progress (forward or reverse mode). */
export interface Trace {
  readonly level: number;
  /** Applies a primitive to inputs of which at least one is a tracer of this trace. */
  process<P extends PrimName>(name: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor;
}

const stack: Trace[] = [];

/** @internal True while a transform is running (some trace is on the stack). */
export function tracing(): boolean {
  return stack.length > 0;
}

/** @internal The level a new trace gets. */
export function nextLevel(): number {
  return stack.length + 1;
}

/** @internal Runs `fn` with `trace` on top of the stack. */
export function withTrace<T>(trace: Trace, fn: () => T): T {
  stack.push(trace);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/** @internal Applies primitive `name` to `inputs`. */
export function bind<P extends PrimName>(name: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor {
  let level = 0;
  for (let i = 0; i < inputs.length; i++) {
    const l = inputs[i]!.level;
    if (l > level) level = l;
  }
  if (level === 0) return evaluate(name, inputs, params);
  const trace = stack[level - 1];
  if (trace === undefined) {
    throw new Error(
      `${name}: a tracer escaped the transform that created it (its level ${level} is no longer active)`,
    );
  }
  return trace.process(name, inputs, params);
}

function evaluate<P extends PrimName>(name: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor {
  const def = rules[name];
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i]!;
    if (x.isDisposed)
      throw new Error(`${name}: input ${i} (${x.dtype}${fmt(x.shape)}) was used after dispose()`);
  }
  const backend: Backend = inputs[0]!.backend;
  for (let i = 1; i < inputs.length; i++) {
    if (inputs[i]!.backend !== backend) {
      throw new Error(
        `${name}: inputs live on different backends (${backend.name} and ${inputs[i]!.backend.name})`,
      );
    }
  }
  const out = def.abstract(inputs, params);
  let data: unknown;
  try {
    data = def.impl(backend, inputs, params, out);
  } catch (e) {
    // "Invalid typed array length", a backend that cannot allocate: say which op, shape and bytes
    throw isAllocationFailure(e) ? allocationError(name, out.dtype, out.shape, e) : e;
  }
  return new Tensor(out.shape, out.dtype, data, backend);
}
