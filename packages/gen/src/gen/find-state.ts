/** Finding GeN's state inside an optimizer state (a chain's tuple, a named chain, an injected state). */
import { Tensor } from '@gen-ts/core';
import type { ScaleByGeNState } from './scale-by-gen.js';

function isGeNState(x: unknown): x is ScaleByGeNState {
  if (x === null || typeof x !== 'object') return false;
  const s = x as Partial<ScaleByGeNState>;
  return (
    typeof s.count === 'number' &&
    s.lr instanceof Tensor &&
    typeof s.fit === 'object' &&
    s.fit !== null &&
    'etaStar' in s.fit
  );
}

/**
 * The first `scaleByGeN` state found (depth-first) in an optimizer state, or `undefined`: for
 * logging the learning-rate trace, e.g. `findGeNState(state)?.lr`.
 */
export function findGeNState(state: unknown): ScaleByGeNState | undefined {
  return findState(state, isGeNState);
}

/** @internal The first part of an optimizer state (depth-first, the state itself included) that `is` accepts. */
export function findState<S>(state: unknown, is: (x: unknown) => x is S): S | undefined {
  if (is(state)) return state;
  if (state === null || typeof state !== 'object' || state instanceof Tensor) return undefined;
  for (const v of Object.values(state as Record<string, unknown>)) {
    const found = findState(v, is);
    if (found !== undefined) return found;
  }
  return undefined;
}
