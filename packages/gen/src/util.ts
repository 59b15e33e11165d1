/**
 * Internal helpers shared by the transforms: option checks (validated once, at construction,
 * with messages that name the option), per-leaf dtype handling, and walking a tree of labels or
 * booleans in step with a tree of tensors (labels are not tensors, so core's `treeMap` skips them).
 */
import { cast, isFloat, isPlainObject, scalar, Tensor, treeLeaves } from '@gen-ts/core';
import type { Schedule } from './types.js';

// Values a schedule produced are the schedule's own (as PyTorch's schedulers write the rate past
// the constructor's check): a cosine decay ends at lr = 0, a warm-up starts there.
// `injectHyperparams` names those options while it rebuilds an optimizer from them, and
// `checkNumber` then skips their range (not their type).
let scheduled: ReadonlySet<string> = new Set();

/** @internal Runs `f` with the options `names` marked as holding a schedule's values. */
export function withScheduledValues<T>(names: ReadonlySet<string>, f: () => T): T {
  const outer = scheduled;
  scheduled = names;
  try {
    return f();
  } finally {
    scheduled = outer;
  }
}

/**
 * Throws unless `v` is a finite number in the given range (the range not checked when `name` holds
 * a schedule's value, see `withScheduledValues`); returns it.
 */
export function checkNumber(
  op: string,
  name: string,
  v: unknown,
  range: {
    min?: number;
    max?: number;
    minExclusive?: boolean;
    maxExclusive?: boolean;
    integer?: boolean;
    finite?: boolean;
  } = {},
): number {
  const { minExclusive = false, maxExclusive = false, integer = false, finite = true } = range;
  // a schedule's value keeps its type checks (a number, finite, an integer) but not its range
  const { min, max } = scheduled.has(name) ? {} : range;
  const bad = (why: string): never => {
    throw new RangeError(`${op}: option ${name} ${why}, got ${String(v)}`);
  };
  if (typeof v !== 'number' || Number.isNaN(v)) bad('must be a number');
  const x = v as number;
  if (finite && !Number.isFinite(x)) bad('must be finite');
  if (integer && !Number.isInteger(x)) bad('must be an integer');
  if (min !== undefined && (minExclusive ? !(x > min) : !(x >= min)))
    bad(`must be ${minExclusive ? '>' : '>='} ${min}`);
  if (max !== undefined && (maxExclusive ? !(x < max) : !(x <= max)))
    bad(`must be ${maxExclusive ? '<' : '<='} ${max}`);
  return x;
}

/** Throws unless `v` is a number (checked like `checkNumber`) or a function (a schedule). */
export function checkNumberOrSchedule(
  op: string,
  name: string,
  v: unknown,
  range: Parameters<typeof checkNumber>[3] = {},
): number | Schedule {
  if (typeof v === 'function') return v as Schedule;
  return checkNumber(op, name, v, range);
}

/** The value of a number-or-schedule at step `count`. */
export function valueAt(v: number | Schedule, count: number): number {
  return typeof v === 'function' ? v(count) : v;
}

/** Throws unless `v` is a boolean; returns it. */
export function checkBoolean(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean')
    throw new TypeError(`${op}: option ${name} must be a boolean, got ${String(v)}`);
  return v;
}

/** `x` in `like`'s dtype (a no-op when they match): keeps updates in the params' dtype. */
export function castTo(x: Tensor, like: Tensor): Tensor {
  return x.dtype === like.dtype ? x : cast(x, like.dtype);
}

/** The first float leaf of a tree; throws naming `op` when there is none. */
export function firstFloatLeaf(op: string, tree: unknown): Tensor {
  const leaf = treeLeaves(tree).find((l) => isFloat(l.dtype));
  if (leaf === undefined) throw new TypeError(`${op}: the params have no float tensors`);
  return leaf;
}

/** A 0-d tensor holding `v` with the dtype and backend of the first float leaf of `tree`. */
export function scalarFor(op: string, tree: unknown, v: number): Tensor {
  const leaf = firstFloatLeaf(op, tree);
  return scalar(v, { dtype: leaf.dtype, backend: leaf.backend });
}

/**
 * The label of every tensor leaf of `tree`, in `treeFlatten` order, read from `labels`: a tree of
 * the same structure with a label where `tree` has a tensor, or a label at a subtree, which then
 * applies to every leaf under it (a prefix tree).
 */
export function leafLabels<L extends string | boolean>(
  op: string,
  tree: unknown,
  labels: unknown,
  isLabel: (x: unknown) => x is L,
): L[] {
  const out: L[] = [];
  const walk = (t: unknown, l: unknown, path: string): void => {
    if (isLabel(l)) {
      out.push(...treeLeaves(t).map(() => l));
      return;
    }
    if (t instanceof Tensor)
      throw new Error(`${op}: no label for the tensor at ${path || 'the root'}, got ${String(l)}`);
    if (Array.isArray(t)) {
      if (!Array.isArray(l) || l.length !== t.length) {
        throw new Error(`${op}: labels at ${path || 'the root'} must be an array of length ${t.length}`);
      }
      t.forEach((c, i) => walk(c, l[i], `${path}[${i}]`));
      return;
    }
    if (isPlainObject(t)) {
      if (!isPlainObject(l)) throw new Error(`${op}: labels at ${path || 'the root'} must be an object`);
      for (const k of Object.keys(t)) walk(t[k], l[k], path ? `${path}.${k}` : k);
    }
  };
  walk(tree, labels, '');
  return out;
}
