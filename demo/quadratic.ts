/**
 * The quadratic checks, in float64 on the reference cpu backend (whatever `--backend` says): the
 * library's `scaleByGeN` against what the algebra says it must give.
 *
 * - On random SPD quadratics, fit mode (three probe losses) and exact mode (`jvp`) give
 *   `eta* = G^T d / d^T A d` to rounding, for any probe step; on the Newton direction `eta* = 1` and
 *   one step lands on the minimizer; scaling `d` leaves the step unchanged; a one-sample linear
 *   model gives `1 / (1 + ||x||^2)`.
 * - On a loss that is not quadratic (an MLP on MNIST digits), the fitted slope and curvature
 *   approach the exact ones as O(eta^2) when the probe step eta shrinks: a slope of 2 on a log-log
 *   chart.
 * - The parabola the fit sees, against the true loss along the step.
 */
import {
  add,
  cpu,
  grad,
  key,
  matmul,
  mul,
  normal,
  split,
  square,
  sub,
  sum,
  treeMap,
  treeVdot,
  uniform,
  withBackend,
  type Tensor,
} from '@gen-ts/core';
import { chain, newtonDirection, scaleByGeN, type GeNMode } from '@gen-ts/gen';
import { loadMnist, mlp, randomQuadratic, softmaxCrossEntropy } from '@gen-ts/nn';

/** One row of the checks table: the largest relative error over the trials, and what it should be below. */
export interface QuadraticCheck {
  readonly name: string;
  readonly trials: number;
  readonly maxError: number;
  readonly bound: number;
}

/** Errors of fit-mode `a`, `b` against exact mode at shrinking probe steps. */
export interface ConvergenceSeries {
  readonly name: string;
  readonly eta: readonly number[];
  readonly error: readonly number[];
  /** Least-squares slope of log(error) on log(eta), over the points where truncation dominates. */
  readonly slope: number;
}

/** The loss along the step, the fitted parabola and the probes. */
export interface ParabolaPicture {
  readonly x: readonly number[];
  readonly loss: readonly number[];
  readonly fitted: readonly number[];
  readonly exact: readonly number[];
  readonly probes: { readonly x: readonly number[]; readonly loss: readonly number[] };
  readonly probeStep: number;
  readonly etaStar: number;
}

export interface QuadraticResult {
  readonly checks: readonly QuadraticCheck[];
  readonly convergence: readonly ConvergenceSeries[];
  readonly parabola: ParabolaPicture;
  readonly seconds: number;
}

const F64 = { dtype: 'float64' as const };
const rel = (got: number, want: number) => Math.abs(got - want) / Math.max(Math.abs(want), 1e-300);

/** One probe step of GeN at probe step `eta`, unsmoothed and unclipped, read back as numbers. */
function genFit(loss: (w: any) => Tensor, w: unknown, d: unknown, eta: number, mode: GeNMode) {
  const t = scaleByGeN({ lr: eta, gamma: 0, clipRatio: Infinity, mode });
  const [update, s] = t.update(d, t.init(w), w, { valueFn: loss });
  return { a: s.fit.a.itemSync(), b: s.fit.b.itemSync(), etaStar: s.fit.etaStar.itemSync(), update };
}

/**
 * The rounding a fit can carry: its probe-loss differences are about `(a/2) eta^2` and `b eta`, each
 * computed from losses of size `|L|` with ~`|L| 2^-52` of error (16 such terms, generously).
 */
const fitRounding = (L: number, f: { a: number; b: number }, eta: number) =>
  (16 * 2 ** -52 * Math.abs(L)) / Math.min(f.a * eta * eta, f.b * eta);

function quadraticChecks(dim: number, trials: number): QuadraticCheck[] {
  const errs = { fit: 0, exact: 0, newton: 0, land: 0, scale: 0, linear: 0 };
  let fitBound = 0;
  let linBound = 0;
  for (let t = 0; t < trials; t++) {
    const [kq, kw, kd, ke, kx] = split(key(100 + t), 5);
    const q = randomQuadratic(kq!, { dim, condition: 100, ...F64 });
    const w = normal(kw!, [dim], F64);
    const g = grad(q.loss)(w);
    // a direction that is not the gradient, turned uphill (b > 0) as a base optimizer's is
    let d = normal(kd!, [dim], F64);
    if (treeVdot(g, d).itemSync() < 0) d = mul(d, -1);
    const want = treeVdot(g, d).itemSync() / treeVdot(d, matmul(q.a, d)).itemSync();
    const eta = 10 ** uniform(ke!, [], { minval: -3, maxval: 0, ...F64 }).itemSync();
    const fit = genFit(q.loss, w, d, eta, 'fit');
    errs.fit = Math.max(errs.fit, rel(fit.etaStar, want));
    fitBound = Math.max(fitBound, fitRounding(q.loss(w).itemSync(), fit, eta));
    errs.exact = Math.max(errs.exact, rel(genFit(q.loss, w, d, eta, 'exact').etaStar, want));
    // Newton's direction A^{-1} G (by CG on Hessian-vector products): eta* = 1, one step to the minimizer
    const newton = chain(
      newtonDirection({ maxIter: 4 * dim, tol: 1e-14 }),
      scaleByGeN({ lr: eta, gamma: 0, clipRatio: Infinity }),
    );
    const [u, s] = newton.update(g, newton.init(w), w, { valueFn: q.loss });
    errs.newton = Math.max(errs.newton, Math.abs(s[1].fit.etaStar.itemSync() - 1));
    const dist = (v: Tensor) => Math.sqrt(sum(square(sub(v, q.minimizer))).itemSync());
    errs.land = Math.max(errs.land, dist(add(w, u)) / dist(w));
    // scale invariance: d -> 10 d gives eta* / 10, the same step
    const c = 10;
    const u1 = genFit(q.loss, w, d, eta, 'fit').update as Tensor;
    const u2 = genFit(q.loss, w, mul(d, c), eta / c, 'fit').update as Tensor;
    errs.scale = Math.max(
      errs.scale,
      Math.sqrt(sum(square(sub(u1, u2))).itemSync() / sum(square(u1)).itemSync()),
    );
    // one-sample linear model L = 1/2 ||W x + b - y||^2 along its gradient: eta* = 1 / (1 + ||x||^2)
    const [k1, k2, k3] = split(kx!, 3);
    const x = normal(k1!, [dim, 1], F64);
    const y = normal(k2!, [3, 1], F64);
    const p = { W: normal(k3!, [3, dim], F64), b: normal(key(7 + t), [3, 1], F64) };
    const lin = (p: { W: Tensor; b: Tensor }) => mul(sum(square(sub(add(matmul(p.W, x), p.b), y))), 0.5);
    const xx = sum(square(x)).itemSync();
    const linFit = genFit(lin, p, grad(lin)(p), eta, 'fit');
    errs.linear = Math.max(errs.linear, rel(linFit.etaStar, 1 / (1 + xx)));
    linBound = Math.max(linBound, fitRounding(lin(p).itemSync(), linFit, eta));
  }
  // bounds: the fit's from its rounding (above); float64 ~1e-10 relative elsewhere, and CG's
  // residual (stopped near 1e-10 of the gradient's norm on condition 100) for the Newton rows
  return [
    {
      name: 'fit mode: eta* = G^T d / d^T A d (random SPD quadratic, random direction, probe step 1e-3..1)',
      trials,
      maxError: errs.fit,
      bound: fitBound,
    },
    { name: 'exact mode (jvp): eta* = G^T d / d^T A d', trials, maxError: errs.exact, bound: 1e-10 },
    { name: 'Newton direction A^-1 G (CG): |eta* - 1|', trials, maxError: errs.newton, bound: 1e-8 },
    {
      name: 'one GeN step along it: distance to the minimizer, relative',
      trials,
      maxError: errs.land,
      bound: 1e-8,
    },
    {
      name: 'scale invariance: step along 10 d vs along d, relative difference',
      trials,
      maxError: errs.scale,
      bound: 1e-10,
    },
    {
      name: 'one-sample linear model: eta* = 1 / (1 + ||x||^2)',
      trials,
      maxError: errs.linear,
      bound: linBound,
    },
  ];
}

/** Slope of log(err) against log(eta) by least squares. */
export function logLogSlope(eta: readonly number[], err: readonly number[]): number {
  const pts = eta
    .map((e, i) => [Math.log(e), Math.log(err[i]!)] as const)
    .filter(([, y]) => Number.isFinite(y));
  const n = pts.length;
  if (n < 2) return NaN;
  const mx = pts.reduce((s, [x]) => s + x, 0) / n;
  const my = pts.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = pts.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = pts.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxy / sxx;
}

/** The MLP loss on 256 digits in float64, its params at initialisation and the SGD direction. */
function mlpProblem() {
  const { train } = loadMnist({ train: 256, test: 1, dtype: 'float64', seed: 3 });
  const model = mlp([32, 10], { activation: 'tanh', dtype: 'float64' });
  const { params } = model.init(key(5), [256, 784]);
  const loss = (p: unknown) => softmaxCrossEntropy(model.apply(p as never, train.x) as Tensor, train.y);
  return { loss, params, d: grad(loss)(params) };
}

function convergence(): { series: ConvergenceSeries[]; parabola: ParabolaPicture } {
  const { loss, params, d } = mlpProblem();
  const exact = genFit(loss, params, d, 1, 'exact');
  const etas = Array.from({ length: 14 }, (_, k) => exact.etaStar * 2 ** (1 - k));
  const fits = etas.map((eta) => genFit(loss, params, d, eta, 'fit'));
  const errA = fits.map((f) => rel(f.a, exact.a));
  const errB = fits.map((f) => rel(f.b, exact.b));
  // the slope is read where the error is asymptotic (below 10%) and still well above the
  // roundoff of float64 loss differences (1e-6)
  const truncated = (err: number[]) => err.map((e) => (e > 1e-6 && e < 0.1 ? e : NaN));
  const series: ConvergenceSeries[] = [
    { name: 'curvature a = d^T H d', eta: etas, error: errA, slope: logLogSlope(etas, truncated(errA)) },
    { name: 'slope b = G^T d', eta: etas, error: errB, slope: logLogSlope(etas, truncated(errB)) },
  ];

  const L0 = loss(params).itemSync();
  const along = (x: number) => loss(treeMap((w: Tensor, di) => sub(w, mul(di!, x)), params, d)).itemSync();
  const probeStep = exact.etaStar * 1.5;
  const f = genFit(loss, params, d, probeStep, 'fit');
  const xs = Array.from({ length: 41 }, (_, i) => exact.etaStar * (-1.5 + (4.5 * i) / 40));
  const parab = (a: number, b: number) => xs.map((x) => L0 - b * x + 0.5 * a * x * x);
  const probes = [-probeStep, 0, probeStep];
  return {
    series,
    parabola: {
      x: xs,
      loss: xs.map(along),
      fitted: parab(f.a, f.b),
      exact: parab(exact.a, exact.b),
      probes: { x: probes, loss: probes.map(along) },
      probeStep,
      etaStar: f.etaStar,
    },
  };
}

/** Runs every check (about a second at full size). */
export function runQuadratic(o: { dim: number; trials: number }): QuadraticResult {
  const t0 = performance.now();
  return withBackend(cpu(), () => {
    const checks = quadraticChecks(o.dim, o.trials);
    const { series, parabola } = convergence();
    return { checks, convergence: series, parabola, seconds: (performance.now() - t0) / 1000 };
  });
}
