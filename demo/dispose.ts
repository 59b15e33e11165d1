/** Freeing trees of tensors without freeing a leaf that another live tree still holds. */
import { treeLeaves } from '@gen-ts/core';

/**
 * Disposes the leaves of `tree` that none of `keep` holds. An optimizer state carries some leaves
 * from step to step unchanged (GeN's last fit between probes), so an old state and its successor
 * can share tensors; the cpu backend reuses a disposed tensor's memory, so freeing a shared one
 * would corrupt the live tree.
 */
export function disposeExcept(tree: unknown, ...keep: unknown[]): void {
  const live = new Set(treeLeaves(keep));
  for (const t of treeLeaves(tree)) if (!live.has(t)) t.dispose();
}
