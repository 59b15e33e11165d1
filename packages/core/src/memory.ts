/**
 * Who releases a tensor's memory. On the cpu backend tensors are ordinary garbage-collected
 * arrays; on a device backend (`@gen-ts/gpu`) a buffer is freed when its tensor is disposed, or
 * late, whenever garbage collection finds the tensor (V8 runs finalizers only between tasks, so a
 * synchronous loop never sees them). The rule, for every backend:
 *
 * - `tidy(fn)` keeps the tensors `fn` returns (anywhere in the returned value) and disposes every
 *   other tensor created while it ran, also when `fn` throws. Scopes nest: what an inner `tidy`
 *   keeps belongs to the enclosing one.
 * - Tensors are immutable values, so a new pytree may hold tensors of the old one it replaces (an
 *   optimizer state carries what did not change; GeN keeps its last fit between probe steps).
 *   Release an old tree with `dispose(old, next)`, which spares what `next` still holds.
 */
import { tracing } from './bind.js';
import { scopes, Tensor } from './tensor.js';

/**
 * Runs `fn` and disposes every tensor created while it ran, except those in its result (arrays,
 * plain objects and the values of other objects and maps are searched): a training step's
 * intermediates (the tape of `grad`, GeN's probes) are freed at the end of the step instead of
 * whenever garbage collection gets to them. If `fn` throws, every tensor it created is disposed
 * and the error propagates. A disposed tensor reports `isDisposed` and throws when used. Inside a
 * transform (`grad`, `jvp`, ...) `tidy` only runs `fn`: the transform still needs the values.
 * @example
 * ```ts
 * import { add, mul, sum, tensor, tidy } from '@gen-ts/core';
 * const x = tensor([1, 2, 3]);
 * let kept = tensor(0);
 * const total = tidy(() => {
 *   const y = mul(add(x, 1), 2); // an intermediate: disposed when tidy returns
 *   kept = y;
 *   return sum(y); // the result: kept
 * });
 * console.log(total.itemSync(), kept.isDisposed, x.isDisposed); // 18 true false
 * ```
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`tidy: fn must be a function, got ${typeof fn}`);
  if (tracing()) return fn();
  const created: Tensor[] = [];
  scopes.push(created);
  let out: T;
  try {
    out = fn();
  } catch (e) {
    scopes.pop();
    for (const t of created) t.dispose();
    throw e;
  }
  scopes.pop();
  const keep = new Set<Tensor>();
  collect(out, keep, new Set());
  const outer = scopes[scopes.length - 1];
  for (const t of created) {
    if (keep.has(t)) outer?.push(t);
    else t.dispose();
  }
  return out;
}

/**
 * Disposes every tensor in `tree` (any value: arrays, plain objects and other objects' values are
 * searched), except those also in `keep`. `dispose(oldState, newState)` releases what an update
 * replaced and spares what the new state carried over.
 * @example
 * ```ts
 * import { dispose, tensor } from '@gen-ts/core';
 * const shared = tensor([1]);
 * const old = { a: tensor([2]), b: shared };
 * const next = { a: tensor([3]), b: shared }; // b carried over
 * dispose(old, next);
 * console.log(old.a.isDisposed, shared.isDisposed); // true false
 * ```
 */
export function dispose(tree: unknown, keep?: unknown): void {
  const spare = new Set<Tensor>();
  if (keep !== undefined) collect(keep, spare, new Set());
  const all = new Set<Tensor>();
  collect(tree, all, new Set());
  for (const t of all) if (!spare.has(t)) t.dispose();
}

/** The concrete tensors reachable from `v`. */
function collect(v: unknown, out: Set<Tensor>, seen: Set<object>): void {
  if (typeof v !== 'object' || v === null || seen.has(v)) return;
  seen.add(v);
  if (v instanceof Tensor) {
    out.add(v.concrete()); // a tracer (one that outlived its transform) holds a concrete value
    return;
  }
  const values = v instanceof Map ? [...v.values()] : v instanceof Set ? [...v] : Object.values(v);
  for (const x of values) collect(x, out, seen);
}
