/**
 * The 2-D test functions, written once on tensors of points `[n, 2]` so the same code gives the
 * loss at one point (what the optimizer differentiates), along a line (the probe plot) and on a
 * grid (the contour map), on whichever backend is current.
 */
import { add, mul, reshape, slice, square, sub, type DType, type Tensor } from '@gen-ts/core';

/** The problems the page offers. */
export type ProblemId = 'rosenbrock' | 'beale' | 'quadratic';

/** A 2-D test function with its view and its usual starting point. */
export interface Problem {
  readonly id: ProblemId;
  readonly label: string;
  /** Where the optimizers start. */
  readonly start: readonly [number, number];
  /** The global minimum (marked on the map). */
  readonly minimum: readonly [number, number];
  /** The region drawn: `[xmin, xmax]`, `[ymin, ymax]`. */
  readonly box: { readonly x: readonly [number, number]; readonly y: readonly [number, number] };
  /** The loss at each row of `w` (`[n, 2]`), as `[n]`. */
  losses(w: Tensor): Tensor;
}

const xy = (w: Tensor): [Tensor, Tensor] => {
  const n = w.shape[0]!;
  return [slice(w, [0, 0], [n, 1]), slice(w, [0, 1], [n, 1])];
};
const flat = (t: Tensor): Tensor => reshape(t, [t.shape[0]!]);

/** Rosenbrock's valley: `(1 - x)^2 + 100 (y - x^2)^2`, minimum 0 at (1, 1). */
const rosenbrock: Problem = {
  id: 'rosenbrock',
  label: 'Rosenbrock',
  start: [-1.2, 1],
  minimum: [1, 1],
  box: { x: [-2, 2], y: [-1, 3] },
  losses: (w) => {
    const [x, y] = xy(w);
    return flat(add(square(sub(1, x)), mul(square(sub(y, square(x))), 100)));
  },
};

/** Beale's function: three squared residuals, minimum 0 at (3, 0.5), flat plateaus and steep walls. */
const beale: Problem = {
  id: 'beale',
  label: 'Beale',
  start: [1, 1.5],
  minimum: [3, 0.5],
  box: { x: [-4.5, 4.5], y: [-4.5, 4.5] },
  losses: (w) => {
    const [x, y] = xy(w);
    const term = (c: number, yk: Tensor) => square(add(sub(c, x), mul(x, yk)));
    const y2 = mul(y, y);
    return flat(add(add(term(1.5, y), term(2.25, y2)), term(2.625, mul(y2, y))));
  },
};

// Hessian of the quadratic: eigenvalues 1 and 50 along axes rotated by 30 degrees.
const [C, S] = [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6)];
const [L1, L2] = [1, 50];
/** The quadratic's Hessian entries `[[hxx, hxy], [hxy, hyy]]`. */
export const QUADRATIC_HESSIAN = {
  xx: L1 * C * C + L2 * S * S,
  xy: (L1 - L2) * C * S,
  yy: L1 * S * S + L2 * C * C,
} as const;

/** An ill-conditioned quadratic (condition number 50, rotated): `w^T H w / 2`, minimum 0 at 0. */
const quadratic: Problem = {
  id: 'quadratic',
  label: 'Ill-conditioned quadratic',
  start: [-1.6, 1.2],
  minimum: [0, 0],
  box: { x: [-2, 2], y: [-2, 2] },
  losses: (w) => {
    const [x, y] = xy(w);
    const h = QUADRATIC_HESSIAN;
    const q = add(add(mul(square(x), h.xx), mul(mul(x, y), 2 * h.xy)), mul(square(y), h.yy));
    return flat(mul(q, 0.5));
  },
};

/** Every problem, in menu order. */
export const PROBLEMS: readonly Problem[] = [rosenbrock, beale, quadratic];

/** The problem with this id; throws naming the ids when there is none. */
export function problemById(id: string): Problem {
  const p = PROBLEMS.find((q) => q.id === id);
  if (!p) throw new RangeError(`unknown problem '${id}' (known: ${PROBLEMS.map((q) => q.id).join(', ')})`);
  return p;
}

/** The loss at one point `w` (`[2]`) as a 0-d tensor: what the optimizers differentiate. */
export function pointLoss(p: Problem): (w: Tensor) => Tensor {
  return (w) => reshape(p.losses(reshape(w, [1, 2])), []);
}

/** The float dtype a run uses (float64 only on the cpu backend). */
export type FloatDType = Extract<DType, 'float32' | 'float64'>;
