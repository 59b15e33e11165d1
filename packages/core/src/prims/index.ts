/**
 * The primitive table: the families' tables joined. Its type lists every primitive, so a name in
 * `PrimParams` without a definition here (or a definition without a rule) fails `tsc`.
 */
import { convPrims } from './conv.js';
import { elementwisePrims } from './elementwise.js';
import { linalgPrims } from './linalg.js';
import { movementPrims } from './movement.js';
import { reducePrims } from './reduce.js';
import type { PrimitiveDef, PrimName } from './types.js';
import { windowPrims } from './window.js';

/** @internal The table that dispatch reads (tests patch a rule here to show a check can fail). */
export const rules: { [P in PrimName]: PrimitiveDef<P> } = {
  ...elementwisePrims,
  ...reducePrims,
  ...movementPrims,
  ...linalgPrims,
  ...convPrims,
  ...windowPrims,
};

/** Every primitive, by name: its shape rule, impl, JVP and VJP (read only). */
export const primitives: { readonly [P in PrimName]: Readonly<PrimitiveDef<P>> } = Object.freeze(
  Object.fromEntries(Object.entries(rules).map(([k, v]) => [k, Object.freeze({ ...v })])),
) as { readonly [P in PrimName]: Readonly<PrimitiveDef<P>> };
