/**
 * Boolean algebra on tensors for GeN's on-device decisions (no readback). Written with `where`
 * because core has no logical ops; every helper is elementwise, so a decision over 0-d tensors (one
 * rate) reads the same over a vector of rates (one per parameter group).
 */
import { equal, sub, where, type Tensor } from '@gen-ts/core';

/** True where `x` is finite: `x - x` is 0 for finite `x` and NaN for NaN and +-Infinity. */
export const finite = (x: Tensor): Tensor => equal(sub(x, x), 0);

/** `x && y` for bool tensors. */
export const and = (x: Tensor, y: Tensor): Tensor => where(x, y, x);

/** `x || y` for bool tensors. */
export const or = (x: Tensor, y: Tensor): Tensor => where(x, x, y);
