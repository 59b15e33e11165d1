/**
 * `newtonDirection`: turns a gradient into the (damped) Newton direction `(H + lambda I)^{-1} g`
 * by conjugate gradients on Hessian-vector products (core `hvp`, forward-over-reverse), never
 * forming `H`. A fixed number of iterations with on-device guards (no readback): iterations after
 * convergence or after negative curvature leave the solution unchanged. If the very first
 * curvature is not positive, the gradient itself is returned. Followed by `scaleByGeN`, GeN's
 * estimate is `eta* = 1` on a quadratic: the Newton special case (docs/gen.md, section 1).
 */
import {
  add,
  div,
  greater,
  hvp,
  lessEqual,
  logicalOr,
  mul,
  treeMap,
  treeVdot,
  where,
  type Tensor,
} from '@gen-ts/core';
import type { EmptyState } from '../base.js';
import type { GradientTransformation, LossExtras } from '../types.js';
import { checkOptions, numberRule } from '../validate.js';

/** Options of `newtonDirection`. */
export interface NewtonDirectionOptions {
  /** Damping `lambda` added to the Hessian (default 0). */
  damping?: number;
  /** CG iterations, each one Hessian-vector product (default 20). */
  maxIter?: number;
  /** Stop when `||r|| <= tol * ||g||` (default 1e-10). */
  tol?: number;
}

const axpy = <T>(x: T, alpha: Tensor | number, y: T): T => treeMap<T>((a, b) => add(a, mul(b!, alpha)), x, y);

/**
 * The Hessian-free Newton-CG direction. Needs `params` and `extra.valueFn` (the loss as a
 * function of the params) on every step; its output points uphill like the gradient, so it goes
 * before a learning-rate transform: `chain(newtonDirection(), scaleByGeN({ gamma: 0, clipRatio: Infinity }))`.
 */
export function newtonDirection(
  options: NewtonDirectionOptions = {},
): GradientTransformation<EmptyState, LossExtras> {
  const { damping, maxIter, tol } = checkOptions('newtonDirection', options, {
    damping: numberRule(0, { min: 0 }),
    maxIter: numberRule(20, { min: 1, integer: true }),
    tol: numberRule(1e-10, { min: 0 }),
  });
  return {
    init: () => ({}),
    update: (g, state, params, extra) => {
      const valueFn = extra?.valueFn;
      if (typeof valueFn !== 'function') {
        throw new Error(
          'newtonDirection: needs extra.valueFn, the loss as a function of the params (for Hessian-vector products)',
        );
      }
      if (params === undefined) throw new Error('newtonDirection: needs params');
      const H = (v: typeof g): typeof g => {
        const hv = hvp<any>(valueFn, params, v) as typeof g;
        return damping === 0 ? hv : axpy(hv, damping, v);
      };
      let x = treeMap<typeof g>((u) => mul(u, 0), g);
      let r = g;
      let p = g;
      let rr = treeVdot(r, r);
      const stopAt = mul(rr, tol * tol);
      let done = lessEqual(rr, stopAt);
      let firstNeg: Tensor | undefined;
      for (let k = 0; k < maxIter; k++) {
        const Ap = H(p);
        const pAp = treeVdot(p, Ap);
        const neg = lessEqual(pAp, 0);
        firstNeg ??= neg;
        const stop = logicalOr(done, neg);
        const alpha = where(stop, 0, div(rr, where(stop, 1, pAp)));
        x = axpy(x, alpha, p);
        r = axpy(r, mul(alpha, -1), Ap);
        const rrNew = treeVdot(r, r);
        done = logicalOr(stop, lessEqual(rrNew, stopAt));
        const beta = where(done, 0, div(rrNew, where(greater(rr, 0), rr, 1)));
        p = axpy(r, beta, p);
        rr = rrNew;
      }
      const out = treeMap<typeof g>((gi, xi) => where(firstNeg!, gi, xi!), g, x);
      return [out, state];
    },
  };
}
