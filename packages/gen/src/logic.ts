/**
 * `treeFinite`: whether a whole tree of tensors is finite, as one 0-d bool tensor decided on the
 * device (no readback), for the non-finite guards of GeN and `trainStep`.
 */
import { add, isFinite, mul, sum, treeLeaves, type Tensor } from '@gen-ts/core';
import { castTo } from './util.js';

/**
 * True (0-d) when every entry of every leaf of `tree` is finite: `sum(x * 0)` is 0 exactly then and
 * NaN otherwise, with no overflow from large finite values. Accumulated in the first leaf's dtype.
 */
export function treeFinite(tree: unknown): Tensor {
  const leaves = treeLeaves(tree);
  if (leaves.length === 0) throw new Error('treeFinite: the tree has no tensors');
  let acc = sum(mul(leaves[0]!, 0));
  for (const l of leaves.slice(1)) acc = add(acc, castTo(sum(mul(l, 0)), acc));
  return isFinite(acc);
}
