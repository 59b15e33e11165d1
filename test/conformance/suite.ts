/**
 * The backend conformance suite, written once as a function of a backend factory and run by
 * `describe.each` over every backend (the cpu float64 reference first, in `cpu.test.ts`; the gpu.js
 * modes in `gpujs.test.ts`). Forward values of every primitive (broadcasting and edge shapes
 * included) are compared with a plain-JavaScript float64 oracle; gradients, JVPs and HVPs of small
 * functions are compared with central differences on the reference and with the cpu float64
 * results on float32 backends. Inputs are float32-representable, so every backend sees the same
 * numbers, and after each test the backend must show that it ran the kernels it claims.
 */
import {
  abs,
  add,
  argmax,
  broadcastTo,
  cast,
  concat,
  cpu,
  div,
  equal,
  exp,
  grad,
  greater,
  greaterEqual,
  hvp,
  isFinite,
  jvp,
  less,
  lessEqual,
  logicalAnd,
  logicalNot,
  logicalOr,
  logSoftmax,
  matmul,
  max,
  maximum,
  mT,
  mul,
  neg,
  notEqual,
  oneHot,
  pad,
  pow,
  primitives,
  prod,
  reshape,
  scatterAdd,
  sign,
  sin,
  slice,
  sqrt,
  square,
  stopGradient,
  sum,
  take,
  tanh,
  tensor,
  transpose,
  useBackend,
  where,
  withBackend,
  type Backend,
  type BinaryOp,
  type PrimName,
  type Tensor,
  type UnaryOp,
} from '@gen-ts/core';
import * as core from '@gen-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nonFiniteSuite } from './nonfinite.js';
import * as O from './oracle.js';
import { windowConformance } from './window-suite.js';

/** One backend under test. */
export interface ConformanceBackend {
  /** Shown in the test names. */
  readonly name: string;
  /** Creates the backend (called once, before the tests). */
  create(): Backend | Promise<Backend>;
  /** The float dtype the tests compute in. */
  readonly dtype: 'float64' | 'float32';
  /** Relative and absolute tolerance against float64 values. */
  readonly rtol: number;
  readonly atol: number;
  /** Asserts, after each test, that the backend ran what it claims (e.g. the gpu.js kernel class). */
  assertRan(b: Backend): void;
  /** Frees the backend after the tests. */
  destroy?(b: Backend): void;
}

/** Deterministic float32-representable values in `[lo, hi)`. */
function nd(shape: number[], seed: number, lo = -2, hi = 2): O.Nd {
  let s = seed * 7919 + 17;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.fround(lo + ((hi - lo) * s) / 2147483648);
  });
  return { shape, data };
}

function ints(shape: number[], values: number[]): O.Nd {
  return { shape, data: values };
}

/** `{ k: f(rows[k]) }`, keyed like `rows`. */
function mapRows<K extends string, R, T>(rows: Record<K, R>, f: (row: R) => T): Record<K, T> {
  return Object.fromEntries(Object.entries(rows).map(([k, r]) => [k, f(r as R)])) as Record<K, T>;
}

/** Registers the suite for one backend. */
export function conformance(c: ConformanceBackend): void {
  let backend: Backend;
  let prev: Backend;
  const dtype = c.dtype;
  const put = (x: O.Nd): Tensor => tensor(x.data, { shape: x.shape, dtype });
  const putInt = (x: O.Nd): Tensor => tensor(x.data, { shape: x.shape, dtype: 'int32' });

  /** Reads `t` and compares it with `ref` within the backend's tolerance. */
  async function close(t: Tensor, ref: O.Nd, scale = 1): Promise<void> {
    expect(t.shape).toEqual(ref.shape);
    const got = await t.data();
    expect(got.length).toBe(ref.data.length);
    for (let i = 0; i < got.length; i++) {
      const want = ref.data[i]!;
      const g = got[i]!;
      if (Number.isNaN(want)) {
        expect(g, `element ${i}`).toBeNaN();
        continue;
      }
      if (!Number.isFinite(want)) {
        expect(g, `element ${i}`).toBe(want);
        continue;
      }
      const tol = scale * (c.atol + c.rtol * Math.abs(want));
      if (!(Math.abs(g - want) <= tol)) {
        expect.fail(
          `element ${i} of ${JSON.stringify(ref.shape)}: got ${g}, want ${want} (tolerance ${tol})`,
        );
      }
    }
  }

  async function same(t: Tensor, want: number[], shape: number[]): Promise<void> {
    expect(t.shape).toEqual(shape);
    expect(Array.from(await t.data())).toEqual(want);
  }

  beforeAll(async () => {
    backend = await c.create();
    prev = useBackend(backend);
  });
  afterAll(() => {
    useBackend(prev);
    c.destroy?.(backend);
  });
  /** The primitives some test below exercises directly; every primitive must be among them. */
  const covered = new Set<PrimName>();
  const test = (name: string, covers: readonly PrimName[], fn: () => Promise<void>): void => {
    for (const p of covers) covered.add(p);
    it(name, async () => {
      await fn();
      c.assertRan(backend);
    });
  };

  // one row per unary primitive (tsc fails without one): the float64 reference and the input range
  const unary: { [P in UnaryOp]: [(v: number) => number, number, number] } = {
    neg: [(v) => -v, -2, 2],
    exp: [Math.exp, -3, 3],
    log: [Math.log, 0.1, 5],
    log1p: [Math.log1p, -0.9, 5],
    sin: [Math.sin, -3, 3],
    cos: [Math.cos, -3, 3],
    tanh: [Math.tanh, -4, 4],
    sqrt: [Math.sqrt, 0, 4],
    abs: [Math.abs, -2, 2],
    sign: [Math.sign, -2, 2],
  };
  // one row per binary primitive (tsc fails without one): the float64 reference and the range of b
  // (pow's own test below covers its domain: negative bases, integer exponents, 0^0; its
  // reference still serves the non-finite cases)
  type BinaryRow =
    [(a: number, b: number) => number, number, number] | [(a: number, b: number) => number, 'own test'];
  const binary: { [P in BinaryOp]: BinaryRow } = {
    add: [(a, b) => a + b, -2, 2],
    sub: [(a, b) => a - b, -2, 2],
    mul: [(a, b) => a * b, -2, 2],
    div: [(a, b) => a / b, 0.5, 2],
    pow: [Math.pow, 'own test'],
    maximum: [Math.max, -2, 2],
    minimum: [Math.min, -2, 2],
  };

  describe('elementwise', () => {
    for (const [name, [ref, lo, hi]] of Object.entries(unary) as [
      UnaryOp,
      [(v: number) => number, number, number],
    ][]) {
      const f = core[name];
      test(`${name} on [], [7] and [2,3,4]`, [name], async () => {
        for (const [k, shape] of [[], [7], [2, 3, 4]].entries()) {
          const x = nd(shape, k + 1, lo, hi);
          await close(f(put(x)), O.map(ref, x));
        }
      });
    }
    test('tanh saturates without NaN at |x| = 50', ['tanh'], async () => {
      await close(tanh(put({ shape: [2], data: [-50, 50] })), { shape: [2], data: [-1, 1] });
    });
    test('sign keeps zero', ['sign'], async () => {
      await close(sign(put({ shape: [3], data: [-3, 0, 2] })), { shape: [3], data: [-1, 0, 1] });
    });

    const shapes: [number[], number[]][] = [
      [
        [2, 3],
        [2, 3],
      ],
      [[2, 3], [3]],
      [
        [4, 1, 3],
        [2, 1],
      ],
      [[], [3, 2]],
      [[1], [5]],
      [
        [3, 1],
        [1, 4],
      ],
    ];
    for (const [name, row] of Object.entries(binary) as [BinaryOp, BinaryRow][]) {
      if (row[1] === 'own test') continue;
      const [ref, lo, hi] = row as [(a: number, b: number) => number, number, number];
      const f = core[name];
      test(`${name} with broadcasting`, [name], async () => {
        for (const [k, [sa, sb]] of shapes.entries()) {
          const a = nd(sa, 2 * k + 1);
          const b = nd(sb, 2 * k + 2, lo, hi);
          await close(f(put(a), put(b)), O.map(ref, a, b));
        }
      });
    }
    test('pow: positive bases, negative bases with integer exponents, 0^0', ['pow'], async () => {
      const a = nd([2, 3], 5, 0.1, 3);
      const b = nd([3], 6, -2, 2);
      await close(pow(put(a), put(b)), O.map(Math.pow, a, b));
      const neg = { shape: [4], data: [-2, -3, -1.5, 0] };
      const ex = { shape: [4], data: [3, 2, 2, 0] };
      await close(pow(put(neg), put(ex)), O.map(Math.pow, neg, ex));
    });
    const compares: [string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => boolean][] = [
      ['less', less, (a, b) => a < b],
      ['lessEqual', lessEqual, (a, b) => a <= b],
      ['greater', greater, (a, b) => a > b],
      ['greaterEqual', greaterEqual, (a, b) => a >= b],
      ['equal', equal, (a, b) => a === b],
      ['notEqual', notEqual, (a, b) => a !== b],
    ];
    for (const [name, f, ref] of compares) {
      test(`${name} gives bool, with ties and broadcasting`, ['compare'], async () => {
        const a = { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] };
        const b = { shape: [3], data: [2, 2, 7] };
        const t = f(put(a), put(b));
        expect(t.dtype).toBe('bool');
        await close(
          t,
          O.map((x, y) => +ref(x, y), a, b),
        );
      });
    }
    test('where broadcasts condition and both branches', ['where', 'compare'], async () => {
      const a = nd([2, 3], 9);
      const b = nd([3], 10);
      const cond = less(put(a), put(b));
      await close(
        where(cond, put(a), put(b)),
        O.map((x, y) => (x < y ? x : y), a, b),
      );
      await close(
        where(greater(put(a), 0), put(a), 0),
        O.map((x) => (x > 0 ? x : 0), a),
      );
      // one decision for the whole result (shape [] and [1, 1]), either branch broadcast or not
      for (const flag of [1, -1]) {
        const c0 = greater(put({ shape: [], data: [flag] }), 0);
        const c1 = greater(put({ shape: [1, 1], data: [flag] }), 0);
        await close(
          where(c0, put(a), put(b)),
          O.map((x, y) => (flag > 0 ? x : y), a, b),
        );
        await close(
          where(c1, put(b), put(a)),
          O.map((x, y) => (flag > 0 ? y : x), a, b),
        );
      }
    });
    test('casts between float, int32 and bool', ['cast'], async () => {
      const x = put({ shape: [5], data: [1.75, -2.25, 0, 3, -0.5] });
      await same(cast(x, 'int32'), [1, -2, 0, 3, 0], [5]);
      await same(cast(x, 'bool'), [1, 1, 0, 1, 1], [5]);
      await same(cast(cast(x, 'int32'), dtype), [1, -2, 0, 3, 0], [5]);
      await same(cast(cast(x, 'bool'), 'int32'), [1, 1, 0, 1, 1], [5]);
    });
    test('int32 arithmetic stays integral', ['add', 'mul'], async () => {
      const a = putInt(ints([4], [7, -7, 9, 2]));
      const b = putInt(ints([4], [2, 2, 3, 5]));
      await same(add(a, b), [9, -5, 12, 7], [4]);
      await same(mul(a, b), [14, -14, 27, 10], [4]);
    });
    test('empty tensors and scalars', ['add', 'exp', 'sum', 'mul'], async () => {
      const e = put({ shape: [0, 3], data: [] });
      await close(add(e, put({ shape: [3], data: [1, 2, 3] })), { shape: [0, 3], data: [] });
      await close(exp(e), { shape: [0, 3], data: [] });
      await close(sum(e, 0), { shape: [3], data: [0, 0, 0] });
      const s = put({ shape: [], data: [2.5] });
      await close(mul(s, s), { shape: [], data: [6.25] });
    });
  });

  describe('stopGradient and the logical ops', () => {
    test('stopGradient passes values and blocks the gradient', ['stopGradient', 'mul', 'sum'], async () => {
      const x = nd([2, 3], 15);
      await close(stopGradient(put(x)), x);
      await close(grad((t: Tensor) => sum(mul(t, stopGradient(t))))(put(x)) as Tensor, x);
    });
    test('isFinite, logicalAnd, logicalOr and logicalNot', [], async () => {
      const v = put({ shape: [5], data: [1, NaN, Infinity, -Infinity, -0.5] });
      await same(isFinite(v), [1, 0, 0, 0, 1], [5]);
      await same(isFinite(putInt(ints([2], [3, -4]))), [1, 1], [2]);
      const a = greater(put({ shape: [2, 1], data: [1, -1] }), 0);
      const b = greater(put({ shape: [3], data: [1, -1, 2] }), 0);
      await same(logicalAnd(a, b), [1, 0, 1, 0, 0, 0], [2, 3]);
      await same(logicalOr(a, b), [1, 1, 1, 1, 0, 1], [2, 3]);
      await same(logicalNot(b), [0, 1, 0], [3]);
    });
  });

  describe('reductions', () => {
    const x = nd([3, 4, 5], 11, 0.5, 1.5);
    const cases: number[][] = [[], [0], [1], [2], [0, 2], [0, 1, 2], [1, 2]];
    for (const op of ['sum', 'max', 'prod'] as const) {
      const f = op === 'sum' ? sum : op === 'max' ? max : prod;
      test(`${op} over every axis set of [3,4,5]`, [op], async () => {
        for (const axes of cases) {
          if (axes.length === 0) continue;
          await close(f(put(x), axes), O.reduce(op, x, axes));
        }
        await close(f(put(x), [1], true), { ...O.reduce(op, x, [1]), shape: [3, 1, 5] });
      });
    }
    test('sum and max of a long vector (two-pass path) and of long rows', ['sum', 'max'], async () => {
      const v = nd([5000], 12);
      await close(sum(put(v)), O.reduce('sum', v, [0]), 4);
      await close(max(put(v)), O.reduce('max', v, [0]));
      const rows = nd([3, 4500], 13);
      await close(sum(put(rows), 1), O.reduce('sum', rows, [1]), 4);
    });
    test('reductions over size-1 axes and of scalars', ['sum'], async () => {
      const y = nd([3, 1], 14);
      await close(sum(put(y), 1), O.reduce('sum', y, [1]));
      await close(sum(put({ shape: [], data: [3] })), { shape: [], data: [3] });
      await close(sum(put(y)), O.reduce('sum', y, [0, 1]));
    });
    test('argmax along each axis, first of ties', ['argmax'], async () => {
      await close(argmax(put(x), 1), O.argmax(x, 1));
      await close(argmax(put(x), 0), O.argmax(x, 0));
      const t = argmax(put({ shape: [2, 3], data: [1, 3, 3, 2, 2, 0] }), 1);
      expect(t.dtype).toBe('int32');
      await same(t, [1, 0], [2]);
    });
  });

  describe('matmul', () => {
    const pairs: [number[], number[]][] = [
      [
        [3, 4],
        [4, 5],
      ],
      [
        [6, 5],
        [5, 7],
      ],
      [
        [1, 7],
        [7, 1],
      ],
      [
        [2, 3, 4],
        [4, 5],
      ],
      [
        [2, 1, 3, 4],
        [3, 4, 2],
      ],
      [
        [9, 13],
        [13, 6],
      ],
    ];
    test('shapes, batches and broadcast batch dims', ['matmul'], async () => {
      for (const [k, [sa, sb]] of pairs.entries()) {
        const a = nd(sa, 20 + k);
        const b = nd(sb, 40 + k);
        await close(matmul(put(a), put(b)), O.matmul(a, b));
      }
    });
    test('transposed operands (the backward-pass shapes)', ['matmul', 'transpose', 'add'], async () => {
      const a = nd([5, 6], 60);
      const b = nd([5, 7], 61);
      const c = nd([7, 6], 62);
      const at = O.transpose(a, [1, 0]);
      await close(matmul(mT(put(a)), put(b)), O.matmul(at, b));
      await close(matmul(put(b), mT(put(b))), O.matmul(b, O.transpose(b, [1, 0])));
      await close(matmul(mT(put(c)), mT(put(b))), O.matmul(O.transpose(c, [1, 0]), O.transpose(b, [1, 0])));
      const bt = nd([2, 4, 3], 63);
      await close(matmul(mT(put(bt)), put(bt)), O.matmul(O.transpose(bt, [0, 2, 1]), bt));
      // a transposed view read by something other than matmul, and transposed back
      await close(
        add(mT(put(a)), 1),
        O.map((v) => v + 1, at),
      );
      await close(mT(mT(put(a))), a);
    });
    test('an empty inner dimension gives zeros', ['matmul'], async () => {
      await close(matmul(put({ shape: [2, 0], data: [] }), put({ shape: [0, 3], data: [] })), {
        shape: [2, 3],
        data: [0, 0, 0, 0, 0, 0],
      });
      await close(matmul(put({ shape: [1, 1], data: [3] }), put({ shape: [1, 1], data: [-2] })), {
        shape: [1, 1],
        data: [-6],
      });
    });
  });

  describe('movement', () => {
    const x = nd([2, 3, 4], 70);
    test('reshape and transpose', ['reshape', 'transpose'], async () => {
      await close(reshape(put(x), [4, 6]), { shape: [4, 6], data: x.data });
      for (const perm of [
        [2, 0, 1],
        [1, 0, 2],
        [0, 2, 1],
        [2, 1, 0],
      ]) {
        await close(transpose(put(x), perm), O.transpose(x, perm));
      }
    });
    test('broadcastTo', ['broadcastTo'], async () => {
      const y = nd([3, 1], 71);
      await close(
        broadcastTo(put(y), [2, 3, 4]),
        O.map((v) => v, y, { shape: [2, 3, 4], data: new Array(24).fill(0) }),
      );
    });
    test('slice and pad', ['slice', 'pad'], async () => {
      await close(slice(put(x), [1, 0, 1], [1, 2, 3]), O.slice(x, [1, 0, 1], [1, 2, 3]));
      await close(
        pad(
          put(x),
          [
            [0, 1],
            [2, 0],
            [1, 1],
          ],
          0,
        ),
        O.pad(
          x,
          [
            [0, 1],
            [2, 0],
            [1, 1],
          ],
          0,
        ),
      );
      await close(
        pad(
          put(x),
          [
            [1, 1],
            [0, 0],
            [0, 0],
          ],
          -1.5,
        ),
        O.pad(
          x,
          [
            [1, 1],
            [0, 0],
            [0, 0],
          ],
          -1.5,
        ),
      );
    });
    test('concat of 2 and of 6 operands', ['concat'], async () => {
      const y = nd([2, 1, 4], 72);
      await close(concat([put(x), put(y)], 1), O.concat([x, y], 1));
      const parts = [0, 1, 2, 3, 4, 5].map((k) => nd([2, k + 1], 80 + k));
      await close(concat(parts.map(put), 1), O.concat(parts, 1));
      await close(concat([put(x), put(x)], 0), O.concat([x, x], 0));
    });
    test('take along each axis, with repeats and 2-d indices', ['take'], async () => {
      const idx = ints([4], [2, 0, 2, 1]);
      await close(take(put(x), putInt(idx), 1), O.take(x, idx, 1));
      const idx2 = ints([2, 2], [1, 0, 1, 1]);
      await close(take(put(x), putInt(idx2), 0), O.take(x, idx2, 0));
      expect(() => take(put(x), putInt(ints([1], [5])), 1)).toThrow(/out of range/);
      // computed indices: on an async device their values are checked once computed (read back),
      // and the error surfaces on reading the result; on a synchronous one at the call
      const five = () => add(putInt(ints([1], [2])), putInt(ints([1], [3])));
      await expect(async () => take(put(x), five(), 1).data()).rejects.toThrow(
        /take: index 5 is out of range for an axis of size 3/,
      );
    });
    test('scatterAdd adds duplicates', ['scatterAdd'], async () => {
      const idx = ints([4], [2, 0, 2, 1]);
      const upd = nd([2, 4, 4], 73);
      await close(scatterAdd(putInt(idx), put(upd), [2, 3, 4], 1), O.scatterAdd(idx, upd, [2, 3, 4], 1));
      const big = add(putInt(ints([4], [2, 0, 2, 1])), putInt(ints([4], [0, 0, 2, 0])));
      await expect(async () => scatterAdd(big, put(upd), [2, 3, 4], 1).data()).rejects.toThrow(
        /scatterAdd: index 4 is out of range for an axis of size 3/,
      );
    });
  });

  describe('autodiff on this backend', () => {
    type F = (...xs: Tensor[]) => Tensor;
    const fns: [string, F, O.Nd[]][] = [
      [
        'a tanh layer',
        (x, w, b) => sum(mul(tanh(add(matmul(x!, w!), b!)), 0.5)),
        [nd([4, 5], 90, -1, 1), nd([5, 3], 91, -1, 1), nd([3], 92, -1, 1)],
      ],
      [
        'softmax cross-entropy',
        (z) =>
          neg(sum(mul(logSoftmax(z!, -1), oneHot(tensor([1, 0, 5, 2], { dtype: 'int32' }), 6, z!.dtype)))),
        [nd([4, 6], 93)],
      ],
      [
        'an elementwise mix',
        (a, b) =>
          add(
            sum(div(exp(sin(a!)), add(square(b!), 1))),
            sum(mul(sqrt(add(abs(a!), 1)), pow(add(abs(b!), 1), 1.5))),
          ),
        [nd([3, 4], 94), nd([4], 95, 0.2, 2)],
      ],
      [
        'max, prod and maximum',
        (a) => add(add(sum(prod(a!, 1)), sum(max(a!, 0))), sum(maximum(a!, 0.3))),
        [nd([3, 4], 96, 0.5, 1.5)],
      ],
      [
        'movement: slice, pad, transpose, take, concat',
        (x) => {
          const t = transpose(x!, [2, 0, 1]);
          const s = slice(x!, [0, 1, 1], [2, 2, 3]);
          const s4 = slice(x!, [0, 1, 0], [2, 2, 4]);
          const p = pad(
            s,
            [
              [1, 0],
              [0, 1],
              [0, 0],
            ],
            0,
          );
          const g = take(x!, tensor([2, 0, 2], { dtype: 'int32' }), 1);
          return add(add(sum(square(t)), sum(mul(p, p))), sum(mul(concat([g, s4], 1), 0.5)));
        },
        [nd([2, 3, 4], 97)],
      ],
      [
        'batched matmul with a broadcast batch',
        (a, b) => sum(square(matmul(a!, b!))),
        [nd([2, 3, 4], 98, -1, 1), nd([4, 5], 99, -1, 1)],
      ],
    ];

    /** f on the cpu backend's plain loops in float64 (the reference for float32 backends). */
    const onRef = <T>(f: () => T): T => withBackend(cpu({ kernels: 'js' }), f);
    const put64 = (x: O.Nd): Tensor => tensor(x.data, { shape: x.shape, dtype: 'float64' });
    const asNd = async (t: Tensor): Promise<O.Nd> => ({
      shape: t.shape.slice(),
      data: Array.from(await t.data()),
    });

    for (const [name, f, inputs] of fns) {
      test(`grad of ${name}`, [], async () => {
        const argnums = inputs.map((_, i) => i);
        const gs = grad(f, { argnums })(...inputs.map(put)) as Tensor[];
        if (c.dtype === 'float64') {
          // the reference: central differences of f itself
          for (const [i, x] of inputs.entries()) {
            const want = x.data.map((_, j) => {
              const eval1 = (h: number): number => {
                const xs = inputs.map((y, k) =>
                  k === i ? { ...y, data: y.data.map((v, l) => (l === j ? v + h : v)) } : y,
                );
                return f(...xs.map(put64)).itemSync();
              };
              const h = 1e-6;
              return (eval1(h) - eval1(-h)) / (2 * h);
            });
            await close(gs[i]!, { shape: x.shape, data: want }, 1e4);
          }
        } else {
          const want = onRef(() => grad(f, { argnums })(...inputs.map(put64)) as Tensor[]);
          for (let i = 0; i < inputs.length; i++) await close(gs[i]!, await asNd(want[i]!));
        }
      });
    }

    test('jvp and hvp of the tanh layer', [], async () => {
      const [, f, inputs] = fns[0]!;
      const v = inputs.map((x, k) => nd(x.shape, 200 + k, -1, 1));
      const fx = (x: Tensor): Tensor => f(x, put(inputs[1]!), put(inputs[2]!));
      const [out, tan] = jvp(f, inputs.map(put), v.map(put)) as [Tensor, Tensor];
      const hv = hvp(fx, put(inputs[0]!), put(v[0]!));
      if (c.dtype === 'float64') {
        const h = 1e-6;
        const shifted = (s: number): number =>
          f(
            ...inputs.map((x, k) =>
              put({ shape: x.shape, data: x.data.map((y, l) => y + s * v[k]!.data[l]!) }),
            ),
          ).itemSync();
        await close(tan, { shape: [], data: [(shifted(h) - shifted(-h)) / (2 * h)] }, 1e4);
        const g = (s: number): O.Nd => {
          const x = put({
            shape: inputs[0]!.shape,
            data: inputs[0]!.data.map((y, l) => y + s * v[0]!.data[l]!),
          });
          const t = grad(fx)(x) as Tensor;
          return { shape: t.shape.slice(), data: Array.from(t.dataSync()) };
        };
        const [gp, gm] = [g(h), g(-h)];
        await close(hv, { shape: gp.shape, data: gp.data.map((p, i) => (p - gm.data[i]!) / (2 * h)) }, 1e4);
        await close(out, { shape: [], data: [f(...inputs.map(put64)).itemSync()] });
      } else {
        const [wantOut, wantTan] = onRef(() => jvp(f, inputs.map(put64), v.map(put64)) as [Tensor, Tensor]);
        const fx64 = (x: Tensor): Tensor => f(x, put64(inputs[1]!), put64(inputs[2]!));
        const wantHv = onRef(() => hvp(fx64, put64(inputs[0]!), put64(v[0]!)));
        await close(out, await asNd(wantOut));
        await close(tan, await asNd(wantTan));
        await close(hv, await asNd(wantHv));
      }
    });
  });

  windowConformance({
    dtype,
    rtol: c.rtol,
    atol: c.atol,
    backend: () => backend,
    put,
    putInt,
    nd,
    close,
    test,
  });

  test('float64 requests either work (reference) or throw naming the dtype', ['cast', 'add'], async () => {
    if (backend.dtypes.includes('float64')) {
      expect(tensor([1, 2], { dtype: 'float64' }).dtype).toBe('float64');
      await close(tensor([1, 2], { dtype: 'float64' }), { shape: [2], data: [1, 2] });
    } else {
      expect(() => tensor([1, 2], { dtype: 'float64' })).toThrow(/float64/);
      expect(() => cast(tensor([1, 2]), 'float64')).toThrow(/float64/);
      await close(add(tensor([1, 2]), 1), { shape: [2], data: [2, 3] });
    }
  });

  nonFiniteSuite({
    dtype,
    rtol: c.rtol,
    unary: mapRows(unary, ([ref]) => ref),
    binary: mapRows(binary, ([ref]) => ref),
    test,
    put,
    putInt,
    close,
    same,
  });

  // Collected after the describes above (vitest collects them in order): fails the suite at
  // collection, before any test runs, when a primitive has no case.
  describe('coverage', () => {
    const missing = (Object.keys(primitives) as PrimName[]).filter((p) => !covered.has(p));
    if (missing.length > 0) {
      throw new Error(`conformance: no test covers the primitive(s) ${missing.join(', ')}; add one above`);
    }
    it('has a case for every primitive', () => expect(missing).toEqual([]));
  });
}
