/**
 * GeN's propose and verify stages are elementwise in the rate: run on vectors (one entry per
 * parameter group) they give, entry by entry, the decisions they give on 0-d tensors. Block GeN
 * (one rate per group) relies on this to reuse the clip, smoothing and safeguard rules.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { div, greater, logicalAnd, scalar, tensor, type Tensor } from '@gen-ts/core';
import type { Estimate } from './estimate.js';
import { GEN_DEFAULTS, type GeNConfig } from './options.js';
import { propose, type ProposeRule } from './propose.js';
import { verify } from './verify.js';

const F64 = { dtype: 'float64' as const };

interface Draw {
  a: number;
  b: number;
  r2: number;
  finite: boolean;
  lr: number;
  ys: [number, number]; // the two probe losses minus L(w), factors -1 and 1
  lnew: number;
}

const draw: fc.Arbitrary<Draw> = fc.record({
  a: fc.double({ min: -10, max: 10, noNaN: true }),
  b: fc.double({ min: -10, max: 10, noNaN: true }),
  r2: fc.double({ min: 0, max: 1, noNaN: true }),
  finite: fc.boolean(),
  lr: fc.double({ min: 1e-4, max: 1, noNaN: true }),
  ys: fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })),
  lnew: fc.double({ min: -2, max: 2, noNaN: true }),
});

/** An estimate whose fields hold the draws' values: 0-d tensors for one draw, vectors for many. */
function estimateOf(ds: readonly Draw[], shape: 'scalar' | 'vector'): Estimate {
  const t = (f: (d: Draw) => number, dtype: 'float64' | 'bool' = 'float64') =>
    shape === 'scalar' ? scalar(f(ds[0]!), { dtype }) : tensor(ds.map(f), { dtype });
  const a = t((d) => d.a);
  const b = t((d) => d.b);
  const lr = t((d) => d.lr);
  const yMinus = t((d) => d.ys[0]);
  const yPlus = t((d) => d.ys[1]);
  return {
    a,
    b,
    etaStar: div(b, a),
    r2: t((d) => d.r2),
    allFinite: t((d) => (d.finite ? 1 : 0), 'bool'),
    evals: 2,
    L0: t(() => 1),
    descent: [{ x: lr, y: yPlus }],
    overshoot: logicalAnd(greater(yMinus, 0), greater(yPlus, 0)),
  };
}

const configs: Partial<GeNConfig>[] = [
  {},
  { fastDecrease: true },
  { negativeCurvature: 'grow', gamma: 0, clipRatio: 4 },
  { safeguard: { nonFiniteFactor: 0.25, minLr: 1e-3, maxLr: 0.5 } },
];

describe('propose and verify are elementwise in the rate', () => {
  for (const c of configs) {
    it(`a vector of rates decides like each rate alone (${JSON.stringify(c)})`, () => {
      const cfg = { ...GEN_DEFAULTS, ...c } as GeNConfig;
      const rule: ProposeRule = { ...cfg, gateR2: true };
      fc.assert(
        fc.property(
          fc.array(draw, { minLength: 1, maxLength: 6 }),
          fc.double({ min: 0.1, max: 1 }),
          (ds, s) => {
            const vec = estimateOf(ds, 'vector');
            const lrs = tensor(
              ds.map((d) => d.lr),
              F64,
            );
            const pv = propose(rule, vec, lrs, s);
            const vv = verify(
              cfg,
              vec,
              pv,
              tensor(
                ds.map((d) => d.lnew),
                F64,
              ),
            );
            ds.forEach((d, i) => {
              const one = estimateOf([d], 'scalar');
              const p1 = propose(rule, one, scalar(d.lr, F64), s);
              const v1 = verify(cfg, one, p1, scalar(d.lnew, F64));
              const at = (x: Tensor) => Array.from(x.dataSync())[i];
              expect(at(pv.lr)).toBe(p1.lr.itemSync());
              expect(at(pv.accepted)).toBe(p1.accepted.itemSync());
              expect(at(pv.usable)).toBe(p1.usable.itemSync());
              expect(at(vv.lr)).toBe(v1.lr.itemSync());
              expect(at(vv.verified)).toBe(v1.verified.itemSync());
              expect(at(vv.moves)).toBe(v1.moves.itemSync());
            });
          },
        ),
      );
    });
  }
});
