/**
 * Memory for long runs in the page: a step's intermediates are released at its end by the
 * backend's `tidy` (the gpu.js backends have one; the cpu backend is garbage-collected), and the
 * tensors a step replaces (old params and optimizer state) are disposed at once rather than
 * whenever the garbage collector finds them, which on a GPU can be long after memory ran out.
 */
import { treeLeaves, type Backend } from '@gen-ts/core';

/** `fn` inside `backend.tidy` where the backend has one. */
export function tidyOn<T>(backend: Backend, fn: () => T): T {
  const tidy = (backend as { tidy?: <U>(f: () => U) => U }).tidy;
  return tidy ? (tidy.call(backend, fn) as T) : fn();
}

/** Disposes the tensors of `old` that `next` does not hold. */
export function retire(old: unknown, next: unknown): void {
  const keep = new Set(treeLeaves(next));
  for (const t of treeLeaves(old)) if (!keep.has(t)) t.dispose();
}
