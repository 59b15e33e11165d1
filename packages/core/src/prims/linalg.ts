/** The matrix product: batched, batch dims broadcast. Bilinear, so its rules are two products. */
import { add } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { mT } from '../ops/movement.js';
import { broadcastShapes, fmt } from '../shape.js';
import { sameDType, unbroadcast } from './algebra.js';
import type { NoParams, PrimitiveDef } from './types.js';

/** Params of the linear-algebra primitives. */
export interface LinalgParams {
  matmul: NoParams;
}

const matmulDef: PrimitiveDef<'matmul'> = {
  abstract([a, b]) {
    const dtype = sameDType('matmul', [a!, b!]);
    if (dtype === 'bool') throw new TypeError('matmul: not defined for bool tensors');
    const k = a!.shape[a!.rank - 1];
    if (k !== b!.shape[b!.rank - 2]) {
      throw new Error(`matmul: inner dimensions differ: ${fmt(a!.shape)} @ ${fmt(b!.shape)}`);
    }
    const batch = broadcastShapes('matmul (batch dims)', a!.shape.slice(0, -2), b!.shape.slice(0, -2));
    return { shape: [...batch, a!.shape[a!.rank - 2]!, b!.shape[b!.rank - 1]!], dtype };
  },
  impl: (be, [a, b], _p, out) => be.matmul(a!, b!, out.shape),
  // d(AB) = dA B + A dB
  jvp([ta, tb], [a, b]) {
    const l = ta ? matmul(ta, b!) : null;
    const r = tb ? matmul(a!, tb) : null;
    return l && r ? add(l, r) : (l ?? r);
  },
  // dA = ct B^T, dB = A^T ct, each summed over broadcast batch dims
  vjp: (ct, [a, b], _o, _p, needs) => [
    needs[0] ? unbroadcast(matmul(ct, mT(b!)), a!.shape) : null,
    needs[1] ? unbroadcast(matmul(mT(a!), ct), b!.shape) : null,
  ],
};

/** The linear-algebra primitives. */
export const linalgPrims: { [P in keyof LinalgParams]: PrimitiveDef<P> } = { matmul: matmulDef };
