/**
 * Non-finite values in the conformance suite. Every primitive is fed NaN, +-Infinity and zeros (one
 * row per primitive, typed by `PrimName`, so a new primitive without one fails `tsc`) and compared
 * with the float64 oracle, whose JavaScript arithmetic is IEEE's. Then one fast-check property per
 * family (elementwise, reductions): on inputs mixing NaN, infinities, zeros and finite values,
 * every op gives what the cpu backend gives in float64: NaN in the same places, the same
 * infinities, finite values within the backend's tolerance. A backend that drops a NaN (a
 * `maximum` written as `a >= b ? a : b`) makes a diverging model look finite, and GeN's
 * non-finite safeguard then never fires. Last, the composed ops whose stability tricks meet these
 * values: logsumexp/softmax with infinite rows, and sigmoid/softplus in their tails.
 */
import fc from 'fast-check';
import {
  argmax,
  broadcastTo,
  cast,
  concat,
  cpu,
  equal,
  matmul,
  max,
  pad,
  prod,
  reshape,
  scatterAdd,
  slice,
  stopGradient,
  sum,
  take,
  tensor,
  transpose,
  where,
  withBackend,
  type BinaryOp,
  type CompareOp,
  type PrimName,
  type Tensor,
  type UnaryOp,
} from '@gen-ts/core';
import * as core from '@gen-ts/core';
import { describe, expect } from 'vitest';
import * as O from './oracle.js';

/** What the suite hands this file: its test registration and comparisons, bound to one backend. */
export interface SuiteContext {
  readonly dtype: 'float32' | 'float64';
  /** Relative tolerance against float64 values. */
  readonly rtol: number;
  /** The float64 reference of every unary and binary primitive (the suite's own tables). */
  readonly unary: { readonly [P in UnaryOp]: (v: number) => number };
  readonly binary: { readonly [P in BinaryOp]: (a: number, b: number) => number };
  test(name: string, covers: readonly PrimName[], fn: () => Promise<void>): void;
  put(x: O.Nd): Tensor;
  putInt(x: O.Nd): Tensor;
  /** Same shape; NaN where `ref` is NaN, the same infinities, finite values within tolerance. */
  close(t: Tensor, ref: O.Nd, scale?: number): Promise<void>;
  /** Same shape and exactly these values. */
  same(t: Tensor, want: number[], shape: number[]): Promise<void>;
}

/** Runs per property; raise it (NONFINITE_RUNS=2000) to hunt rare failures. */
const RUNS = Number(process.env['NONFINITE_RUNS'] ?? 60);

/** NaN, the infinities, zero and two ordinary values (all float32-representable). */
const SPECIAL = [NaN, Infinity, -Infinity, 0, 1.5, -2];
const vec = (v: readonly number[]): O.Nd => ({ shape: [v.length], data: [...v] });
/** Every special value against every other: a column broadcast against a row. */
const COL: O.Nd = { shape: [SPECIAL.length, 1], data: SPECIAL };
const ROW: O.Nd = { shape: [1, SPECIAL.length], data: SPECIAL };

const COMPARE_REF: {
  [P in CompareOp]: [(a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => boolean];
} = {
  lt: [core.less, (a, b) => a < b],
  le: [core.lessEqual, (a, b) => a <= b],
  gt: [core.greater, (a, b) => a > b],
  ge: [core.greaterEqual, (a, b) => a >= b],
  eq: [core.equal, (a, b) => a === b],
  ne: [core.notEqual, (a, b) => a !== b],
};

type Case = (c: SuiteContext) => Promise<void>;

const unaryCase =
  (op: UnaryOp): Case =>
  async (c) => {
    const x = vec([...SPECIAL, -0, 0.5, -1]);
    await c.close(core[op](c.put(x)), O.map(c.unary[op], x));
  };

const binaryCase =
  (op: BinaryOp): Case =>
  async (c) => {
    await c.close(core[op](c.put(COL), c.put(ROW)), O.map(c.binary[op], COL, ROW));
    // a scalar operand (the `mul(x, 2)` path) carrying the special value
    for (const s of [NaN, Infinity]) {
      const sc: O.Nd = { shape: [], data: [s] };
      await c.close(core[op](c.put(ROW), c.put(sc)), O.map(c.binary[op], ROW, sc));
    }
  };

const reduceCase =
  (op: 'sum' | 'max' | 'prod'): Case =>
  async (c) => {
    const f = { sum, max, prod }[op];
    // rows: a NaN, an infinity, both infinities, 0 * Infinity, all -Infinity
    const x: O.Nd = {
      shape: [5, 4],
      data: [NaN, 1, 2, 3, Infinity, 1, 2, 3, Infinity, -Infinity, 1, 2, 0, Infinity, 1, 2].concat([
        -Infinity,
        -Infinity,
        -Infinity,
        -Infinity,
      ]),
    };
    for (const axes of [[1], [0], [0, 1]]) await c.close(f(c.put(x), axes), O.reduce(op, x, axes));
    // a long vector (the two-pass path) with one special value near its end
    for (const s of [NaN, Infinity]) {
      const v = vec(
        Array.from({ length: 5000 }, (_, i) => (i === 4321 ? s : op === 'prod' ? 1 : (i % 7) / 4)),
      );
      await c.close(f(c.put(v)), O.reduce(op, v, [0]), 4);
    }
  };

/** Movement: the values pass through untouched, whatever they are. */
const X: O.Nd = { shape: [2, 3], data: [NaN, Infinity, -Infinity, 0, 1.5, -2] };

/**
 * The non-finite case of every primitive but the unary and binary ones (those come from the
 * suite's tables of float64 references, one case each).
 */
const NON_FINITE: { [P in Exclude<PrimName, UnaryOp | BinaryOp>]: Case } = {
  compare: async (c) => {
    for (const [f, ref] of Object.values(COMPARE_REF)) {
      const t = f(c.put(COL), c.put(ROW));
      expect(t.dtype).toBe('bool');
      await c.close(
        t,
        O.map((a, b) => +ref(a, b), COL, ROW),
      );
    }
  },
  where: async (c) => {
    const cond = greaterMask([1, 0, 1, 0, 1, 0]);
    const a = vec([NaN, 1, Infinity, 2, -Infinity, 3]);
    const b = vec([4, NaN, 5, -Infinity, 6, Infinity]);
    await c.close(
      where(cond(c), c.put(a), c.put(b)),
      vec([NaN, NaN, Infinity, -Infinity, -Infinity, Infinity]),
    );
  },
  cast: async (c) => {
    // to int32: truncation toward zero, NaN to 0, out of range saturating (as XLA and WebAssembly's
    // saturating truncation); the device then holds the integer it reads back as
    const x = c.put(vec([NaN, Infinity, -Infinity, 3e9, -3e9, 2.75, -2.75, 0]));
    const i = cast(x, 'int32');
    await c.same(i, [0, 2147483647, -2147483648, 2147483647, -2147483648, 2, -2, 0], [8]);
    await c.same(cast(equal(i, 0), 'int32'), [1, 0, 0, 0, 0, 0, 0, 1], [8]);
    await c.close(cast(i, c.dtype), vec([0, 2147483647, -2147483648, 2147483647, -2147483648, 2, -2, 0]));
    await c.same(cast(x, 'bool'), [1, 1, 1, 1, 1, 1, 1, 0], [8]);
  },
  stopGradient: async (c) => c.close(core.add(stopGradient(c.put(X)), 0), X),
  sum: reduceCase('sum'),
  max: reduceCase('max'),
  prod: reduceCase('prod'),
  argmax: async (c) => {
    // NaN is the largest (the first NaN wins), then +Infinity; a row of -Infinity gives 0
    const x: O.Nd = {
      shape: [4, 4],
      data: [1, NaN, 3, NaN, 1, Infinity, Infinity, 2, -Infinity, -Infinity, -Infinity, -Infinity].concat([
        NaN,
        NaN,
        Infinity,
        1,
      ]),
    };
    await c.same(argmax(c.put(x), 1), [1, 1, 0, 0], [4]);
  },
  matmul: async (c) => {
    // infinities and NaN meet zeros (Inf * 0 = NaN), each other (Inf - Inf) and ordinary values,
    // at a size that takes the blocked, padded path on webasm
    const a: O.Nd = {
      shape: [5, 6],
      data: Array.from({ length: 30 }, (_, i) => [1, Infinity, 0.5, NaN, -Infinity, -1][(i * 7) % 6]!),
    };
    const b: O.Nd = {
      shape: [6, 9],
      data: Array.from({ length: 54 }, (_, i) => [0.25, 0, -1.5, 2][(i * 5) % 4]!),
    };
    await c.close(matmul(c.put(a), c.put(b)), O.matmul(a, b));
  },
  // a reshape may share the data and run no kernel: the add(., 0) after it is what the backend runs
  reshape: async (c) => c.close(core.add(reshape(c.put(X), [3, 2]), 0), { shape: [3, 2], data: X.data }),
  transpose: async (c) => c.close(transpose(c.put(X)), O.transpose(X, [1, 0])),
  broadcastTo: async (c) =>
    c.close(
      broadcastTo(c.put(X), [2, 2, 3]),
      O.map((v) => v, X, { shape: [2, 2, 3], data: new Array(12).fill(0) }),
    ),
  slice: async (c) => c.close(slice(c.put(X), [0, 1], [2, 2]), O.slice(X, [0, 1], [2, 2])),
  pad: async (c) => {
    // non-finite fill values too (gpu kernels cannot write them as source constants)
    const w: [number, number][] = [
      [1, 0],
      [0, 1],
    ];
    for (const v of [0, NaN, Infinity, -Infinity]) await c.close(pad(c.put(X), w, v), O.pad(X, w, v));
  },
  concat: async (c) => c.close(concat([c.put(X), c.put(X)], 1), O.concat([X, X], 1)),
  take: async (c) => {
    const idx = vec([2, 0, 2]);
    await c.close(take(c.put(X), c.putInt(idx), 1), O.take(X, idx, 1));
  },
  scatterAdd: async (c) => {
    // duplicates meet: Infinity + -Infinity and NaN + 3 are NaN
    const idx = vec([0, 1, 0]);
    const upd: O.Nd = { shape: [2, 3], data: [Infinity, 1, -Infinity, NaN, 2, 3] };
    await c.close(scatterAdd(c.putInt(idx), c.put(upd), [2, 2], 1), O.scatterAdd(idx, upd, [2, 2], 1));
  },
  // the windowed primitives: an image whose NaN, infinities and zeros meet the kernel's zeros
  // (Inf * 0), each other (Inf - Inf), padding and overlapping windows
  conv: (c) =>
    againstReference(c, (x, w) => core.conv(x!, w!, { padding: 'same', strides: [2, 1] }), [IMAGE, KERNEL]),
  reduceWindow: async (c) => {
    for (const op of ['sum', 'max', 'argmax'] as const)
      await againstCpu(c, (put) =>
        cast(core.reduceWindow(put(IMAGE), op, [1, 2, 2, 1], { padding: 'same' }), c.dtype),
      );
  },
  windowGather: (c) => againstCpu(c, (put, putInt) => core.windowGather(put(IMAGE), putInt(TAPS), WINDOWS)),
  windowScatter: (c) =>
    // every output gathers a NaN, an infinity or both signs of infinity from its windows
    againstCpu(c, (put, putInt) => core.windowScatter(putInt(TAPS), put(UPDATES), IMAGE.shape, WINDOWS)),
};

/** A [1, 4, 4, 2] image with the specials spread over both channels. */
const IMAGE: O.Nd = {
  shape: [1, 4, 4, 2],
  data: Array.from({ length: 32 }, (_, i) => [NaN, 1, Infinity, 0, -Infinity, -0.5, 2, 0][(i * 3) % 8]!),
};
/** A 3x3 kernel from 2 to 2 channels, zeros included. */
const KERNEL: O.Nd = {
  shape: [3, 3, 2, 2],
  data: Array.from({ length: 36 }, (_, i) => [0.25, 0, -1, 0.5, 0][i % 5]!),
};
/** 2x2 windows of stride 1 over the image, padded below and right. */
const WINDOWS: core.WindowGeometry = {
  window: [1, 2, 2, 1],
  strides: [1, 1, 1, 1],
  padding: [
    [0, 0],
    [0, 1],
    [0, 1],
    [0, 0],
  ],
  baseDilation: [1, 1, 1, 1],
  windowDilation: [1, 1, 1, 1],
};
/** One tap per window (of 4), the padding's holes among them. */
const TAPS: O.Nd = { shape: [1, 4, 4, 2], data: Array.from({ length: 32 }, (_, i) => (i * 7) % 4) };
/** Updates with NaN and both infinities, so overlapping windows add them together. */
const UPDATES: O.Nd = {
  shape: [1, 4, 4, 2],
  data: Array.from({ length: 32 }, (_, i) => [Infinity, 1, -Infinity, NaN, 0.5][i % 5]!),
};

/** A bool mask on the backend from 0/1 values. */
function greaterMask(bits: number[]): (c: SuiteContext) => Tensor {
  return (c) => core.greater(c.put(vec(bits)), 0);
}

/** Values for the properties: the specials, or multiples of 1/4 in [-4, 4] (exact in float32). */
const valueArb = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0),
  fc.integer({ min: -16, max: 16 }).map((k) => k / 4),
);
/** A few shapes, so the kernels compiled stay few on the gpu backends. */
const SHAPES: number[][] = [[], [3], [2, 3], [3, 1], [1, 3]];
const ndArb = (shape: number[]): fc.Arbitrary<O.Nd> => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(valueArb, { minLength: n, maxLength: n }).map((data) => ({ shape, data }));
};

/**
 * What `make` builds on this backend against what it builds on the cpu backend in float64; `put`
 * uploads float inputs, `putInt` int32 ones.
 */
async function againstCpu(
  c: SuiteContext,
  make: (put: (x: O.Nd) => Tensor, putInt: (x: O.Nd) => Tensor) => Tensor,
): Promise<void> {
  const want = withBackend(cpu(), () =>
    make(
      (x) => tensor(x.data, { shape: x.shape, dtype: 'float64' }),
      (x) => tensor(x.data, { shape: x.shape, dtype: 'int32' }),
    ),
  );
  const got = make(c.put, c.putInt);
  await c.close(got, { shape: want.shape.slice(), data: Array.from(await want.data()) });
}

/** `f` on this backend against `f` on the cpu backend in float64. */
function againstReference(c: SuiteContext, f: (...xs: Tensor[]) => Tensor, inputs: O.Nd[]): Promise<void> {
  return againstCpu(c, (put) => f(...inputs.map(put)));
}

/** Registers the non-finite cases and properties for one backend. */
export function nonFiniteSuite(c: SuiteContext): void {
  describe('non-finite values', () => {
    const cases: [PrimName, Case][] = [
      ...(Object.keys(c.unary) as UnaryOp[]).map((op) => [op, unaryCase(op)] as [PrimName, Case]),
      ...(Object.keys(c.binary) as BinaryOp[]).map((op) => [op, binaryCase(op)] as [PrimName, Case]),
      ...(Object.entries(NON_FINITE) as [PrimName, Case][]),
    ];
    for (const [p, f] of cases) c.test(`${p}: NaN, infinities and zeros`, [p], () => f(c));
    c.test(
      'logsumexp, softmax and logSoftmax of rows with infinities',
      ['max', 'sum', 'exp', 'log'],
      async () => {
        const x = c.put({ shape: [4, 2], data: [-Infinity, -Infinity, Infinity, 1, NaN, 1, 80, 80] });
        await c.close(core.logsumexp(x), vec([-Infinity, Infinity, NaN, 80 + Math.LN2]));
        await c.close(core.softmax(x), { shape: [4, 2], data: [NaN, NaN, NaN, 0, NaN, NaN, 0.5, 0.5] });
        await c.close(core.logSoftmax(x), {
          shape: [4, 2],
          data: [NaN, NaN, NaN, -Infinity, NaN, NaN, -Math.LN2, -Math.LN2],
        });
        const y = c.put(vec([-Infinity, 0]));
        await c.close(core.softmax(y), vec([0, 1]));
        await c.close(core.logSoftmax(y), vec([-Infinity, 0]));
      },
    );
    c.test(
      'sigmoid and softplus keep their relative accuracy in the negative tail',
      ['exp', 'log1p'],
      async () => {
        const xs = [-60, -40, -30, -10, 0, 10, 30];
        const relClose = async (t: Tensor, want: number[]) => {
          const got = await t.data();
          want.forEach((w, i) => {
            const err = Math.abs(got[i]! - w) / Math.abs(w);
            if (!(err <= c.rtol))
              expect.fail(`at x = ${xs[i]}: got ${got[i]}, want ${w} (relative error ${err})`);
          });
        };
        await relClose(
          core.sigmoid(c.put(vec(xs))),
          xs.map((x) => 1 / (1 + Math.exp(-x))),
        );
        await relClose(
          core.softplus(c.put(vec(xs))),
          xs.map((x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)))),
        );
      },
    );
    c.test(
      'relu and clip keep NaN (a diverging model stays visibly non-finite)',
      ['maximum', 'minimum'],
      async () => {
        const x = vec([NaN, -1, 2, Infinity, -Infinity]);
        await c.close(core.relu(c.put(x)), vec([NaN, 0, 2, Infinity, 0]));
        await c.close(core.clip(c.put(x), -1, 1), vec([NaN, -1, 1, 1, -1]));
      },
    );

    const elementwise: [string, (...xs: Tensor[]) => Tensor, number][] = [
      ...Object.keys(c.unary).map(
        (op) => [op, core[op as UnaryOp], 1] as [string, (x: Tensor) => Tensor, number],
      ),
      ...Object.keys(c.binary).map(
        (op) => [op, core[op as BinaryOp], 2] as [string, (a: Tensor, b: Tensor) => Tensor, number],
      ),
      ...Object.entries(COMPARE_REF).map(
        ([op, [f]]) => [op, f, 2] as [string, (a: Tensor, b: Tensor) => Tensor, number],
      ),
      ['where', (m: Tensor, a: Tensor, b: Tensor) => where(core.greater(m, 0), a, b), 3],
    ];
    c.test('property: every elementwise op propagates NaN and infinities as float64 does', [], async () => {
      const arb = fc
        .tuple(fc.constantFrom(...elementwise), fc.constantFrom(...SHAPES), fc.constantFrom(...SHAPES))
        .filter(([, sa, sb]) => compatible(sa, sb))
        .chain(([op, sa, sb]) =>
          fc.tuple(fc.constant(op), fc.tuple(...[sa, sb, sa].slice(0, op[2]).map(ndArb))),
        );
      await fc.assert(
        fc.asyncProperty(arb, async ([[, f], xs]) => againstReference(c, f, xs)),
        { numRuns: RUNS },
      );
    });

    const reductions: [string, (x: Tensor, axes: number[]) => Tensor][] = [
      ['sum', (x, a) => sum(x, a)],
      ['max', (x, a) => max(x, a)],
      ['prod', (x, a) => prod(x, a)],
      ['argmax', (x, a) => argmax(x, a[0])],
    ];
    c.test('property: every reduction propagates NaN and infinities as float64 does', [], async () => {
      const arb = fc
        .tuple(fc.constantFrom(...reductions), fc.constantFrom<number[]>([2, 3], [3, 4], [4]))
        .chain(([[name, f], shape]) =>
          fc.tuple(
            fc.constant(name),
            fc.constant(f),
            name === 'argmax'
              ? fc.integer({ min: 0, max: shape.length - 1 }).map((a) => [a])
              : fc.subarray(
                  shape.map((_, i) => i),
                  { minLength: 1 },
                ),
            ndArb(shape),
          ),
        );
      await fc.assert(
        fc.asyncProperty(arb, async ([, f, axes, x]) => againstReference(c, (t) => f(t, axes), [x])),
        { numRuns: RUNS },
      );
    });
  });
}

function compatible(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i]!;
    const y = b[b.length - i]!;
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}
