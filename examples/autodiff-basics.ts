/**
 * Autodiff basics: the transforms of `@gen-ts/core` on small functions whose derivatives are
 * known in closed form, each result checked against that formula in float64 (the errors printed
 * are rounding: at most a few 1e-16, often exactly 0).
 *
 * - `grad` and `valueAndGrad` (reverse mode), with `argnums` for several arguments;
 * - `jvp` (forward mode): a directional derivative, `<grad f, v>`, without forming the gradient;
 * - `vjp`: `u^T J` of a vector-valued function;
 * - `jacfwd` and `jacrev`: the whole Jacobian, one pass per input or per output;
 * - `hvp` (forward over reverse) and `hessian`; `grad(grad(f))` for a second derivative.
 *
 * Every transform returns a function of the same arguments, and they nest: `jvp` of `grad` is the
 * Hessian-vector product that GeN's exact mode and `newtonDirection` use.
 *
 * Run: npx tsx examples/autodiff-basics.ts
 */
import { pathToFileURL } from 'node:url';
import {
  add,
  cos,
  grad,
  hessian,
  hvp,
  jacfwd,
  jacrev,
  jvp,
  matmul,
  mul,
  reshape,
  sin,
  slice,
  square,
  stack,
  sum,
  tensor,
  valueAndGrad,
  vjp,
  type Tensor,
} from '@gen-ts/core';

const F64 = { dtype: 'float64' as const };

/** One check: what was computed, by which transform, and its largest deviation from the formula. */
export interface Check {
  readonly name: string;
  readonly shape: readonly number[];
  readonly value: number[];
  readonly error: number;
}

const values = (t: Tensor): number[] => Array.from(t.dataSync() as Float64Array);

const maxAbsDiff = (a: Tensor, b: Tensor): number => {
  const x = values(a);
  const y = values(b);
  if (x.length !== y.length) throw new Error(`shapes differ: [${a.shape}] and [${b.shape}]`);
  return Math.max(0, ...x.map((v, i) => Math.abs(v - y[i]!)));
};

const check = (name: string, got: Tensor, want: Tensor): Check => ({
  name,
  shape: got.shape,
  value: values(got),
  error: maxAbsDiff(got, want),
});

/** Runs every check at the point `x` (three numbers) along the direction `v`. */
export function run(x0: readonly number[] = [0.5, -1, 2], v0: readonly number[] = [1, 2, -1]): Check[] {
  const x = tensor([...x0], F64);
  const v = tensor([...v0], F64);

  // f(x) = sum(x^2 sin x): separable, so its Hessian is diagonal.
  const f = (z: Tensor) => sum(mul(square(z), sin(z)));
  const df = (z: Tensor) => add(mul(mul(z, sin(z)), 2), mul(square(z), cos(z))); // 2x sin x + x^2 cos x
  const d2f = (z: Tensor) =>
    add(add(mul(sin(z), 2), mul(mul(z, cos(z)), 4)), mul(mul(square(z), sin(z)), -1)); // 2 sin x + 4x cos x - x^2 sin x

  const checks: Check[] = [];
  checks.push(check('grad f', grad(f)(x) as Tensor, df(x)));

  // valueAndGrad with two arguments: L(w, b) = sum((w x + b)^2); dL/dw = 2 sum((w x + b) x), dL/db = 2 sum(w x + b)
  const L = (w: Tensor, b: Tensor) => sum(square(add(mul(w, x), b)));
  const w = tensor(0.3, F64);
  const b = tensor(-0.2, F64);
  const [value, [gw, gb]] = valueAndGrad(L, { argnums: [0, 1] })(w, b) as [Tensor, [Tensor, Tensor]];
  const r = add(mul(w, x), b);
  checks.push(check('valueAndGrad L (value)', value, sum(square(r))));
  checks.push(
    check('valueAndGrad L (dL/dw, dL/db)', stack([gw, gb]), stack([mul(sum(mul(r, x)), 2), mul(sum(r), 2)])),
  );

  // jvp: f(x) and the directional derivative <grad f(x), v> in one forward pass
  const [fx, dfv] = jvp(f, [x], [v]);
  checks.push(check('jvp f (value)', fx, f(x)));
  checks.push(check('jvp f (<grad f, v>)', dfv, sum(mul(df(x), v))));

  // A vector-valued g: R^3 -> R^2, g(x) = [x0 x1, sin(x2)], J = [[x1, x0, 0], [0, 0, cos x2]]
  const at = (z: Tensor, i: number) => reshape(slice(z, [i], [1]), []);
  const g = (z: Tensor) => stack([mul(at(z, 0), at(z, 1)), sin(at(z, 2))]);
  const [a0, a1, a2] = x0 as [number, number, number];
  const J = tensor(
    [
      [a1, a0, 0],
      [0, 0, Math.cos(a2)],
    ],
    F64,
  );
  const u = tensor([2, -3], F64);
  const [, pullback] = vjp(g, x);
  checks.push(check('vjp g (u^T J)', pullback(u)[0] as Tensor, matmul(u, J)));
  checks.push(check('jacfwd g', jacfwd(g)(x), J));
  checks.push(check('jacrev g', jacrev(g)(x), J));

  // Second order: hvp never forms H; hessian does (jacfwd of jacrev).
  checks.push(check('hvp f (H v)', hvp(f, x, v), mul(d2f(x), v)));
  const H = hessian(f)(x);
  const diag = values(d2f(x));
  checks.push(
    check(
      'hessian f',
      H,
      tensor(
        diag.map((d, i) => diag.map((_, j) => (i === j ? d : 0))),
        F64,
      ),
    ),
  );

  // grad nests: d^2/dt^2 sin(t) = -sin(t)
  const t = tensor(0.7, F64);
  const d2sin = grad(grad((s: Tensor) => sin(s))) as (s: Tensor) => Tensor;
  checks.push(check('grad(grad(sin))', d2sin(t), mul(sin(t), -1)));
  return checks;
}

function main(): void {
  console.log(`${'transform'.padEnd(30)}${'|error|'.padEnd(9)}shape  values (row-major)`);
  for (const c of run()) {
    const shown = c.value.map((v) => v.toFixed(4)).join(' ');
    console.log(`${c.name.padEnd(30)}${c.error.toExponential(1).padEnd(9)}[${c.shape}]  ${shown}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
