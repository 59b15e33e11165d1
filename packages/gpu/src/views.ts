/**
 * Views and strided copies. A reshape (and an exact cast) shares the store; a swap of the last two
 * axes is a view that `matmul` reads in place (anything else copies it once, `contiguous`); other
 * transposes, broadcasts and slices are one strided-copy kernel each.
 */
import { broadcastStrides, sizeOf, stridesOf, type Shape, type TensorInfo } from '@gen-ts/core';
import type { Device } from './buffers.js';
import type { Handle, Store } from './store.js';

/** The contiguous store behind `x` (a swapped view is copied once, then reused). */
export function contiguous(d: Device, x: TensorInfo): Store {
  const h = d.handle(x);
  if (!h.swapped) return h.store;
  if (!h.materialized) {
    const r = x.shape.length;
    const phys = [...x.shape.slice(0, -2), x.shape[r - 1]!, x.shape[r - 2]!];
    const ps = stridesOf(phys);
    const strides = [...ps.slice(0, -2), 1, x.shape[r - 2]!];
    h.materialized = strided(d, x.shape, strides, 0, h.store);
  }
  return h.materialized;
}

/** A new handle on the same data (reshape, exact casts, no-op movements). */
export function share(d: Device, x: TensorInfo): Handle {
  const h = d.handle(x);
  if (h.swapped) return d.wrap(contiguous(d, x).ref());
  return d.wrap(h.store.ref());
}

/** A contiguous copy of `store` read through `strides` from `base`, shaped `out`. */
function strided(d: Device, out: Shape, strides: readonly number[], base: number, store: Store): Store {
  return d.engine.kernel('copy', [out, strides, base], [store]);
}

/** `x` with a new shape of the same size. */
export function reshape(d: Device, x: TensorInfo): Handle {
  return share(d, x);
}

/** Axis `i` of the result is axis `perm[i]` of `x`. */
export function transpose(d: Device, x: TensorInfo, perm: readonly number[]): Handle {
  const r = perm.length;
  if (perm.every((p, i) => p === i)) return share(d, x);
  const h = d.handle(x);
  const swapsLastTwo =
    r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1 && perm.slice(0, -2).every((p, i) => p === i);
  // a swap of the last two axes is a view: matmul reads it in place, anything else copies it once
  if (swapsLastTwo) return d.wrap(h.store.ref(), !h.swapped);
  const s = stridesOf(x.shape);
  const out = perm.map((p) => x.shape[p]!);
  if (sizeOf(out) === 0) return d.empty();
  return d.wrap(
    strided(
      d,
      out,
      perm.map((p) => s[p]!),
      0,
      contiguous(d, x),
    ),
  );
}

/** `x` repeated along broadcast axes to `shape`. */
export function broadcastTo(d: Device, x: TensorInfo, shape: Shape): Handle {
  if (sizeOf(shape) === sizeOf(x.shape)) return share(d, x);
  if (sizeOf(shape) === 0) return d.empty();
  return d.wrap(strided(d, shape, broadcastStrides(x.shape, shape), 0, contiguous(d, x)));
}

/** The block of `x` at `begin` of extent `size`. */
export function slice(d: Device, x: TensorInfo, begin: readonly number[], size: readonly number[]): Handle {
  if (sizeOf(size) === 0) return d.empty();
  if (size.every((n, i) => n === x.shape[i])) return share(d, x);
  const s = stridesOf(x.shape);
  const base = begin.reduce((acc, b, i) => acc + b * s[i]!, 0);
  return d.wrap(strided(d, size, s, base, contiguous(d, x)));
}
