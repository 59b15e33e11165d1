/**
 * Forward mode where only one operand of a broadcasting op carries a tangent: the single-argument
 * `jvp`, `hvp` and `jacfwd` that GeN's exact mode, Newton-CG and `hessian` call. Each is compared
 * with reverse mode (`jacrev`, whose rules sum cotangents back with `unbroadcast`: an independent
 * path) in float64, over fast-check-generated broadcast shapes, for every binary primitive and
 * `where`; the issue's own cases are pinned as exact values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  cpu,
  div,
  greater,
  hessian,
  hvp,
  jacfwd,
  jacrev,
  jvp,
  matmul,
  maximum,
  minimum,
  mul,
  onesLike,
  pow,
  reshape,
  square,
  sub,
  sum,
  tanh,
  tensor,
  useBackend,
  where,
  type Tensor,
} from '@gen-ts/core';
import { broadcastShapesArb, domainOf, sampleArb, toTensor, type Domain } from './support/samplers.js';

useBackend(cpu());

const NUM_RUNS = Number(process.env.GRADCHECK_RUNS ?? 20);
const f64 = (v: unknown) => tensor(v as number[], { dtype: 'float64' });

/** Every binary primitive, with the domains of its two operands. */
const OPS: [string, (a: Tensor, b: Tensor) => Tensor, Domain, Domain][] = [
  ['add', add, 'real', 'real'],
  ['sub', sub, 'real', 'real'],
  ['mul', mul, 'real', 'real'],
  ['div', div, domainOf('div', 0), domainOf('div', 1)],
  ['pow', pow, domainOf('pow', 0), domainOf('pow', 1)],
  ['maximum', maximum, domainOf('maximum', 0), domainOf('maximum', 1)],
  ['minimum', minimum, domainOf('minimum', 0), domainOf('minimum', 1)],
  ['where', (a, b) => where(greater(b, 0), a, b), 'real', 'nonzero'],
];

/** `|a - b| <= 1e-10 (1 + |b|)` elementwise: float64 rounding of two different derivative paths. */
function expectClose(got: Tensor, want: Tensor, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  const g = got.dataSync();
  const w = want.dataSync();
  for (let i = 0; i < w.length; i++) {
    if (!(Math.abs(g[i]! - w[i]!) <= 1e-10 * (1 + Math.abs(w[i]!))))
      expect.fail(`${what}: element ${i} is ${g[i]}, reverse mode gives ${w[i]}`);
  }
}

describe('forward mode with one operand perturbed (float64, against reverse mode)', () => {
  it('pins the reported cases: a broadcast [2,1] operand and a scalar', () => {
    const Y = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const a = f64([[1], [2]]);
    expect(jvp((x: Tensor) => sum(add(x, Y), 1), [a], [onesLike(a)])[1].toArray()).toEqual([3, 3]);
    expect(hvp((x: Tensor) => sum(square(sum(add(x, Y), 1))), a, onesLike(a)).toArray()).toEqual([
      [18],
      [18],
    ]);
    const s = tensor(2, { dtype: 'float64' });
    expect(jvp((x: Tensor) => sum(add(x, Y)), [s], [onesLike(s)])[1].itemSync()).toBe(6);
    expect(jvp((x: Tensor) => sum(sub(Y, x)), [s], [onesLike(s)])[1].itemSync()).toBe(-6);
    expect(hessian((x: Tensor) => sum(square(add(x, Y))))(s).itemSync()).toBe(12);
  });

  for (const [name, op, da, db] of OPS) {
    for (const side of [0, 1] as const) {
      it(`${name}: jacfwd and hvp in operand ${side} alone match reverse mode`, () => {
        const arb = broadcastShapesArb(2).chain(({ shapes: [sa, sb] }) =>
          fc.tuple(sampleArb(sa!, da), sampleArb(sb!, db), sampleArb(side === 0 ? sa! : sb!)),
        );
        fc.assert(
          fc.property(arb, ([a, b, v]) => {
            const [x, other] = side === 0 ? [toTensor(a), toTensor(b)] : [toTensor(b), toTensor(a)];
            const g = (t: Tensor) => (side === 0 ? op(t, other) : op(other, t));
            expectClose(jacfwd(g)(x), jacrev(g)(x), `jacfwd of ${name}`);
            // a smooth scalar of the broadcast result, so the Hessian is not zero
            const loss = (t: Tensor) => sum(tanh(g(t)));
            const dir = toTensor(v);
            const want = reshape(
              matmul(reshape(jacrev(jacrev(loss))(x), [x.size, x.size]), reshape(dir, [-1])),
              x.shape,
            );
            expectClose(hvp(loss, x, dir), want, `hvp of ${name}`);
          }),
          { numRuns: NUM_RUNS },
        );
      });
    }
  }

  it('a JVP rule that drops the broadcast fails at once, naming the primitive', async () => {
    const { rules } = await import('../packages/core/src/prims/index.js');
    const saved = rules.add.jvp;
    rules.add.jvp = ([ta, tb]) => ta ?? tb; // the old rule: the tangent of one operand as is
    try {
      const Y = f64([[1, 2, 3]]);
      const a = f64([[1]]);
      expect(() => jvp((x: Tensor) => add(x, Y), [a], [onesLike(a)])).toThrow(
        /add: internal error: the JVP rule's output tangent is float64\[1,1\], expected float64\[1,3\]/,
      );
    } finally {
      rules.add.jvp = saved;
    }
  });
});
