/**
 * The primitive table. Its type lists every primitive, so adding a name to `PrimParams` without a
 * definition here (or a definition without a rule) fails `tsc`.
 */
import { binaryPrims, castDef, compare, stopGradientDef, unaryPrims, whereDef } from './elementwise.js';
import { convDef } from './conv.js';
import { matmulDef } from './linalg.js';
import {
  broadcastToDef,
  concatDef,
  gatherDef,
  padDef,
  reshapeDef,
  scatterAddDef,
  sliceDef,
  transposeDef,
} from './movement.js';
import { argmaxDef, maxDef, prodDef, sumDef } from './reduce.js';
import type { PrimitiveDef, PrimName } from './types.js';
import { reduceWindowDef, windowGatherDef, windowScatterDef } from './window.js';

/** Every primitive, by name. */
export const primitives: { [P in PrimName]: PrimitiveDef<P> } = {
  ...unaryPrims,
  ...binaryPrims,
  compare,
  where: whereDef,
  cast: castDef,
  stopGradient: stopGradientDef,
  sum: sumDef,
  max: maxDef,
  prod: prodDef,
  argmax: argmaxDef,
  matmul: matmulDef,
  reshape: reshapeDef,
  transpose: transposeDef,
  broadcastTo: broadcastToDef,
  slice: sliceDef,
  pad: padDef,
  concat: concatDef,
  gather: gatherDef,
  scatterAdd: scatterAddDef,
  conv: convDef,
  reduceWindow: reduceWindowDef,
  windowGather: windowGatherDef,
  windowScatter: windowScatterDef,
};
