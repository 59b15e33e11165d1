/**
 * Who frees what in `fit`. Backends with device buffers (`@gen-ts/gpu`) release a tensor only when
 * it is disposed (or, late, when garbage collection finds it), so a loop must release each step's
 * leftovers itself. Two mechanisms, both needed:
 *
 * - the step runs inside core's `tidy`, which releases the intermediates created during the step
 *   (the tape of `grad`, GeN's probes) and keeps what the step returns;
 * - after the step, the previous params and states are released, except the tensors the new ones
 *   still reference. A transformation may hand a tensor of its old state on unchanged (GeN keeps
 *   its last fit between probe steps), so "dispose the old state" would break the next step;
 *   "dispose the old tensors the new trees no longer reference" does not.
 *
 * Tensors the caller passed in (initial params and states) are never released: only those `fit`
 * created are in the `owned` set.
 */
import { Tensor, treeLeaves } from '@gen-ts/core';

/** The tensor leaves of several trees, as a set. */
export function leafSet(trees: readonly unknown[]): Set<Tensor> {
  const s = new Set<Tensor>();
  for (const t of trees) for (const l of treeLeaves(t)) s.add(l);
  return s;
}

/** Tracks the tensors `fit` created and releases the ones a step left behind. */
export class Ownership {
  private readonly owned = new Set<Tensor>();

  /** Marks every leaf of `trees` not in `foreign` (the caller's tensors) as owned. */
  adopt(trees: readonly unknown[], foreign: ReadonlySet<Tensor> = new Set()): void {
    for (const l of leafSet(trees)) if (!foreign.has(l)) this.owned.add(l);
  }

  /**
   * After a step: adopts the new trees' leaves and disposes the owned leaves of `previous` that
   * `next` does not reference.
   */
  replace(previous: readonly unknown[], next: readonly unknown[], foreign: ReadonlySet<Tensor>): void {
    const keep = leafSet(next);
    for (const l of keep) if (!foreign.has(l)) this.owned.add(l);
    for (const l of leafSet(previous)) {
      if (!keep.has(l) && this.owned.delete(l)) l.dispose();
    }
  }

  /** Disposes an owned tree now (a batch after its last use). */
  release(tree: unknown): void {
    for (const l of leafSet([tree])) {
      this.owned.delete(l);
      if (l instanceof Tensor) l.dispose();
    }
  }

  /** Hands `trees` over to the caller: they are no longer released by `fit`. */
  disown(trees: readonly unknown[]): void {
    for (const l of leafSet(trees)) this.owned.delete(l);
  }
}
