/**
 * Gradient checks in a random direction, in the manner of JAX's `check_grads`, usable on any
 * backend and dtype:
 *
 * - forward mode: `jvp(f)(x; v)` against a central difference of `f` along the same random `v`
 *   (relative error, plus an absolute allowance for the difference's own rounding noise);
 * - reverse mode: the inner-product identity `<vjp(ct), v> = <ct, jvp(v)>` for a random `ct`, which
 *   holds exactly (up to rounding) because the VJP is the transpose of the JVP;
 * - order k > 1: the same checks applied to the JVP map `(x, v) -> jvp(f)(x; v)` and to the VJP map
 *   `(x, ct) -> vjp(f)(x)(ct)`, so forward-over-forward, forward-over-reverse, reverse-over-forward
 *   and reverse-over-reverse derivatives are all exercised;
 * - one argument at a time: with several float arguments, each is also checked alone, the others
 *   closed over as constants (`x => f(x, y)`, as `hvp`, `jacfwd` and GeN's exact mode call it). A
 *   rule then sees a tangent on one operand only, which is where a broadcasting operand's tangent
 *   must be broadcast: perturbing every argument at once never shows that case. Errors there are
 *   measured against the size of the whole derivative (of the all-arguments check at the same
 *   nesting), since a derivative in one argument may be zero up to rounding (an attention layer's
 *   key bias shifts every score of a query alike, so softmax does not see it), where a relative
 *   error would compare rounding noise with itself.
 *
 * All reductions (norms, inner products, finite differences) are done on the host in double
 * precision, so on a float32 backend the only float32 rounding measured is the library's own.
 */
import {
  foldIn,
  isFloat,
  jvp,
  key,
  mul,
  add,
  normal,
  split,
  tensor,
  treeFlatten,
  treeUnflatten,
  vjp,
  zerosLike,
  type DType,
  type PRNGKey,
  type Tensor,
  type Tree,
  type TreeDef,
} from '@gen-ts/core';

type Fn = (...args: Tensor[]) => Tree;

/** Tolerances and the finite-difference step of a check. */
export interface GradTolerances {
  /** Largest relative error allowed between the JVP and the central difference. */
  fd: number;
  /** Largest relative error allowed in the inner-product identity `<vjp(ct), v> = <ct, jvp(v)>`. */
  vjp: number;
  /** Step `h` of the central difference: arguments move by up to `2 h v`, `v` of RMS 1. */
  eps: number;
}

/**
 * Default tolerances per float dtype. The difference stencil is fourth order, so its relative
 * truncation error is about h^4 / 30 and its rounding error 1.5 u / h for unit roundoff `u`:
 * h = 1e-3 keeps both below 1e-12 in float64; in float32, h = 1e-2 gives ~1e-5 rounding. The VJP
 * identity has no truncation error, so its tolerance is a small multiple of the dtype's rounding
 * (float64 ~1e-10, float32 ~1e-4).
 */
export const DEFAULT_TOLERANCES: { readonly [D in 'float32' | 'float64']: GradTolerances } = {
  float64: { fd: 1e-6, vjp: 1e-10, eps: 1e-3 },
  float32: { fd: 1e-3, vjp: 1e-4, eps: 1e-2 },
};

/** The loosest default tolerances over the float dtypes involved (float32 if any is float32). */
export function tolerancesFor(dtypes: readonly DType[]): GradTolerances {
  return dtypes.includes('float32') ? DEFAULT_TOLERANCES.float32 : DEFAULT_TOLERANCES.float64;
}

/** A function of positional tensor arguments returning a pytree of tensors. */
export type TensorFn = (...args: Tensor[]) => unknown;

/** Options of `checkGrads`; unset tolerances default from the dtypes of the inputs and outputs. */
export interface CheckGradsOptions extends Partial<GradTolerances> {
  /** Derivative order to check (default 1); order k checks the JVP and VJP maps at order k - 1. */
  order?: number;
  /** Which modes to check (default both). */
  modes?: readonly ('fwd' | 'rev')[];
  /** Seed of the random directions (default 0). */
  seed?: number;
  /** Name shown in failure messages. */
  label?: string;
  /**
   * Also check each float argument alone, the others held as constants (default true; only
   * matters with two or more float arguments).
   */
  oneAtATime?: boolean;
}

/** One measured check: which map, which test, at which nesting, the error and its bound. */
export interface CheckResult {
  /** The map checked: `f`, `jvp(f)`, `vjp(f)`, `jvp(vjp(f))`, ... */
  path: string;
  /** `fd`: JVP vs central difference; `vjp`: the inner-product identity. */
  test: 'fd' | 'vjp';
  /** The measured relative error. */
  error: number;
  /** The tolerance it was held to. */
  tol: number;
}

/**
 * Checks the derivatives of `f` at `args` in random directions (see the file header) and throws an
 * error naming the map, the test, the error and the shapes when one exceeds its tolerance.
 * Non-float arguments (indices, masks) are held fixed; non-float outputs are ignored.
 * Resolves to every measured error, for reporting.
 */
export async function checkGrads(
  f: TensorFn,
  args: readonly Tensor[],
  options: CheckGradsOptions = {},
): Promise<CheckResult[]> {
  const order = options.order ?? 1;
  if (!Number.isInteger(order) || order < 1)
    throw new RangeError(`checkGrads: order must be a positive integer, got ${order}`);
  const results: CheckResult[] = [];
  const label = options.label ?? 'f';
  const seed = options.seed ?? 0;
  const fl = floatPositions('checkGrads', args);
  const alone = (options.oneAtATime ?? true) && fl.length > 1;
  const scales: Scales = { record: alone, floors: new Map() };
  await checkAt(f, args, order, key(seed), options, { path: label, shape: 'f' }, results, scales);
  if (alone) {
    for (const i of fl) {
      const g: TensorFn = (x) => f(...args.map((a, j) => (j === i ? x! : a)));
      const at = { path: `${label}, arg ${i} alone`, shape: 'f' };
      await checkAt(g, [args[i]!], order, foldIn(key(seed), i + 1), options, at, results, {
        record: false,
        floors: scales.floors,
      });
    }
  }
  return results;
}

/** The float arguments' positions; throws if there is nothing to differentiate. */
function floatPositions(op: string, args: readonly Tensor[]): number[] {
  const pos = args.flatMap((a, i) => (isFloat(a.dtype) ? [i] : []));
  if (pos.length === 0)
    throw new TypeError(
      `${op}: no float argument to differentiate (dtypes ${args.map((a) => a.dtype).join(', ')})`,
    );
  return pos;
}

/**
 * `jvp(f)` at `args`, with tangents `vs` at the float positions `fl` (every other arg is its own
 * tangent), and the output's leaves, their treedef and which of them are float.
 */
function jvpAt(f: TensorFn, args: readonly Tensor[], fl: readonly number[], vs: readonly Tensor[]) {
  const tangents = args.map((a, i) => (fl.includes(i) ? vs[fl.indexOf(i)]! : a));
  const [y, ty] = jvp(f as Fn, [...args], tangents);
  const [yLeaves, ydef] = treeFlatten(y);
  const outFloat = yLeaves.flatMap((l, j) => (isFloat(l.dtype) ? [j] : []));
  return { ty, yLeaves, ydef, outFloat };
}

function describeArgs(args: readonly Tensor[]): string {
  return args.map((a) => `${a.dtype}[${a.shape.join(',')}]`).join(', ');
}

/**
 * The sizes the errors are measured against: the all-arguments check records its own, keyed by
 * the nesting (`shape`: `f`, `jvp(f)`, ...) and the test, and the one-argument checks measure
 * against the larger of theirs and those (see the file header).
 */
interface Scales {
  readonly record: boolean;
  readonly floors: Map<string, number>;
}

/** Where a check is: `path` for messages, `shape` the nesting with the function called `f`. */
interface At {
  readonly path: string;
  readonly shape: string;
}

async function checkAt(
  f: TensorFn,
  args: readonly Tensor[],
  order: number,
  k: PRNGKey,
  options: CheckGradsOptions,
  at: At,
  results: CheckResult[],
  scales: Scales,
): Promise<void> {
  const { path } = at;
  /** `own`, or the recorded size of the all-arguments check when that is larger. */
  const scaleOf = (test: 'fd' | 'vjp', own: number): number => {
    const k = `${at.shape}:${test}`;
    if (scales.record) scales.floors.set(k, own);
    return Math.max(own, scales.floors.get(k) ?? 0);
  };
  const modes = options.modes ?? ['fwd', 'rev'];
  const fl = floatPositions('checkGrads', args);
  const [kv, kc, kf, kr] = split(k, 4) as [PRNGKey, PRNGKey, PRNGKey, PRNGKey];
  const vs = await unitRms(
    randomLike(
      kv,
      fl.map((i) => args[i]!),
    ),
  );
  // JVP (needed by both tests)
  const { ty, yLeaves, ydef, outFloat } = jvpAt(f, args, fl, vs);
  if (outFloat.length === 0) throw new TypeError(`checkGrads[${path}]: f has no float output to check`);
  const tol = {
    ...tolerancesFor([...fl.map((i) => args[i]!.dtype), ...outFloat.map((j) => yLeaves[j]!.dtype)]),
    ...definedOnly(options),
  };
  const tyHost = await readFloat(treeFlatten(ty)[0], outFloat);
  const fail = (test: string, error: number, bound: number) =>
    new Error(
      `checkGrads[${path}]: ${test} relative error ${error.toExponential(3)} exceeds ${bound} ` +
        `(args ${describeArgs(args)}; outputs ${describeArgs(outFloat.map((j) => yLeaves[j]!))})`,
    );

  if (modes.includes('fwd')) {
    const u = unitRoundoff(outFloat.map((j) => yLeaves[j]!.dtype));
    const { fd, noise, shift } = await centralDifference(f, args, fl, vs, tol.eps, outFloat, u);
    // The difference measured the JVP along v + shift (its points rounded to the args' dtype).
    const ref = shift === null ? tyHost : await jvpAlong(f, args, fl, vs, shift, outFloat);
    // pass when ||jvp - fd|| <= tol * max(||jvp||, ||fd||) + the difference's own rounding noise
    const size = scaleOf('fd', Math.max(norm(ref), norm(fd)));
    const error = relErr(ref, fd, size);
    const bound = size === 0 ? tol.fd : tol.fd + noise / size;
    results.push({ path, test: 'fd', error, tol: bound });
    if (!(error <= bound)) throw fail('JVP vs central difference', error, bound);
  }

  const cts = randomLike(
    kc,
    outFloat.map((j) => yLeaves[j]!),
  );
  const ctTree = (floatCts: readonly Tensor[]) => ctTreeOf(ydef, yLeaves, outFloat, floatCts);
  if (modes.includes('rev')) {
    const [, pullback] = vjp(f as Fn, ...args);
    const xbar = pullback(ctTree(cts)) as Tensor[];
    fl.forEach((i) => {
      const g = xbar[i]!;
      const a = args[i]!;
      if (
        g.dtype !== a.dtype ||
        g.shape.length !== a.shape.length ||
        g.shape.some((d, m) => d !== a.shape[m])
      ) {
        throw new Error(
          `checkGrads[${path}]: cotangent of argument ${i} is ${describeArgs([g])}, ` +
            `the argument is ${describeArgs([a])}`,
        );
      }
    });
    const xbarHost = await readFloat(xbar, fl);
    const vHost = await readFloat(vs, null);
    const ctHost = await readFloat(cts, null);
    // |<xbar, v> - <ct, ty>| relative to the Cauchy-Schwarz bound of both sides, so a direction in
    // which the inner products happen to cancel does not inflate the error.
    const lhs = dot(xbarHost, vHost);
    const rhs = dot(ctHost, tyHost);
    const scale = scaleOf('vjp', norm(xbarHost) * norm(vHost) + norm(ctHost) * norm(tyHost));
    const error = scale === 0 ? Math.abs(lhs - rhs) : Math.abs(lhs - rhs) / scale;
    results.push({ path, test: 'vjp', error, tol: tol.vjp });
    if (!(error <= tol.vjp)) throw fail('VJP inner-product identity', error, tol.vjp);
  }

  if (order === 1) return;
  const n = args.length;
  if (modes.includes('fwd')) {
    // (x, v) -> jvp(f)(x; v): its derivative in x is the second derivative of f applied to v.
    const fwdMap: TensorFn = (...xs) => {
      const t = xs.slice(0, n).map((a, i) => (fl.includes(i) ? xs[n + fl.indexOf(i)]! : a));
      return jvp(f as Fn, xs.slice(0, n), t)[1];
    };
    const next = { path: `jvp(${path})`, shape: `jvp(${at.shape})` };
    await checkAt(fwdMap, [...args, ...vs], order - 1, kf, options, next, results, scales);
  }
  if (modes.includes('rev')) {
    // (x, ct) -> vjp(f)(x)(ct): differentiating the backward pass itself.
    const revMap: TensorFn = (...xs) => {
      const [, pullback] = vjp(f as Fn, ...xs.slice(0, n));
      return pullback(ctTree(xs.slice(n)));
    };
    const next = { path: `vjp(${path})`, shape: `vjp(${at.shape})` };
    await checkAt(revMap, [...args, ...cts], order - 1, kr, options, next, results, scales);
  }
}

/** A cotangent pytree for outputs `leaves` (structure `def`): `cts` at the float leaves, zeros elsewhere. */
function ctTreeOf(
  def: TreeDef,
  leaves: readonly Tensor[],
  floatAt: readonly number[],
  cts: readonly Tensor[],
): unknown {
  return treeUnflatten(
    def,
    leaves.map((l, j) => (floatAt.includes(j) ? cts[floatAt.indexOf(j)]! : zerosLike(l))),
  );
}

function definedOnly(o: CheckGradsOptions): Partial<GradTolerances> {
  const r: Partial<GradTolerances> = {};
  if (o.fd !== undefined) r.fd = o.fd;
  if (o.vjp !== undefined) r.vjp = o.vjp;
  if (o.eps !== undefined) r.eps = o.eps;
  return r;
}

/** Standard normal tensors shaped like `like` (same dtype and backend), one subkey each. */
function randomLike(k: PRNGKey, like: readonly Tensor[]): Tensor[] {
  if (like.length === 0) return [];
  const ks = split(k, like.length);
  return like.map((x, i) => normal(ks[i]!, x.shape, { dtype: x.dtype, backend: x.backend }));
}

/**
 * Scales the directions so that their elements, over all arguments together, have root-mean-square
 * 1: the step `h v` then has a known size (a 0-d argument alone draws a single normal number, which
 * may be tiny). Scaling each argument separately would be worse: 0-d arguments would all get +-1,
 * and `jvp(a - b)` would be exactly 0 half of the time.
 */
async function unitRms(vs: readonly Tensor[]): Promise<Tensor[]> {
  const host = await readFloat(vs, null);
  const n = host.reduce((acc, x) => acc + x.length, 0);
  const r = norm(host) / Math.sqrt(n);
  return r === 0 ? [...vs] : vs.map((v) => mul(v, 1 / r));
}

/**
 * The fourth-order central difference `(-f(x+2hv) + 8 f(x+hv) - 8 f(x-hv) + f(x-2hv)) / 12h` of the
 * float outputs at positions `outFloat`, and its rounding noise: each evaluation is off by about
 * `u |f|` (`u` the unit roundoff of the outputs), which the stencil's weights (18 / 12) and the
 * division by `h` amplify to `1.5 u max|f| / h`. This is negligible in float64 (~1e-13 |f|) but in
 * float32 (~1e-5 |f|) it exceeds the relative tolerance wherever the derivative is small
 * compared with `f`, so the check allows it as an absolute error.
 *
 * The points themselves round to the arguments' dtype: `x + s h v` lands at `x + s h v + e_s`. To
 * first order the stencil then measures the JVP along `v + shift`, `shift = sum_s w_s e_s / 12h`
 * (weights -1, 8, -8, 1), which in float32 is ~1e-5 |x| / h and matters where `v` is small next to
 * `x`. `shift` is computed on the host from the points read back (null when every float argument is
 * float64, where it is ~1e-14 |x|).
 */
async function centralDifference(
  f: TensorFn,
  args: readonly Tensor[],
  fl: readonly number[],
  vs: readonly Tensor[],
  h: number,
  outFloat: readonly number[],
  u: number,
): Promise<{ fd: Float64Array[]; noise: number; shift: Float64Array[] | null }> {
  const rounds = fl.some((i) => args[i]!.dtype !== 'float64');
  const x = rounds ? await readFloat(args, fl) : [];
  const v = rounds ? await readFloat(vs, null) : [];
  const shift = x.map((xi) => new Float64Array(xi.length));
  const at = async (s: number, w: number) => {
    const points = fl.map((i, k) => add(args[i]!, mul(vs[k]!, s * h)));
    if (rounds) {
      const got = await readFloat(points, null);
      got.forEach((p, k) =>
        p.forEach((pv, e) => (shift[k]![e]! += (w * (pv - (x[k]![e]! + s * h * v[k]![e]!))) / (12 * h))),
      );
    }
    const moved = args.map((a, i) => (fl.includes(i) ? points[fl.indexOf(i)]! : a));
    return readFloat(treeFlatten(f(...moved))[0], outFloat);
  };
  const [p2, p1, m1, m2] = [await at(2, -1), await at(1, 8), await at(-1, -8), await at(-2, 1)];
  const fd = p1.map((a, j) =>
    a.map((_, i) => (-p2[j]![i]! + 8 * a[i]! - 8 * m1[j]![i]! + m2[j]![i]!) / (12 * h)),
  );
  const noise = (1.5 * u * Math.max(norm(p2), norm(p1), norm(m1), norm(m2))) / h;
  return { fd, noise, shift: rounds ? shift : null };
}

/** The JVP's float outputs (at `outFloat`) along `vs + shift`, the shift given on the host. */
async function jvpAlong(
  f: TensorFn,
  args: readonly Tensor[],
  fl: readonly number[],
  vs: readonly Tensor[],
  shift: readonly Float64Array[],
  outFloat: readonly number[],
): Promise<Float64Array[]> {
  const v = await readFloat(vs, null);
  const along = fl.map((i, k) => {
    const a = args[i]!;
    const data = v[k]!.map((x, e) => x + shift[k]![e]!);
    return tensor(data, { dtype: a.dtype, shape: a.shape, backend: a.backend });
  });
  return readFloat(treeFlatten(jvpAt(f, args, fl, along).ty)[0], outFloat);
}

/** Unit roundoff of the least precise of `dtypes`. */
function unitRoundoff(dtypes: readonly DType[]): number {
  return dtypes.includes('float32') ? 2 ** -24 : 2 ** -53;
}

/** The values of `leaves` (only those at `positions`, or all when null) as float64 host arrays. */
async function readFloat(
  leaves: readonly Tensor[],
  positions: readonly number[] | null,
): Promise<Float64Array[]> {
  const pick = positions === null ? leaves : positions.map((j) => leaves[j]!);
  return Promise.all(pick.map(async (t) => Float64Array.from(await t.data())));
}

function dot(a: readonly Float64Array[], b: readonly Float64Array[]): number {
  let s = 0;
  a.forEach((x, j) => x.forEach((v, i) => (s += v * b[j]![i]!)));
  return s;
}

function norm(a: readonly Float64Array[]): number {
  return Math.sqrt(dot(a, a));
}

/**
 * `||a - b|| / max(||a||, ||b||)` (or `/ scale` when given) over all leaves together; 0 when both
 * are zero, NaN-propagating.
 */
export function relErr(a: readonly Float64Array[], b: readonly Float64Array[], scale0?: number): number {
  let d = 0;
  a.forEach((x, j) => x.forEach((v, i) => (d += (v - b[j]![i]!) ** 2)));
  const scale = scale0 ?? Math.max(norm(a), norm(b));
  if (Number.isNaN(d) || Number.isNaN(scale)) return NaN;
  return d === 0 ? 0 : Math.sqrt(d) / scale;
}

/** Options of `checkZeroGrads`. */
export interface CheckZeroOptions {
  /** Seed of the random directions (default 0). */
  seed?: number;
  /** Name shown in failure messages. */
  label?: string;
}

/**
 * Checks that `f` has an exactly zero derivative at `args` in both modes: the JVP along a random
 * direction and the VJP of a random cotangent are all zeros (for piecewise-constant maps such as
 * comparisons, `sign`, `argmax`, casts to integers, and `stopGradient`).
 */
export async function checkZeroGrads(
  f: TensorFn,
  args: readonly Tensor[],
  options: CheckZeroOptions = {},
): Promise<void> {
  const label = options.label ?? 'f';
  const fl = floatPositions('checkZeroGrads', args);
  const [kv, kc] = split(key(options.seed ?? 0), 2) as [PRNGKey, PRNGKey];
  const vs = randomLike(
    kv,
    fl.map((i) => args[i]!),
  );
  const { ty, yLeaves, ydef, outFloat } = jvpAt(f, args, fl, vs);
  const nonzero = (xs: Float64Array[]) => xs.some((x) => x.some((v) => v !== 0));
  if (nonzero(await readFloat(treeFlatten(ty)[0], outFloat))) {
    throw new Error(`checkZeroGrads[${label}]: JVP is not exactly zero (args ${describeArgs(args)})`);
  }
  const cts = randomLike(
    kc,
    outFloat.map((j) => yLeaves[j]!),
  );
  const [, pullback] = vjp(f as Fn, ...args);
  const xbar = pullback(ctTreeOf(ydef, yLeaves, outFloat, cts)) as Tensor[];
  if (nonzero(await readFloat(xbar, fl))) {
    throw new Error(`checkZeroGrads[${label}]: VJP is not exactly zero (args ${describeArgs(args)})`);
  }
}
