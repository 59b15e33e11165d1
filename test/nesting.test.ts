/**
 * Nested transforms against closed forms (float64, cpu): higher derivatives of polynomials,
 * Hessian-vector products and Hessians of `f(x) = 1/2 x^T A x + sum(sin x)` (whose Hessian is
 * `A - diag(sin x)`) by every composition of forward and reverse mode, perturbation confusion,
 * and the pytree, `argnums` and `hasAux` behaviour of `grad` / `valueAndGrad` / `hvp`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  cast,
  cos,
  cpu,
  exp,
  eye,
  grad,
  hessian,
  hvp,
  jacfwd,
  jacrev,
  jvp,
  matmul,
  mul,
  mT,
  ones,
  pow,
  scalar,
  sin,
  sub,
  sum,
  tensor,
  treeFlatten,
  treeDefEqual,
  useBackend,
  valueAndGrad,
  type Tensor,
} from '@gen-ts/core';
import { checkGrads } from './support/check-grads.js';
import { sampleArb, toTensor } from './support/samplers.js';

useBackend(cpu());

/** Runs per property; raise it (GRADCHECK_RUNS=1000) to hunt rare failures. */
const NUM_RUNS = Number(process.env.GRADCHECK_RUNS ?? 25);
const TOL = 1e-10; // float64, relative

const f64 = (data: Parameters<typeof tensor>[0]) => tensor(data, { dtype: 'float64' });
const s64 = (v: number) => scalar(v, { dtype: 'float64' });
const vals = (t: Tensor) => Array.from(t.dataSync());

/**
 * `||a - b|| <= tol * scale`, the values compared as vectors; `scale` defaults to `||b||` and should
 * be the size of the terms summed when `b` may be small by cancellation.
 */
function expectClose(a: Tensor | number[], b: Tensor | number[], tol = TOL, scaleOf?: number): void {
  const x = Array.isArray(a) ? a : vals(a);
  const y = Array.isArray(b) ? b : vals(b);
  expect(x.length).toBe(y.length);
  const d = Math.hypot(...x.map((v, i) => v - y[i]!));
  const scale = Math.max(scaleOf ?? Math.hypot(...y), 1e-300);
  expect(d / scale, `got ${JSON.stringify(x)}, want ${JSON.stringify(y)}`).toBeLessThanOrEqual(tol);
}

/** A random symmetric positive definite `A = B B^T + n I` plus points/directions of size n. */
const problemArb = fc
  .integer({ min: 1, max: 4 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      b: sampleArb([n, n]),
      x: sampleArb([n]),
      u: sampleArb([n]),
      w: sampleArb([n]),
    }),
  )
  .map(({ n, b, x, u, w }) => {
    const B = toTensor(b);
    const A = add(matmul(B, mT(B)), mul(eye(n, n, { dtype: 'float64' }), n));
    return { n, A, x: toTensor(x), u: toTensor(u), w: toTensor(w) };
  });

/** f(x) = 1/2 x^T A x + sum(sin x). */
const quadSin = (A: Tensor) => (x: Tensor) => add(mul(matmul(x, matmul(A, x)), 0.5), sum(sin(x)));
/** Its Hessian A - diag(sin x). */
const quadSinHessian = (A: Tensor, x: Tensor) =>
  sub(A, mul(eye(x.shape[0]!, x.shape[0]!, { dtype: 'float64' }), sin(x)));
/** H v by the closed form: A v - sin(x) * v. */
const quadSinHv = (A: Tensor, x: Tensor, v: Tensor) => sub(matmul(A, v), mul(sin(x), v));

describe('higher derivatives of scalar functions', () => {
  it('grad(grad(x^3)) = 6x, by products and by pow', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        (x, xp) => {
          const cube = (t: Tensor) => mul(mul(t, t), t);
          expectClose([(grad(grad(cube))(s64(x)) as Tensor).itemSync()], [6 * x]);
          const cubePow = (t: Tensor) => pow(t, 3);
          expectClose([(grad(grad(cubePow))(s64(xp)) as Tensor).itemSync()], [6 * xp]);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('grad(grad(grad(p))) of a quartic is 6 c3 + 24 c4 x', () => {
    const coef = fc.double({ min: -2, max: 2, noNaN: true });
    fc.assert(
      fc.property(fc.array(coef, { minLength: 5, maxLength: 5 }), coef, (c, x) => {
        // Horner: p(x) = c0 + x (c1 + x (c2 + x (c3 + x c4)))
        const p = (t: Tensor) => c.slice(0, 4).reduceRight((acc, ci) => add(mul(acc, t), ci), s64(c[4]!));
        const d3 = grad(grad(grad(p)))(s64(x)) as Tensor;
        expectClose(
          [d3.itemSync()],
          [6 * c[3]! + 24 * c[4]! * x],
          1e-12,
          6 * Math.abs(c[3]!) + 24 * Math.abs(c[4]! * x),
        );
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('d/dx [x * d/dy (x + y)] = 1, inner at y = const or y = x: no perturbation confusion', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (x0, y0) => {
          const one = s64(1);
          const inner = (x: Tensor, y: Tensor) => grad((t: Tensor) => add(x, t))(y) as Tensor;
          const innerFwd = (x: Tensor, y: Tensor) => jvp((t: Tensor) => add(x, t), [y], [one])[1];
          // reverse over reverse, the inner at y = y0 and at y = x
          expect((grad((x: Tensor) => mul(x, inner(x, s64(y0))))(s64(x0)) as Tensor).itemSync()).toBe(1);
          expect((grad((x: Tensor) => mul(x, inner(x, x)))(s64(x0)) as Tensor).itemSync()).toBe(1);
          // forward over forward, and both mixes
          expect(jvp((x: Tensor) => mul(x, innerFwd(x, s64(y0))), [s64(x0)], [one])[1].itemSync()).toBe(1);
          expect(jvp((x: Tensor) => mul(x, inner(x, x)), [s64(x0)], [one])[1].itemSync()).toBe(1);
          expect((grad((x: Tensor) => mul(x, innerFwd(x, x)))(s64(x0)) as Tensor).itemSync()).toBe(1);
          // d/dx [x * d/dy (x y)] = d/dx x^2 = 2x: the inner derivative is x, not x + y
          const innerMul = (x: Tensor) => grad((t: Tensor) => mul(x, t))(s64(y0)) as Tensor;
          expectClose([(grad((x: Tensor) => mul(x, innerMul(x)))(s64(x0)) as Tensor).itemSync()], [2 * x0]);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('Hessians of f(x) = 1/2 x^T A x + sum(sin x), A random SPD', () => {
  it('jvp(grad(f)) is H v = A v - sin(x) v, and hvp agrees', () => {
    fc.assert(
      fc.property(problemArb, ({ A, x, u }) => {
        const f = quadSin(A);
        const [g, hv] = jvp((y: Tensor) => grad(f)(y) as Tensor, [x], [u]);
        expectClose(g, add(matmul(A, x), cos(x))); // grad f = A x + cos x
        expectClose(hv, quadSinHv(A, x, u));
        expectClose(hvp(f, x, u), quadSinHv(A, x, u));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('hessian = jacfwd(jacrev(f)) = jacrev(jacfwd(f)) = jacrev(jacrev(f)) = A - diag(sin x)', () => {
    fc.assert(
      fc.property(problemArb, ({ A, x }) => {
        const f = quadSin(A);
        const want = quadSinHessian(A, x);
        expectClose(hessian(f)(x), want);
        expectClose(jacfwd(jacrev(f))(x), want);
        expectClose(jacrev(jacfwd(f))(x), want);
        expectClose(jacrev(jacrev(f))(x), want);
        expect(hessian(f)(x).shape).toEqual([x.shape[0], x.shape[0]]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('jvp of jvp is the second directional derivative u^T H w', () => {
    fc.assert(
      fc.property(problemArb, ({ A, x, u, w }) => {
        const f = quadSin(A);
        const d2 = jvp((y: Tensor) => jvp(f, [y], [u])[1], [x], [w])[1];
        const hw = quadSinHv(A, x, w);
        // u^T H w may cancel: measure against its Cauchy-Schwarz bound ||u|| ||H w||
        expectClose(d2, matmul(u, hw), TOL, Math.hypot(...vals(u)) * Math.hypot(...vals(hw)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('grad of a function that calls jvp inside is H v (reverse over forward)', () => {
    fc.assert(
      fc.property(problemArb, ({ A, x, u }) => {
        const f = quadSin(A);
        const directional = (y: Tensor) => jvp(f, [y], [u])[1];
        expectClose(grad(directional)(x) as Tensor, quadSinHv(A, x, u));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('passes the random-direction checks at order 3', async () => {
    await fc.assert(
      fc.asyncProperty(problemArb, fc.nat(), async ({ A, x }, seed) => {
        await checkGrads(quadSin(A), [x], { order: 3, seed, label: 'quadSin' });
      }),
      { numRuns: 10 },
    );
  });
});

describe('pytrees, argnums and hasAux', () => {
  /** f(p) = sum(w^2 u) + sum(exp(z)) over p = { w, inner: { u }, list: [z, 'tag'] }. */
  const treeF = (p: any) => add(sum(mul(mul(p.w, p.w), p.inner.u)), sum(exp(p.list[0])));

  const treeArb = fc
    .record({
      w: sampleArb([3]),
      u: sampleArb([3]),
      z: sampleArb([2]),
      vw: sampleArb([3]),
      vu: sampleArb([3]),
      vz: sampleArb([2]),
    })
    .map((s) => ({
      p: { w: toTensor(s.w), inner: { u: toTensor(s.u) }, list: [toTensor(s.z), 'tag'] as [Tensor, string] },
      v: {
        w: toTensor(s.vw),
        inner: { u: toTensor(s.vu) },
        list: [toTensor(s.vz), 'tag'] as [Tensor, string],
      },
    }));

  it('grad w.r.t. a nested pytree returns the same structure, statics kept', () => {
    fc.assert(
      fc.property(treeArb, ({ p }) => {
        const g = grad(treeF)(p);
        expect(treeDefEqual(treeFlatten(g)[1], treeFlatten(p)[1])).toBe(true);
        expect(g.list[1]).toBe('tag');
        expectClose(g.w, mul(mul(p.w, p.inner.u), 2)); // 2 w u
        expectClose(g.inner.u, mul(p.w, p.w)); // w^2
        expectClose(g.list[0], exp(p.list[0])); // e^z
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('hvp on pytrees: H v by blocks, same structure as x', () => {
    fc.assert(
      fc.property(treeArb, ({ p, v }) => {
        const h = hvp(treeF, p, v) as any;
        expect(treeDefEqual(treeFlatten(h)[1], treeFlatten(p)[1])).toBe(true);
        // d2f/dw2 = diag(2u), d2f/dw du = diag(2w), d2f/du2 = 0, d2f/dz2 = diag(e^z)
        expectClose(h.w, add(mul(mul(p.inner.u, v.w), 2), mul(mul(p.w, v.inner.u), 2)));
        expectClose(h.inner.u, mul(mul(p.w, v.w), 2));
        expectClose(h.list[0], mul(exp(p.list[0]), v.list[0]));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('valueAndGrad with argnums arrays and hasAux', () => {
    const a = f64([1, 2, 3]);
    const b = f64([-1, 0.5, 4]);
    const c = f64([[2], [3]]);
    const f = (x: Tensor, y: Tensor, z: Tensor) => [
      add(sum(mul(x, y)), sum(mul(z, z))),
      { doubled: mul(x, 2), note: 'aux' },
    ];
    const [[value, aux], grads] = valueAndGrad(f, { argnums: [0, 2], hasAux: true })(a, b, c);
    expect((value as Tensor).itemSync()).toBe(-1 + 1 + 12 + 4 + 9);
    expect(aux.note).toBe('aux');
    expect(aux.doubled.toArray()).toEqual([2, 4, 6]);
    // the aux comes out of the trace as a concrete tensor: later ops accept it
    expect(aux.doubled.level).toBe(0);
    expect(add(aux.doubled, 1).toArray()).toEqual([3, 5, 7]);
    expect(grads).toHaveLength(2);
    expect(grads[0].toArray()).toEqual([-1, 0.5, 4]); // d/dx = y
    expect(grads[1].toArray()).toEqual([[4], [6]]); // d/dz = 2z

    // a single argnum gives the gradient itself, an array of one gives a tuple
    const [gb, aux2] = grad(f, { argnums: 1, hasAux: true })(a, b, c);
    expect(gb.toArray()).toEqual([1, 2, 3]);
    expect(aux2.note).toBe('aux');
    const [tuple] = grad(f, { argnums: [1], hasAux: true })(a, b, c);
    expect(tuple).toHaveLength(1);
    expect(tuple[0].toArray()).toEqual([1, 2, 3]);

    // and nested: the gradient of an argnums-gradient
    const gg = grad((x: Tensor) =>
      sum(mul((grad(f, { argnums: [0, 2], hasAux: true })(x, b, c)[0] as Tensor[])[0]!, x)),
    )(a);
    expect((gg as Tensor).toArray()).toEqual([-1, 0.5, 4]);
  });

  it('integer leaves get a zero gradient of their own dtype', () => {
    const p = {
      w: f64([1.5, -2]),
      n: tensor([3, 4], { dtype: 'int32' }),
      mask: tensor([1, 0], { dtype: 'bool' }),
    };
    const loss = (q: typeof p) => sum(mul(mul(q.w, cast(q.n, 'float64')), cast(q.mask, 'float64')));
    const g = grad(loss)(p);
    expect(g.w.toArray()).toEqual([3, 0]);
    expect(g.n.dtype).toBe('int32');
    expect(g.n.toArray()).toEqual([0, 0]);
    expect(g.mask.dtype).toBe('bool');
    expect(g.mask.toArray()).toEqual([false, false]);
  });

  it('grad on an argument with only integer tensors throws a clear error', () => {
    const n = tensor([1, 2], { dtype: 'int32' });
    const f = (x: Tensor) => sum(cast(x, 'float64'));
    expect(() => grad(f)(n)).toThrow(
      /grad: argument 0 has only int32 tensors; only float tensors can be differentiated/,
    );
    expect(() =>
      grad((_x: Tensor, m: any) => sum(cast(m.k, 'float64')), { argnums: 1 })(f64([1]), { k: n }),
    ).toThrow(/grad: argument 1 has only int32/);
    expect(() => grad(() => ones([1], { dtype: 'float64' }).sum())()).toThrow(/grad/);
  });
});
