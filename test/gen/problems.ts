/** Small test problems in float64 (two scalar params) and a plain training loop over a transformation. */
import { add, mul, scalar, sub, square, valueAndGrad, type Tensor } from '@gen-ts/core';
import { applyUpdates, type GradientTransformation } from '@gen-ts/gen';

/** Two scalar params. */
export type XY = { x: Tensor; y: Tensor };

/** Rosenbrock `(1 - x)^2 + 100 (y - x^2)^2`, minimum 0 at (1, 1). */
export const rosenbrock = (p: XY): Tensor =>
  add(square(sub(1, p.x)), mul(square(sub(p.y, square(p.x))), 100));

/** An anisotropic parabola `(x - 1)^2 + 5 (y + 2)^2`, minimum 0 at (1, -2). */
export const parabola = (p: XY): Tensor => add(square(sub(p.x, 1)), mul(square(add(p.y, 2)), 5));

/** Beale's function, minimum 0 at (3, 0.5). */
export const beale = (p: XY): Tensor => {
  const { x, y } = p;
  const t1 = add(sub(1.5, x), mul(x, y));
  const t2 = add(sub(2.25, x), mul(x, square(y)));
  const t3 = add(sub(2.625, x), mul(x, mul(y, square(y))));
  return add(add(square(t1), square(t2)), square(t3));
};

/**
 * Runs `steps` steps of `opt` on `f` from `start` (valueFn and value passed as extras) and returns
 * the final loss (Infinity when it is not finite) at `evalParams(state, params)` (default: the
 * params). The loop (not the optimizer) reads the loss every 100 steps and stops early once it is
 * not finite: a diverged run stays diverged.
 */
export function minimize(
  f: (p: XY) => Tensor,
  opt: GradientTransformation<any, any>,
  start: readonly [number, number],
  steps: number,
  evalParams: (state: any, params: XY) => XY = (_s, p) => p,
): number {
  let p: XY = { x: scalar(start[0], { dtype: 'float64' }), y: scalar(start[1], { dtype: 'float64' }) };
  let s = opt.init(p);
  const vg = valueAndGrad(f);
  for (let i = 0; i < steps; i++) {
    const [value, g] = vg(p) as [Tensor, XY];
    const [u, next] = opt.update(g, s, p, { valueFn: f, value, grad: g });
    p = applyUpdates(p, u);
    s = next;
    if (i % 100 === 99 && !Number.isFinite(value.itemSync())) return Infinity;
  }
  const v = f(evalParams(s, p)).itemSync();
  return Number.isFinite(v) ? v : Infinity;
}
