/**
 * Label checks shared by the losses and metrics. Shapes must match exactly: a loss never
 * broadcasts labels against logits, because `[B]` against `[B, 1]` broadcasts to `[B, B]` and
 * trains on the wrong objective without any error.
 *
 * Integer labels are range-checked by gathering them from `arange(classes)`: the core's gather
 * checks its indices, and the loss is computed from the gathered copy, so a bad label fails the
 * loss. Where the labels' values are on the host (the cpu backend; labels uploaded from host arrays
 * on `@gen-ts/gpu`, the usual case) the check runs at the call and throws here, naming the loss;
 * for labels computed on an asynchronous device it runs once they are ready, and reading the loss
 * rethrows the gather's error (on webgpu that costs a readback of the labels, see ARCHITECTURE.md).
 */
import { add, arange, isFloat, reshape, take, Tensor, type Shape } from '@gen-ts/core';
import { describe, fmt } from './validate.js';

/** Throws unless `x` is a float tensor of at least `minRank` axes; `what` names it. */
export function checkLogits(where: string, x: unknown, what: string, minRank: number): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${where}: ${what} must be a Tensor, got ${describe(x)}`);
  if (!isFloat(x.dtype))
    throw new TypeError(`${where}: ${what} ${x.dtype}${fmt(x.shape)} must be float32 or float64`);
  if (x.rank < minRank)
    throw new RangeError(`${where}: ${what} ${fmt(x.shape)} has rank ${x.rank}, needs at least ${minRank}`);
  return x;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** True when `a` and `b` differ only by a trailing axis of size 1 (`[B]` and `[B, 1]`). */
function isTrap(a: Shape, b: Shape): boolean {
  const [long, short] = a.length > b.length ? [a, b] : [b, a];
  return (
    long.length === short.length + 1 && long[long.length - 1] === 1 && sameShape(long.slice(0, -1), short)
  );
}

function trapHint(a: Shape, b: Shape): string {
  const n = (a.length > b.length ? b : a)[0] ?? 1;
  return isTrap(a, b)
    ? ` (the [B] vs [B, 1] trap: broadcasting them would compare every row with every label, [${n}, ${n}])`
    : '';
}

/** Checks that `targets` is a tensor of `predictions`' exact shape (the caller checks its dtype). */
export function checkSameShape(
  where: string,
  predictions: Tensor,
  targets: unknown,
  names: [string, string],
): Tensor {
  if (!(targets instanceof Tensor))
    throw new TypeError(`${where}: ${names[1]} must be a Tensor, got ${describe(targets)}`);
  if (!sameShape(predictions.shape, targets.shape))
    throw new RangeError(
      `${where}: ${names[0]} ${fmt(predictions.shape)} and ${names[1]} ${fmt(targets.shape)} must have the same shape` +
        trapHint(predictions.shape, targets.shape),
    );
  return targets;
}

/** Throws unless `targets` has `like`'s float dtype. */
export function checkSameDType(where: string, like: Tensor, targets: Tensor, names: [string, string]): void {
  if (targets.dtype !== like.dtype)
    throw new TypeError(
      `${where}: ${names[1]} ${targets.dtype}${fmt(targets.shape)} must have the dtype of ${names[0]} ${like.dtype}${fmt(like.shape)}`,
    );
}

/** Class labels as checked: integer ids (range-checked) or probabilities over the classes. */
export type ClassLabels =
  { readonly kind: 'ids'; readonly ids: Tensor } | { readonly kind: 'probs'; readonly probs: Tensor };

/**
 * Checks labels against logits `[..., C]`: int32 ids shaped like the logits without the class axis
 * (`[B]` for `[B, C]`), or float probabilities of the logits' shape and dtype.
 */
export function classLabels(where: string, logits: Tensor, labels: unknown): ClassLabels {
  if (!(labels instanceof Tensor))
    throw new TypeError(`${where}: labels must be a Tensor, got ${describe(labels)}`);
  const c = logits.shape[logits.rank - 1]!;
  const rows = logits.shape.slice(0, -1);
  const shapes = `logits ${fmt(logits.shape)}, labels ${labels.dtype}${fmt(labels.shape)}`;
  if (labels.dtype === 'int32') {
    if (sameShape(labels.shape, rows)) return { kind: 'ids', ids: checkedIds(where, labels, c, shapes) };
    const hint = sameShape(labels.shape, logits.shape)
      ? `; for one-hot or probability labels pass them as ${logits.dtype}`
      : isTrap(labels.shape, rows)
        ? `; reshape labels to ${fmt(rows)}`
        : '';
    throw new RangeError(
      `${where}: integer labels must have shape ${fmt(rows)}, one class id per row of the logits (${shapes})${hint}`,
    );
  }
  if (isFloat(labels.dtype)) {
    if (sameShape(labels.shape, logits.shape)) {
      checkSameDType(where, logits, labels, ['logits', 'labels']);
      return { kind: 'probs', probs: labels };
    }
    const hint = sameShape(labels.shape, rows) ? `; class ids must be int32 (cast(labels, 'int32'))` : '';
    throw new RangeError(
      `${where}: probability labels must have the logits' shape ${fmt(logits.shape)} (${shapes})${hint}`,
    );
  }
  throw new TypeError(`${where}: labels must be int32 class ids or float probabilities (${shapes})`);
}

/**
 * `labels` gathered from `arange(n)`: equal to them, and failing (naming `where` and `context` when
 * the check runs at the call) when one is outside `[0, n)`.
 */
export function checkedIds(where: string, labels: Tensor, n: number, context: string): Tensor {
  const ids = arange(n, undefined, 1, { dtype: 'int32', backend: labels.backend });
  try {
    return take(ids, labels);
  } catch (e) {
    if (e instanceof RangeError)
      throw new RangeError(`${where}: a label is outside [0, ${n}) (${context}): ${e.message}`, { cause: e });
    throw e;
  }
}

/** `x[..., ids[...]]`: one entry per row of `x` (`[..., C]`), at in-range `ids` (`[...]`). */
export function pickAlongLast(x: Tensor, ids: Tensor): Tensor {
  const c = x.shape[x.rank - 1]!;
  const n = ids.size;
  const rowStarts = arange(0, n * c, c, { dtype: 'int32', backend: ids.backend });
  const flat = take(reshape(x, [n * c]), add(reshape(ids, [n]), rowStarts));
  return reshape(flat, ids.shape);
}
