/**
 * Boolean algebra on tensors for decisions made on device, with no readback (GeN's stages, the
 * non-finite guards). Written with `where` and `equal` because core has no logical ops. Every
 * helper but `treeFinite` is elementwise, so a decision over 0-d tensors (one rate) reads the same
 * over a vector of rates (one per parameter group).
 */
import { add, equal, mul, sub, sum, treeLeaves, where, type Tensor } from '@gen-ts/core';
import { castTo } from './util.js';

/** True where `x` is finite: `x - x` is 0 for finite `x` and NaN for NaN and +-Infinity. */
export const finite = (x: Tensor): Tensor => equal(sub(x, x), 0);

/** `x && y` for bool tensors. */
export const and = (x: Tensor, y: Tensor): Tensor => where(x, y, x);

/** `!x` for a bool tensor. */
export const not = (x: Tensor): Tensor => equal(x, 0);

/** `x || y` for bool tensors. */
export const or = (x: Tensor, y: Tensor): Tensor => where(x, x, y);

/**
 * True (0-d) when every entry of every leaf of `tree` is finite: `sum(x * 0)` is 0 exactly then and
 * NaN otherwise, with no overflow from large finite values. Accumulated in the first leaf's dtype.
 */
export function treeFinite(tree: unknown): Tensor {
  const leaves = treeLeaves(tree);
  if (leaves.length === 0) throw new Error('treeFinite: the tree has no tensors');
  let acc = sum(mul(leaves[0]!, 0));
  for (const l of leaves.slice(1)) acc = add(acc, castTo(sum(mul(l, 0)), acc));
  return finite(acc);
}
