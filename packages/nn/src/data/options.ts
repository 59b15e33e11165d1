/** Option checks the loaders need beyond the shared ones in `validate.ts` (same `Check` shape). */
import type { Backend } from '@gen-ts/core';
import { describe, type Check } from '../validate.js';

/** An integer >= 0. */
export function nonNegativeInt(def: number): Check<number> {
  return (v, label) => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      throw new RangeError(`${label} must be an integer >= 0, got ${describe(v)}`);
    return v;
  };
}

/** A seed: any safe integer. */
export function seed(def = 0): Check<number> {
  return (v, label) => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw new TypeError(`${label} must be an integer, got ${describe(v)}`);
    return v;
  };
}

/** A backend to create tensors on (undefined: the current one). */
export function backend(): Check<Backend | undefined> {
  return (v, label) => {
    if (v === undefined) return undefined;
    if (v === null || typeof v !== 'object' || typeof (v as Backend).upload !== 'function')
      throw new TypeError(`${label} must be a Backend (e.g. cpu() or gpujs()), got ${describe(v)}`);
    return v as Backend;
  };
}
