/**
 * Newton's method as a special case of GeN, on a (nearly) quadratic loss.
 *
 * f(w) = 1/2 w^T A w - c^T w + (mu/4) sum(w^4), A random SPD. GeN's learning rate along a
 * direction d is eta* = (G^T d) / (d^T H d), the minimum of the loss's parabola along d. Along
 * Newton's direction d = H^{-1} G the numerator and the denominator agree, so eta* = 1: GeN on top
 * of Newton's direction is Newton's method. This example shows it twice:
 *
 * - by hand, with the autodiff core alone: the gradient from `grad`, Hessian-vector products from
 *   `hvp` (forward over reverse), the Newton system solved by conjugate gradients on those products
 *   (no Hessian is ever formed), and GeN's eta* along the gradient from a `jvp` (G^T d) and an
 *   `hvp` (d^T H d), compared with gradient descent at a fixed step;
 * - with the library: `chain(newtonDirection(), scaleByGeN({ gamma: 0, clipRatio: Infinity }))`,
 *   where GeN fits its parabola from probe losses, as it does in training, and finds eta* = 1.
 *
 * Run: npx tsx examples/newton-quadratic.ts
 */
import { pathToFileURL } from 'node:url';
import {
  add,
  eye,
  grad,
  hvp,
  jvp,
  key,
  matmul,
  mul,
  normal,
  pow,
  split,
  sub,
  sum,
  treeVdot,
  type Tensor,
} from '@gen-ts/core';
import { applyUpdates, chain, findGeNState, newtonDirection, scaleByGeN } from '@gen-ts/gen';

/** Options of the demo. */
export interface DemoOptions {
  /** Dimension of w. */
  dim: number;
  /** Weight of the quartic term (0 = a pure quadratic, where one Newton step is exact). */
  mu: number;
  /** Iterations of each method. */
  steps: number;
  /** PRNG seed. */
  seed: number;
}

/** Loss trajectories (index 0 = the start) of the four methods. */
export interface DemoResult {
  gdFixed: number[];
  gdGeN: number[];
  newton: number[];
  /** GeN's eta* along the gradient at each GeN step. */
  etas: number[];
  /** The library's `chain(newtonDirection(), scaleByGeN(...))`. */
  newtonGeN: number[];
  /** The eta* that GeN fitted from probe losses along Newton's direction, at each step. */
  newtonEtas: number[];
}

/** Solves `H x = g` by conjugate gradients using only Hessian-vector products `hv`. */
export function conjugateGradient(hv: (v: Tensor) => Tensor, g: Tensor, iters: number, tol = 1e-28): Tensor {
  let x = mul(g, 0);
  let r = g;
  let p = r;
  let rr = treeVdot(r, r).itemSync();
  for (let i = 0; i < iters && rr > tol; i++) {
    const hp = hv(p);
    const alpha = rr / treeVdot(p, hp).itemSync();
    x = add(x, mul(p, alpha));
    r = sub(r, mul(hp, alpha));
    const rr2 = treeVdot(r, r).itemSync();
    p = add(r, mul(p, rr2 / rr));
    rr = rr2;
  }
  return x;
}

/** Runs the three methods from the same start and returns their loss trajectories. */
export function run(o: DemoOptions): DemoResult {
  const f64 = { dtype: 'float64' as const };
  const [ka, kc, kw] = split(key(o.seed), 3);
  const m = normal(ka!, [o.dim, o.dim], f64);
  const A = add(mul(matmul(m, m.transpose()), 1 / o.dim), eye(o.dim, o.dim, f64)); // SPD, eigenvalues in ~[1, 5]
  const c = normal(kc!, [o.dim], f64);
  const f = (w: Tensor): Tensor =>
    add(sub(mul(sum(mul(w, matmul(A, w))), 0.5), sum(mul(c, w))), mul(sum(pow(w, 4)), o.mu / 4));
  const df = grad(f) as (w: Tensor) => Tensor;
  const w0 = normal(kw!, [o.dim], f64);

  const trajectory = (step: (w: Tensor) => Tensor): number[] => {
    const losses = [f(w0).itemSync()];
    let w = w0;
    for (let t = 0; t < o.steps; t++) {
      w = step(w);
      losses.push(f(w).itemSync());
    }
    return losses;
  };

  const etas: number[] = [];
  return {
    gdFixed: trajectory((w) => sub(w, mul(df(w), 0.1))),
    gdGeN: trajectory((w) => {
      const d = df(w);
      const b = jvp(f, [w], [d])[1].itemSync(); // G^T d
      const a = treeVdot(d, hvp(f, w, d)).itemSync(); // d^T H d
      const eta = a > 0 && b > 0 ? b / a : 0.1;
      etas.push(eta);
      return sub(w, mul(d, eta));
    }),
    newton: trajectory((w) =>
      sub(
        w,
        conjugateGradient((v) => hvp(f, w, v), df(w), 4 * o.dim),
      ),
    ),
    etas,
    ...newtonAsGeN(f, df, w0, o),
  };
}

/**
 * The library's Newton special case: the damped-free Newton-CG direction, then GeN probing at
 * every step (`phi: 1`) with no smoothing (`gamma: 0`) and no clipping (`clipRatio: Infinity`), so
 * the rate is the fitted eta* itself. `valueFn`, the loss as a function of the params, is what
 * both need: `newtonDirection` differentiates it twice, GeN evaluates it at its probe points.
 */
function newtonAsGeN(
  f: (w: Tensor) => Tensor,
  df: (w: Tensor) => Tensor,
  w0: Tensor,
  o: DemoOptions,
): Pick<DemoResult, 'newtonGeN' | 'newtonEtas'> {
  const opt = chain(
    newtonDirection({ maxIter: 4 * o.dim }),
    scaleByGeN({ lr: 1, phi: 1, gamma: 0, clipRatio: Infinity }),
  );
  let w = w0;
  let state = opt.init(w);
  const losses = [f(w).itemSync()];
  const etas: number[] = [];
  for (let t = 0; t < o.steps; t++) {
    const [updates, next] = opt.update(df(w), state, w, { valueFn: f });
    w = applyUpdates(w, updates);
    state = next;
    losses.push(f(w).itemSync());
    etas.push(findGeNState(state)!.fit.etaStar.itemSync());
  }
  return { newtonGeN: losses, newtonEtas: etas };
}

function main(): void {
  const opts: DemoOptions = { dim: 20, mu: 0.05, steps: 12, seed: 0 };
  const r = run(opts);
  console.log(
    `f(w) = 1/2 w^T A w - c^T w + ${opts.mu}/4 sum(w^4), dim ${opts.dim}, float64 on the cpu backend\n`,
  );
  console.log(
    'step   GD (eta = 0.1)     GD (GeN eta*)      Newton-CG          GeN on Newton      eta* (GD)  eta* (Newton)',
  );
  for (let t = 0; t <= opts.steps; t++) {
    const cells = [r.gdFixed[t]!, r.gdGeN[t]!, r.newton[t]!, r.newtonGeN[t]!].map((v) =>
      v.toExponential(10).padEnd(19),
    );
    // Once the loss has stopped moving, the probe losses differ by rounding only and the fit says nothing.
    const moved =
      t > 0 && Math.abs(r.newtonGeN[t]! - r.newtonGeN[t - 1]!) > 1e-13 * Math.abs(r.newtonGeN[t]!);
    const newtonEta = moved ? r.newtonEtas[t - 1]!.toFixed(8) : '(converged)';
    const etas = t > 0 ? `${r.etas[t - 1]!.toFixed(4).padEnd(11)}${newtonEta}` : '';
    console.log(`${String(t).padStart(4)}   ${cells.join('')}${etas}`);
  }
  const best = Math.min(...r.newton);
  console.log(
    `\nNewton reaches ${best.toExponential(12)}; GeN-GD is within ${(r.gdGeN.at(-1)! - best).toExponential(2)} after ${opts.steps} steps,`,
  );
  console.log(`fixed-step GD within ${(r.gdFixed.at(-1)! - best).toExponential(2)}.`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
