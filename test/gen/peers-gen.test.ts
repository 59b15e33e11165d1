/**
 * GeN on top of a peer: `chain(asDirection(peer), scaleByGeN(...))` takes, at every step, the GeN
 * step along the peer's direction `d = -(peer's update)`: on a random SPD quadratic (float64)
 * it equals `-eta* d` with `eta* = G^T d / d^T A d` computed on the host (the exact line search,
 * with `gamma 0` and no clip), in exact and in fit mode; the peer's state advances exactly as it
 * does alone; and it is `scaleByGeN` applied to that direction, bit for bit.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mul, tensor, valueAndGrad, type Tensor } from '@gen-ts/core';
import * as G from '@gen-ts/gen';
import type { GradientTransformation } from '@gen-ts/gen';
import { F64, dotH, fitRoundoff, matVecH, normH, quadCase, quadGrad, quadLoss } from './helpers.js';

const PEERS: [string, () => GradientTransformation<any, any>][] = [
  ['prodigy', () => G.prodigy({ d0: 1e-2 })],
  ['dAdaptAdam', () => G.dAdaptAdam({ d0: 1e-2 })],
  ['dog', () => G.dog({ repsRel: 1e-2 })],
  ['scheduleFreeSgd', () => G.scheduleFreeSgd({ lr: 0.1 })],
  ['scheduleFreeAdamW', () => G.scheduleFreeAdamW({ lr: 0.05 })],
];

const flat = (x: unknown) =>
  JSON.stringify(x, (_k, v) =>
    v && typeof v === 'object' && 'dataSync' in v ? Array.from((v as Tensor).dataSync()) : v,
  );

describe('GeN along a peer direction is the GeN step along that direction', () => {
  for (const [name, make] of PEERS) {
    for (const mode of ['exact', 'fit'] as const) {
      it(`${name}, ${mode} mode: -eta* d with eta* = G^T d / d^T A d at each of 5 steps`, () => {
        fc.assert(
          fc.property(quadCase(5), (q) => {
            fc.pre(normH(quadGrad(q)) > 0.1);
            const L = quadLoss(q);
            const gen = { lr: 1, phi: 1, gamma: 0, clipRatio: Infinity, mode };
            const opt = G.chain(G.asDirection(make()), G.scaleByGeN(gen));
            const alone = make();
            let w = tensor(q.w, F64);
            let s = opt.init(w);
            let sAlone = alone.init(w);
            for (let t = 0; t < 5; t++) {
              const [value, g] = valueAndGrad(L)(w) as [Tensor, Tensor];
              const [u, next] = opt.update(g, s, w, { valueFn: L, value });
              // the peer alone, from the same state: its direction and its next state
              const [uPeer, sPeer] = alone.update(g, sAlone, w);
              expect(flat(next[0][0])).toBe(flat(sPeer));
              const d = uPeer.toArray() as number[];
              const dir = d.map((x) => -x);
              const wh = w.toArray() as number[];
              const b = dotH(quadGrad(q, wh), dir);
              const a = dotH(dir, matVecH(q.A, dir));
              // stop at the minimum (the exact line search reaches it in one step on some draws), and
              // where rounding could flip the sign of b, which decides GeN's branch
              const gn = normH(quadGrad(q, wh));
              if (gn < 1e-6 * normH(quadGrad(q)) || Math.abs(b) < 1e-8 * gn * normH(dir)) break;
              const etaPrev = s[1].lr.itemSync();
              // GeN's rule with gamma 0 and no clip: eta = eta* when a > 0 and b > 0 (A is SPD), else unchanged
              const eta = b > 0 ? b / a : etaPrev;
              const roundoff =
                mode === 'fit' && b > 0 ? fitRoundoff({ ...q, w: wh }, etaPrev, [-1, 0, 1], dir) : 0;
              // near the minimum the host's gradient A w - c cancels: its rounding, relative to b, adds to the bound
              const absAw = matVecH(
                q.A.map((row) => row.map(Math.abs)),
                wh.map(Math.abs),
              );
              const gMag = dotH(
                absAw.map((x, i) => x + Math.abs(q.c[i]!)),
                dir.map(Math.abs),
              );
              const cancel = (4 * (wh.length + 3) * 2 ** -53 * gMag) / Math.abs(b);
              const tol = 1e-10 + roundoff + cancel;
              const got = u.toArray() as number[];
              const scaleU = Math.sqrt(dotH(dir, dir)) * eta;
              got.forEach((x, i) =>
                expect(Math.abs(x + eta * dir[i]!)).toBeLessThanOrEqual(tol * scaleU + 1e-300),
              );
              expect(Math.abs(next[1].lr.itemSync() - eta)).toBeLessThanOrEqual(tol * eta);
              // and scaleByGeN on that direction, from the same GeN state, gives the same update bit for bit
              const [uGen] = G.scaleByGeN(gen).update(mul(uPeer, -1), s[1], w, { valueFn: L, value });
              expect(uGen.toArray()).toEqual(got);
              w = G.applyUpdates(w, u);
              [s, sAlone] = [next, sPeer];
            }
          }),
          { numRuns: 15 },
        );
      });
    }
  }
});
