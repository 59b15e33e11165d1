/**
 * The memory rule of `trainStep`, on every backend (it matters on `@gen-ts/gpu`, where a buffer
 * is freed only when its tensor is disposed):
 *
 * - each call runs in core's `tidy`, so the step's intermediates (the tape of the gradient, GeN's
 *   probes) are released when it returns;
 * - the step takes back what it returned: when the params and state a previous call returned are
 *   passed in again, their tensors that the new params and state do not hold are disposed. A
 *   transformation's new state may hold tensors of the old one (GeN keeps its last fit between
 *   probe steps), which are spared. Tensors the caller made (the initial params, `opt.init`'s
 *   state) are never disposed, and neither is anything else the result holds (the loss, `applied`): that is
 *   the caller's, released by running the step in a `tidy` that returns only the new params and
 *   state, or by `dispose`.
 */
import { isTracer, Tensor, tidy, treeLeaves } from '@gen-ts/core';

/**
 * `step` with the memory rule above (`P` and `S`, the first two arguments, are carried); with
 * `reclaim` false it only runs in `tidy` and never disposes what it was given.
 */
export function owningStep<P, S, A extends unknown[], R extends { readonly params: P; readonly state: S }>(
  step: (params: P, state: S, ...rest: A) => R,
  reclaim = true,
): (params: P, state: S, ...rest: A) => R {
  const made = new WeakSet<Tensor>();
  return (params, state, ...rest) => {
    const out = tidy(() => step(params, state, ...rest));
    if (!reclaim) return out;
    const old = concrete([params, state]);
    const next = concrete([out.params, out.state]);
    for (const t of old) if (made.has(t) && !next.has(t)) t.dispose();
    for (const t of next) if (!old.has(t)) made.add(t);
    return out;
  };
}

/** The concrete tensors of `trees` (inside a transform the leaves are tracers, which it owns). */
function concrete(trees: unknown): Set<Tensor> {
  return new Set(treeLeaves(trees).filter((t) => !isTracer(t)));
}
