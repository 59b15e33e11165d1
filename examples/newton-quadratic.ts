/**
 * Autodiff and Newton on a (nearly) quadratic loss, with the step size GeN would pick.
 *
 * f(w) = 1/2 w^T A w - c^T w + (mu/4) sum(w^4), A random SPD. The gradient comes from `grad`,
 * Hessian-vector products from `hvp` (forward-over-reverse), and the Newton system is solved by
 * conjugate gradients on those products (no Hessian is ever formed). Gradient descent with a fixed
 * step is compared with gradient descent at GeN's step eta* = (G^T d) / (d^T H d), whose numerator
 * is a `jvp` and whose denominator is an `hvp`, and with Newton's method.
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

/** Loss trajectories (index 0 = the start) of the three methods. */
export interface DemoResult {
  gdFixed: number[];
  gdGeN: number[];
  newton: number[];
  /** GeN's eta* along the gradient at each GeN step. */
  etas: number[];
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
  };
}

function main(): void {
  const opts: DemoOptions = { dim: 20, mu: 0.05, steps: 12, seed: 0 };
  const r = run(opts);
  console.log(
    `f(w) = 1/2 w^T A w - c^T w + ${opts.mu}/4 sum(w^4), dim ${opts.dim}, float64 on the cpu backend\n`,
  );
  console.log('step   GD (eta = 0.1)     GD (GeN eta*)      Newton-CG          eta*');
  for (let t = 0; t <= opts.steps; t++) {
    const cells = [r.gdFixed[t]!, r.gdGeN[t]!, r.newton[t]!].map((v) => v.toExponential(10).padEnd(19));
    console.log(`${String(t).padStart(4)}   ${cells.join('')}${t > 0 ? r.etas[t - 1]!.toFixed(4) : ''}`);
  }
  const best = Math.min(...r.newton);
  console.log(
    `\nNewton reaches ${best.toExponential(12)}; GeN-GD is within ${(r.gdGeN.at(-1)! - best).toExponential(2)} after ${opts.steps} steps,`,
  );
  console.log(`fixed-step GD within ${(r.gdFixed.at(-1)! - best).toExponential(2)}.`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
