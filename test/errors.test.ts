/**
 * Bad input throws clear errors. The first part feeds each op a known mistake and checks that the
 * message names the op and the offending shapes, axes or dtypes. The second part fuzzes: random
 * ops on random shapes, dtypes and axes must either return a tensor of exactly the shape and dtype
 * that an independent model of the NumPy rules predicts, or throw an `Error` where the model says
 * the call is invalid; a throw never leaves a non-Error, a bad index never becomes NaN, and no call
 * (throwing or not) changes or disposes its inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as g from '@gen-ts/core';
import type { DType, Tensor } from '@gen-ts/core';

/** Runs `fn`, expects an Error whose message contains every fragment, and returns it. */
function throwsWith(fn: () => unknown, ...parts: string[]): Error {
  let caught: unknown = undefined;
  let threw = false;
  try {
    fn();
  } catch (e) {
    caught = e;
    threw = true;
  }
  expect(threw, 'expected a throw').toBe(true);
  expect(caught).toBeInstanceOf(Error);
  const msg = (caught as Error).message;
  for (const p of parts) expect(msg).toContain(p);
  return caught as Error;
}

const f32 = (shape: number[]) => g.zeros(shape);
const f64 = (shape: number[]) => g.zeros(shape, { dtype: 'float64' });
const i32 = (values: number[]) => g.tensor(values, { dtype: 'int32' });
const bool = (shape: number[]) => g.zeros(shape, { dtype: 'bool' });

describe('errors name the op and what was wrong', () => {
  it('mismatched shapes: add, sub, mul, matmul, concat, where, stack', () => {
    throwsWith(() => g.add(f32([2, 3]), f32([4])), 'add', '[2,3]', '[4]');
    throwsWith(() => g.sub(f32([2]), f32([3])), 'sub', '[2]', '[3]');
    throwsWith(() => f32([3, 2]).mul(f32([3])), 'mul', '[3,2]', '[3]');
    throwsWith(() => g.matmul(f32([2, 3]), f32([4, 5])), 'matmul', '[2,3]', '[4,5]');
    throwsWith(() => g.matmul(f32([2, 2, 3]), f32([3, 3, 1])), 'matmul', '[2]', '[3]');
    throwsWith(() => g.matmul(g.scalar(1), f32([2])), 'matmul', '[]', '[2]');
    throwsWith(() => g.concat([f32([2, 3]), f32([3, 4])], 1), 'concat', '[2,3]', '[3,4]', 'axis 1');
    throwsWith(() => g.concat([f32([2]), f32([2, 2])]), 'concat', '[2]', '[2,2]');
    throwsWith(() => g.concat([]), 'concat');
    throwsWith(() => g.concat([f32([2])], 1), 'concat', 'axis 1', 'rank 1');
    throwsWith(() => g.where(bool([2]), f32([3]), f32([2])), 'where', '[2]', '[3]');
    throwsWith(() => g.where(bool([4]), f32([2]), f32([2])), 'where', '[4]', '[2]');
    throwsWith(() => g.stack([f32([2]), f32([3])]), 'stack', '[2]', '[3]');
    throwsWith(() => g.broadcastTo(f32([3]), [2, 4]), 'broadcastTo', '[3]', '[2,4]');
    throwsWith(() => g.scatterAdd(i32([0, 1]), f32([3]), [4]), 'scatterAdd', '[3]', '[2]');
  });

  it('bad axes: sum, argmax, expandDims, squeeze, transpose perms', () => {
    throwsWith(() => g.sum(f32([2, 3]), 2), 'sum', 'axis 2', 'rank 2');
    throwsWith(() => g.sum(f32([2, 3]), -3), 'sum', 'axis -3', 'rank 2');
    throwsWith(() => g.sum(f32([2, 3]), [0, -2]), 'sum', 'repeated', '[0,-2]');
    throwsWith(() => g.mean(f32([2, 3]), 0.5), 'mean', 'axis 0.5');
    throwsWith(() => g.max(f32([2, 0]), 1), 'max', 'empty', '[2,0]');
    throwsWith(() => g.argmax(f32([2, 3]), 5), 'argmax', 'axis 5', 'rank 2');
    throwsWith(() => g.argmax(g.scalar(1)), 'argmax', 'rank 0');
    throwsWith(() => g.argmax(f32([2, 0]), 1), 'argmax', '[2,0]');
    throwsWith(() => g.expandDims(f32([2]), 3), 'expandDims', 'axis 3');
    throwsWith(() => g.expandDims(f32([2]), -3), 'expandDims', 'axis -3');
    throwsWith(() => g.squeeze(f32([2, 3]), 0), 'squeeze', 'axis 0', '[2,3]');
    throwsWith(() => g.squeeze(f32([1, 3]), 2), 'squeeze', 'axis 2');
    throwsWith(() => g.transpose(f32([2, 3]), [0, 0]), 'transpose', '[0,0]', '[2,3]');
    throwsWith(() => g.transpose(f32([2, 3]), [1]), 'transpose', '[1]', '[2,3]');
    throwsWith(() => g.transpose(f32([2, 3]), [0, 1, 2]), 'transpose', '[0,1,2]', '[2,3]');
    throwsWith(() => g.transpose(f32([2, 3]), [1, 2]), 'transpose', '[1,2]');
    throwsWith(() => g.concat([f32([2]), f32([2])], 1), 'concat', 'axis 1');
    throwsWith(() => g.stack([f32([2]), f32([2])], 3), 'stack', 'axis 3');
    throwsWith(() => g.take(f32([3]), i32([0]), 1), 'take', 'axis 1');
  });

  it('wrong dtypes', () => {
    throwsWith(() => g.add(f32([2]), f64([2])), 'add', 'float32', 'float64');
    throwsWith(() => g.matmul(f32([2, 2]), f64([2, 2])), 'matmul', 'float32', 'float64');
    throwsWith(() => g.concat([f32([2]), f64([2])]), 'concat', 'float32', 'float64');
    throwsWith(() => g.log(i32([1, 2])), 'log', 'int32', '[2]');
    throwsWith(() => g.exp(bool([2])), 'exp', 'bool');
    throwsWith(() => g.div(i32([1]), i32([2])), 'div', 'int32');
    throwsWith(() => g.add(bool([2]), bool([2])), 'add', 'bool');
    throwsWith(() => g.sum(bool([2])), 'sum', 'bool');
    throwsWith(() => g.sum(g.tensor(true, { dtype: 'bool' })), 'sum', 'bool');
    throwsWith(() => g.take(f32([3]), g.tensor([0, 1])), 'take', 'int32', 'float32');
    throwsWith(() => g.scatterAdd(g.tensor([0]), f32([1]), [2]), 'scatterAdd', 'int32', 'float32');
    throwsWith(() => g.where(f32([2]), f32([2]), f32([2])), 'where', 'bool', 'float32');
    throwsWith(() => g.where(bool([2]), f32([2]), f64([2])), 'where', 'float32', 'float64');
    throwsWith(() => g.oneHot(g.tensor([0, 1]), 3), 'oneHot', 'int32', 'float32');
    throwsWith(() => g.oneHot(i32([0]), 0), 'oneHot', 'depth', '0');
    throwsWith(() => g.add(i32([1]), 0.5), 'add', '0.5', 'int32');
    throwsWith(() => g.cast(f32([1]), 'float16' as DType), 'cast', 'float16');
    throwsWith(() => g.add(f32([2]), [1, 2] as unknown as Tensor), 'add', 'array');
    throwsWith(() => g.logicalAnd(bool([2]), f32([2])), 'logicalAnd', 'b', 'bool', 'float32[2]');
    throwsWith(() => g.logicalOr(i32([1]), bool([1])), 'logicalOr', 'a', 'bool', 'int32[1]');
    throwsWith(() => g.logicalNot(f64([3])), 'logicalNot', 'bool', 'float64[3]');
    throwsWith(() => g.isFinite([1] as unknown as Tensor), 'isFinite', 'array');
  });

  it('out-of-range indices in take and scatterAdd (no NaN, no silent wrap)', () => {
    throwsWith(() => g.take(f32([3]), i32([0, 5])), 'take', '5', 'size 3');
    throwsWith(() => g.take(f32([3]), i32([-1])), 'take', '-1', 'size 3');
    throwsWith(() => g.take(f32([2, 3]), i32([3]), 1), 'take', '3', 'size 3');
    throwsWith(() => g.take(f32([0, 3]), i32([0])), 'take', '0', 'size 0');
    throwsWith(() => g.scatterAdd(i32([3]), f32([1]), [3]), 'scatterAdd', '3', 'size 3');
    throwsWith(() => g.scatterAdd(i32([-1]), f32([2, 1]), [2, 3], 1), 'scatterAdd', '-1', 'size 3');
  });

  it('autodiff misuse: grad of non-scalar or non-function, jvp/vjp shape mismatches', () => {
    throwsWith(() => g.grad((x: Tensor) => g.mul(x, 2))(f32([2])), 'grad', 'scalar', 'float32[2]');
    throwsWith(() => g.grad((x: Tensor) => g.argmax(x))(f32([2])), 'grad', 'scalar', 'int32[]');
    throwsWith(() => g.grad(5 as unknown as () => Tensor), 'grad', 'function', 'number');
    throwsWith(() => g.valueAndGrad(null as unknown as () => Tensor), 'valueAndGrad', 'function');
    throwsWith(() => g.grad((x: Tensor) => g.sum(x))(i32([1, 2])), 'grad', 'int32');
    throwsWith(() => g.grad((x: Tensor) => g.sum(x), { argnums: 1 })(f32([2])), 'grad', 'argnums 1');
    throwsWith(() => g.grad((x: Tensor) => g.sum(x), { hasAux: true })(f32([2])), 'grad', 'hasAux');
    throwsWith(
      () => g.jvp((x: Tensor) => g.mul(x, 2), [f32([2])], [f32([3])]),
      'jvp',
      'float32[3]',
      'float32[2]',
    );
    throwsWith(
      () => g.jvp((x: Tensor) => g.mul(x, 2), [f32([2])], [f64([2])]),
      'jvp',
      'float64[2]',
      'float32[2]',
    );
    throwsWith(() => g.jvp((x: Tensor) => x, [f32([2])], [[f32([2])]]), 'jvp', 'structure');
    throwsWith(() => g.jvp(3 as unknown as () => Tensor, [], []), 'jvp', 'function');
    const [, pullback] = g.vjp((x: Tensor) => g.mul(x, 2), f32([2]));
    throwsWith(() => pullback(f32([3])), 'vjp', 'float32[3]', 'float32[2]');
    throwsWith(() => pullback(f64([2])), 'vjp', 'float64[2]', 'float32[2]');
    throwsWith(() => pullback([f32([2])]), 'vjp', 'structure');
    throwsWith(() => g.jacfwd((x: Tensor) => x)(i32([1])), 'jacfwd', 'float');
  });

  it('reshape, slice and pad with bad sizes', () => {
    throwsWith(() => g.reshape(f32([2, 3]), [4]), 'reshape', '[2,3]', '[4]');
    throwsWith(() => g.reshape(f32([2, 3]), [-1, 4]), 'reshape', '[2,3]', '[-1,4]');
    throwsWith(() => g.reshape(f32([2, 3]), [-1, -1]), 'reshape', '-1');
    throwsWith(() => g.reshape(f32([2, 3]), [-2, 3]), 'reshape', '-2');
    throwsWith(() => g.reshape(f32([0, 2]), [-1, 0]), 'reshape', '[0,2]', '[-1,0]');
    throwsWith(() => g.slice(f32([2, 3]), [1, 1], [2, 1]), 'slice', '[2,3]', '[1,1]', '[2,1]');
    throwsWith(() => g.slice(f32([2, 3]), [-1]), 'slice', '[2,3]');
    throwsWith(() => g.slice(f32([2, 3]), [0, 0, 0]), 'slice', 'rank 2');
    throwsWith(() => g.slice(f32([2]), [3]), 'slice', '[2]');
    throwsWith(() => g.pad(f32([2]), [[-1, 0]]), 'pad', '-1');
    throwsWith(() => g.pad(f32([2, 2]), [[1, 1]]), 'pad', '2 axes', '[2,2]');
    throwsWith(() => g.pad(f32([2]), [[0.5, 0]] as [number, number][]), 'pad', '0.5');
  });

  it('bad creation options', () => {
    throwsWith(() => g.tensor([1, 2], { dtype: 'float16' as DType }), 'tensor', 'float16');
    throwsWith(() => g.zeros([2], { dtype: 'uint8' as DType }), 'zeros', 'uint8');
    throwsWith(() => g.ones([2], { dtype: 'complex' as DType }), 'ones', 'complex');
    throwsWith(() => g.scalar(1, { dtype: 'x' as DType }), 'scalar', '"x"');
    throwsWith(() => g.arange(3, undefined, 1, { dtype: 'y' as DType }), 'arange', '"y"');
    throwsWith(() => g.zeros([-1]), 'zeros', '[-1]');
    throwsWith(() => g.ones([2, 1.5]), 'ones', '1.5');
    throwsWith(() => g.full([2, -3], 1), 'full', '-3');
    throwsWith(() => g.eye(-1), 'eye', '-1');
    throwsWith(() => g.tensor([1, 2, 3], { shape: [2, 2] }), 'tensor', '3 values', '[2,2]');
    throwsWith(() => g.tensor([1], { shape: [-1] }), 'tensor', '[-1]');
    throwsWith(() => g.arange(0, 3, 0), 'arange', 'step');
    throwsWith(() => g.linspace(0, 1, -1), 'linspace', '-1');
    throwsWith(() => g.uniform(g.key(0), [2], { dtype: 'int32' }), 'uniform', 'int32');
    throwsWith(() => g.randint(g.key(0), [2], 3, 3), 'randint', '3');
  });

  it('ragged or non-numeric nested arrays', () => {
    throwsWith(() => g.tensor([[1, 2], [3]]), 'tensor', 'ragged', '[1]', 'length 2');
    // the same total size as a rectangle must not slip through
    throwsWith(() => g.tensor([[1], [2, 3], []]), 'tensor', 'ragged', '[3,1]');
    throwsWith(
      () =>
        g.tensor([
          [1, 2],
          [3, [4]],
        ] as unknown as number[][]),
      'tensor',
      '[1,1]',
      'array',
    );
    throwsWith(() => g.tensor([[1, 2], 3] as unknown as number[][]), 'tensor', 'ragged', '[1]');
    throwsWith(() => g.tensor(['a', 'b'] as unknown as number[]), 'tensor', 'string', '[0]');
    throwsWith(() => g.tensor([[1, null]] as unknown as number[][]), 'tensor', '[0,1]');
    throwsWith(() => g.tensor('12' as unknown as number[]), 'tensor', 'string');
    // well-formed edge cases still work
    expect(g.tensor([[], []]).shape).toEqual([2, 0]);
    expect(g.tensor([]).shape).toEqual([0]);
    expect(g.tensor([[true, false]], { dtype: 'bool' }).toArray()).toEqual([[true, false]]);
  });

  it('a disposed tensor used again', () => {
    const x = g.tensor([1, 2]);
    const y = g.tensor([3, 4]);
    x.dispose();
    expect(x.isDisposed).toBe(true);
    throwsWith(() => g.add(x, 1), 'add', 'dispose', 'float32[2]');
    throwsWith(() => g.add(y, x), 'add', 'input 1', 'dispose');
    throwsWith(() => x.exp(), 'exp', 'dispose');
    const m = g.ones([1, 2]);
    m.dispose();
    throwsWith(() => g.matmul(m, g.ones([2, 1])), 'matmul', 'dispose', 'float32[1,2]');
    throwsWith(() => x.dataSync(), 'dispose', '[2]');
    throwsWith(() => x.toArray(), 'dispose');
    x.dispose(); // a second dispose is a no-op
    expect(y.toArray()).toEqual([3, 4]);
  });

  it('inputs of a throwing op keep their values', () => {
    const a = g.tensor([[1, 2, 3]]);
    const b = g.tensor([1, 2]);
    throwsWith(() => g.add(a, b), 'add');
    throwsWith(() => g.take(a, i32([0, 9]), 1), 'take');
    expect(a.toArray()).toEqual([[1, 2, 3]]);
    expect(b.toArray()).toEqual([1, 2]);
    expect(a.isDisposed || b.isDisposed).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzz: an independent model of the shape and dtype rules, checked against the library.
// ---------------------------------------------------------------------------------------------

/** A tensor to build: its values are a function of `seed`, small and finite. */
interface TDesc {
  shape: number[];
  dtype: DType;
  seed: number;
}

/** What the model predicts: a result of this shape and dtype, or a throw. */
type Expect = { shape: number[]; dtype: DType } | 'throw';

const DT: DType[] = ['float32', 'float64', 'int32', 'bool'];
const isFloat = (d: DType) => d === 'float32' || d === 'float64';
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function build(d: TDesc): Tensor {
  const n = prod(d.shape);
  const v = Array.from({ length: n }, (_, i) => {
    const k = (d.seed * 31 + 5 * i + ((i * i) % 3)) % 7;
    if (d.dtype === 'bool') return k % 2;
    return d.dtype === 'int32' ? k - 3 : k - 3 + 0.25;
  });
  return g.tensor(v, { dtype: d.dtype, shape: d.shape });
}

/** NumPy broadcasting of any number of shapes; null when they are incompatible. */
function bcast(...shapes: (readonly number[])[]): number[] | null {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const s of shapes) {
      const e = s[s.length - n + i] ?? 1;
      if (e === 1) continue;
      if (d !== 1 && d !== e) return null;
      d = e;
    }
    out.push(d);
  }
  return out;
}

/** A valid axis for `rank`, normalised, or null. */
function axisOf(axis: number, rank: number): number | null {
  return Number.isInteger(axis) && axis >= -rank && axis < rank ? (axis + rank) % Math.max(rank, 1) : null;
}

/** Sorted unique valid axes, or null (out of range, non-integer or repeated). */
function axesOf(axis: number | number[] | undefined, rank: number): number[] | null {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = list.map((a) => axisOf(a, rank));
  if (out.some((a) => a === null)) return null;
  const s = (out as number[]).slice().sort((a, b) => a - b);
  return s.some((a, i) => i > 0 && a === s[i - 1]) ? null : s;
}

const dimArb = fc.integer({ min: 0, max: 3 });
const shapeArb = fc.array(dimArb, { maxLength: 3 });
const dtypeArb = fc.constantFrom(...DT);
const seedArb = fc.nat(100);
const tdesc = (shape: fc.Arbitrary<number[]> = shapeArb, dtype: fc.Arbitrary<DType> = dtypeArb) =>
  fc.record({ shape, dtype, seed: seedArb });

/** A shape derived from `s` that often broadcasts with it: axes kept, set to 1, or random; some dropped. */
function relatedShape(s: number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.array(fc.constantFrom('keep', 'keep', 'one', 'rand'), { minLength: s.length, maxLength: s.length }),
      fc.array(dimArb, { minLength: s.length, maxLength: s.length }),
      fc.nat(s.length),
    )
    .map(([how, r, drop]) =>
      s.map((d, i) => (how[i] === 'keep' ? d : how[i] === 'one' ? 1 : r[i]!)).slice(drop),
    );
}

/** Two tensors with related shapes, usually of one dtype. */
const pairArb: fc.Arbitrary<PairSpec> = shapeArb.chain((s) =>
  fc.record({
    a: tdesc(fc.constant(s)),
    bShape: relatedShape(s),
    bSame: fc.oneof(
      { arbitrary: fc.constant(true), weight: 4 },
      { arbitrary: fc.constant(false), weight: 1 },
    ),
    bDtype: dtypeArb,
    seed: seedArb,
    swap: fc.boolean(),
  }),
);

interface PairSpec {
  a: TDesc;
  bShape: number[];
  bSame: boolean;
  bDtype: DType;
  seed: number;
  swap: boolean;
}

function pair(p: PairSpec): [TDesc, TDesc] {
  const b: TDesc = { shape: p.bShape, dtype: p.bSame ? p.a.dtype : p.bDtype, seed: p.seed };
  return p.swap ? [b, p.a] : [p.a, b];
}

const axisArb = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: -4, max: 4 }),
  fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 3 }),
  fc.constant(0.5),
);

/** One fuzz case: how to call the op on built inputs, and what the model expects. */
interface Case {
  inputs: TDesc[];
  call: (xs: Tensor[]) => Tensor;
  expect: (xs: TDesc[]) => Expect;
  /** Values the result must hold (for take: gathered inputs, never NaN). */
  values?: (xs: Tensor[], out: Tensor) => void;
  /** The result holds only copies, sums or products of the finite inputs: no NaN may appear. */
  finite?: boolean;
}

const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;
const COMPARE = ['less', 'lessEqual', 'greater', 'greaterEqual', 'equal', 'notEqual'] as const;
const UNARY = ['neg', 'exp', 'log', 'sin', 'cos', 'tanh', 'sqrt', 'abs', 'sign'] as const;

const cases: Record<string, fc.Arbitrary<Case>> = {
  binary: fc.tuple(fc.constantFrom(...BINARY), pairArb).map(([op, p]) => ({
    inputs: pair(p),
    call: ([a, b]) => g[op](a!, b!),
    expect: ([a, b]) => {
      const shape = bcast(a!.shape, b!.shape);
      const bad =
        a!.dtype !== b!.dtype ||
        a!.dtype === 'bool' ||
        ((op === 'div' || op === 'pow') && !isFloat(a!.dtype)) ||
        shape === null;
      return bad ? 'throw' : { shape: shape!, dtype: a!.dtype };
    },
    finite: op !== 'div' && op !== 'pow',
  })),
  compare: fc.tuple(fc.constantFrom(...COMPARE), pairArb).map(([op, p]) => ({
    inputs: pair(p),
    call: ([a, b]) => g[op](a!, b!),
    expect: ([a, b]) => {
      const shape = bcast(a!.shape, b!.shape);
      return a!.dtype !== b!.dtype || shape === null ? 'throw' : { shape, dtype: 'bool' };
    },
    finite: true,
  })),
  unary: fc.tuple(fc.constantFrom(...UNARY), tdesc()).map(([op, x]) => ({
    inputs: [x],
    call: ([a]) => g[op](a!),
    expect: ([a]) => {
      const floatOnly = op !== 'neg' && op !== 'abs' && op !== 'sign';
      const bad = floatOnly ? !isFloat(a!.dtype) : a!.dtype === 'bool';
      return bad ? 'throw' : { shape: a!.shape, dtype: a!.dtype };
    },
    finite: op !== 'log' && op !== 'sqrt',
  })),
  where: shapeArb.chain((s) =>
    fc
      .record({
        c: tdesc(relatedShape(s), fc.oneof({ arbitrary: fc.constant<DType>('bool'), weight: 4 }, dtypeArb)),
        a: tdesc(fc.constant(s)),
        b: tdesc(relatedShape(s)),
        bSame: fc.boolean(),
      })
      .map(({ c, a, b, bSame }) => ({
        inputs: [c, a, bSame ? { ...b, dtype: a.dtype } : b],
        call: ([c, a, b]) => g.where(c!, a!, b!),
        expect: ([c, a, b]) => {
          const shape = bcast(c!.shape, a!.shape, b!.shape);
          return c!.dtype !== 'bool' || a!.dtype !== b!.dtype || shape === null
            ? 'throw'
            : { shape, dtype: a!.dtype };
        },
        finite: true,
      })),
  ),
  reduce: fc
    .tuple(fc.constantFrom('sum', 'max', 'prod', 'mean', 'min'), tdesc(), axisArb, fc.boolean())
    .map(([op, x, axis, keepDims]) => ({
      inputs: [x],
      call: ([a]) => g[op](a!, axis, keepDims),
      expect: ([a]) => {
        const axes = axesOf(axis, a!.shape.length);
        const bad =
          axes === null ||
          a!.dtype === 'bool' ||
          (op === 'mean' && !isFloat(a!.dtype)) ||
          ((op === 'max' || op === 'min') && axes.some((i) => a!.shape[i] === 0));
        if (bad) return 'throw';
        const shape = keepDims
          ? a!.shape.map((d, i) => (axes.includes(i) ? 1 : d))
          : a!.shape.filter((_, i) => !axes.includes(i));
        return { shape, dtype: a!.dtype };
      },
      finite: op !== 'mean',
    })),
  argmax: fc
    .tuple(fc.constantFrom('argmax', 'argmin'), tdesc(), fc.option(fc.integer({ min: -4, max: 4 })))
    .map(([op, x, axis]) => ({
      inputs: [x],
      call: ([a]) => (axis === null ? g[op](a!) : g[op](a!, axis)),
      expect: ([a]) => {
        const ax = axisOf(axis ?? -1, a!.shape.length);
        if (ax === null || a!.dtype === 'bool' || a!.shape[ax] === 0) return 'throw';
        return { shape: a!.shape.filter((_, i) => i !== ax), dtype: 'int32' };
      },
      finite: true,
    })),
  reshape: fc
    .tuple(tdesc(), fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 4 }))
    .map(([x, shape]) => ({
      inputs: [x],
      call: ([a]) => g.reshape(a!, shape),
      expect: ([a]) => {
        const n = prod(a!.shape);
        if (shape.some((d) => d < -1) || shape.filter((d) => d === -1).length > 1) return 'throw';
        const rest = prod(shape.filter((d) => d !== -1));
        if (shape.includes(-1)) {
          if (rest === 0 || n % rest !== 0) return 'throw';
          return { shape: shape.map((d) => (d === -1 ? n / rest : d)), dtype: a!.dtype };
        }
        return rest === n ? { shape, dtype: a!.dtype } : 'throw';
      },
      finite: true,
    })),
  transpose: fc
    .tuple(tdesc(), fc.option(fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 4 })))
    .map(([x, perm]) => ({
      inputs: [x],
      call: ([a]) => (perm === null ? g.transpose(a!) : g.transpose(a!, perm)),
      expect: ([a]) => {
        const r = a!.shape.length;
        const p = perm ?? a!.shape.map((_, i) => r - 1 - i);
        const ok =
          p.length === r &&
          p
            .slice()
            .sort((u, v) => u - v)
            .every((v, i) => v === i);
        return ok ? { shape: p.map((i) => a!.shape[i]!), dtype: a!.dtype } : 'throw';
      },
      finite: true,
    })),
  expandDims: fc.tuple(tdesc(), fc.integer({ min: -5, max: 5 })).map(([x, axis]) => ({
    inputs: [x],
    call: ([a]) => g.expandDims(a!, axis),
    expect: ([a]) => {
      const ax = axisOf(axis, a!.shape.length + 1);
      if (ax === null) return 'throw';
      const s = a!.shape.slice();
      s.splice(ax, 0, 1);
      return { shape: s, dtype: a!.dtype };
    },
    finite: true,
  })),
  squeeze: fc
    .tuple(
      tdesc(fc.array(fc.constantFrom(0, 1, 1, 2), { maxLength: 3 })),
      fc.oneof(
        fc.constant(undefined),
        fc.integer({ min: -4, max: 4 }),
        fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 2 }),
      ),
    )
    .map(([x, axis]) => ({
      inputs: [x],
      call: ([a]) => g.squeeze(a!, axis),
      expect: ([a]) => {
        const s = a!.shape;
        const axes = axis === undefined ? s.flatMap((d, i) => (d === 1 ? [i] : [])) : axesOf(axis, s.length);
        if (axes === null || axes.some((i) => s[i] !== 1)) return 'throw';
        return { shape: s.filter((_, i) => !axes.includes(i)), dtype: a!.dtype };
      },
      finite: true,
    })),
  broadcastTo: shapeArb.chain((s) =>
    fc
      .tuple(
        tdesc(relatedShape(s)),
        fc.oneof(fc.constant(s), fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 4 })),
      )
      .map(([x, shape]) => ({
        inputs: [x],
        call: ([a]) => g.broadcastTo(a!, shape),
        expect: ([a]) => {
          if (shape.some((d) => d < 0)) return 'throw';
          const b = bcast(a!.shape, shape);
          return b !== null && b.length === shape.length && b.every((d, i) => d === shape[i])
            ? { shape, dtype: a!.dtype }
            : 'throw';
        },
        finite: true,
      })),
  ),
  slice: fc
    .tuple(
      tdesc(),
      fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 4 }),
      fc.option(fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 4 })),
    )
    .map(([x, begin, size]) => ({
      inputs: [x],
      call: ([a]) => (size === null ? g.slice(a!, begin) : g.slice(a!, begin, size)),
      expect: ([a]) => {
        const s = a!.shape;
        if (begin.length > s.length || (size !== null && size.length > s.length)) return 'throw';
        const out: number[] = [];
        for (let i = 0; i < s.length; i++) {
          const b = begin[i] ?? 0;
          const z = size?.[i] ?? -1;
          const n = z === -1 ? s[i]! - b : z;
          if (b < 0 || n < 0 || b + n > s[i]!) return 'throw';
          out.push(n);
        }
        return { shape: out, dtype: a!.dtype };
      },
      finite: true,
    })),
  concat: fc
    .tuple(
      shapeArb,
      fc.array(fc.record({ d: dimArb, bump: fc.nat(8), seed: seedArb, dtype: dtypeArb }), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.integer({ min: -4, max: 4 }),
      fc.boolean(),
    )
    .map(([s, parts, axis, oneDtype]) => {
      // each part: the base shape with its `axis` extent replaced; rarely another axis changed too
      const inputs = parts.map(({ d, bump, seed, dtype }) => {
        const shape = s.slice();
        const ax = axisOf(axis, s.length);
        if (ax !== null) shape[ax] = d;
        if (bump === 0 && shape.length > 0) shape[0] = (shape[0]! + 1) % 4;
        if (bump === 1) shape.push(1);
        return { shape, dtype: oneDtype ? parts[0]!.dtype : dtype, seed };
      });
      return {
        inputs,
        call: (xs: Tensor[]) => g.concat(xs, axis),
        expect: (xs: TDesc[]): Expect => {
          const r = xs[0]!.shape.length;
          const ax = axisOf(axis, r);
          if (ax === null) return 'throw';
          if (xs.length === 1) return { shape: xs[0]!.shape, dtype: xs[0]!.dtype };
          const ok = xs.every(
            (x) =>
              x.dtype === xs[0]!.dtype &&
              x.shape.length === r &&
              x.shape.every((d, i) => i === ax || d === xs[0]!.shape[i]),
          );
          if (!ok) return 'throw';
          const shape = xs[0]!.shape.slice();
          shape[ax] = xs.reduce((acc, x) => acc + x.shape[ax]!, 0);
          return { shape, dtype: xs[0]!.dtype };
        },
        finite: true,
      };
    }),
  stack: fc
    .tuple(
      shapeArb,
      fc.array(fc.record({ other: fc.nat(6), seed: seedArb, dtype: dtypeArb }), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.integer({ min: -5, max: 5 }),
      fc.boolean(),
    )
    .map(([s, parts, axis, oneDtype]) => ({
      inputs: parts.map(({ other, seed, dtype }) => ({
        shape: other === 0 ? [...s, 2] : s,
        dtype: oneDtype ? parts[0]!.dtype : dtype,
        seed,
      })),
      call: (xs: Tensor[]) => g.stack(xs, axis),
      expect: (xs: TDesc[]): Expect => {
        const s0 = xs[0]!.shape;
        const ax = axisOf(axis, s0.length + 1);
        if (ax === null) return 'throw';
        const same = xs.every((x) => x.shape.length === s0.length && x.shape.every((d, i) => d === s0[i]));
        if (!same || xs.some((x) => x.dtype !== xs[0]!.dtype)) return 'throw';
        const shape = s0.slice();
        shape.splice(ax, 0, xs.length);
        return { shape, dtype: xs[0]!.dtype };
      },
      finite: true,
    })),
  pad: fc
    .tuple(
      tdesc(),
      fc.array(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 })), { maxLength: 4 }),
    )
    .map(([x, widths]) => ({
      inputs: [x],
      call: ([a]) => g.pad(a!, widths),
      expect: ([a]) => {
        const s = a!.shape;
        if (widths.length !== s.length || widths.some(([b, e]) => b < 0 || e < 0)) return 'throw';
        return { shape: s.map((d, i) => d + widths[i]![0] + widths[i]![1]), dtype: a!.dtype };
      },
      finite: true,
    })),
  take: fc
    .tuple(
      tdesc(fc.array(dimArb, { maxLength: 3 })),
      fc.integer({ min: -3, max: 3 }),
      fc.array(dimArb, { maxLength: 2 }),
      fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 27 }),
      fc.oneof({ arbitrary: fc.constant<DType>('int32'), weight: 5 }, dtypeArb),
    )
    .map(([x, axis, idxShape, raw, idxDtype]) => {
      const n = prod(idxShape);
      const vals = Array.from({ length: n }, (_, i) => raw[i % Math.max(raw.length, 1)] ?? 0);
      return {
        inputs: [x],
        call: ([a]) => g.take(a!, g.tensor(vals, { dtype: idxDtype, shape: idxShape }), axis),
        expect: ([a]) => {
          const s = a!.shape;
          const ax = axisOf(axis, s.length);
          if (idxDtype !== 'int32' || ax === null || vals.some((v) => v < 0 || v >= s[ax]!)) return 'throw';
          return { shape: [...s.slice(0, ax), ...idxShape, ...s.slice(ax + 1)], dtype: a!.dtype };
        },
        values: ([a], out) => {
          // out[o, j, i] = x[o, idx[j], i], computed with plain loops
          const s = a!.shape;
          const ax = axisOf(axis, s.length)!;
          const xs = a!.dataSync();
          const [outer, len, inner] = [prod(s.slice(0, ax)), s[ax]!, prod(s.slice(ax + 1))];
          const want: number[] = [];
          for (let o = 0; o < outer; o++)
            for (const j of vals) for (let i = 0; i < inner; i++) want.push(xs[(o * len + j) * inner + i]!);
          expect(Array.from(out.dataSync())).toEqual(want);
        },
        finite: true,
      };
    }),
  scatterAdd: fc
    .tuple(
      fc.array(dimArb, { maxLength: 3 }),
      fc.integer({ min: -3, max: 3 }),
      fc.array(dimArb, { maxLength: 2 }),
      fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 12 }),
      fc.oneof({ arbitrary: fc.constant<DType>('int32'), weight: 5 }, dtypeArb),
      dtypeArb,
      fc.nat(4),
      seedArb,
    )
    .map(([shape, axis, idxShape, raw, idxDtype, updDtype, wrong, seed]) => {
      const n = prod(idxShape);
      const vals = Array.from({ length: n }, (_, i) => raw[i % Math.max(raw.length, 1)] ?? 0);
      const ax = axisOf(axis, shape.length);
      let updShape = ax === null ? idxShape : [...shape.slice(0, ax), ...idxShape, ...shape.slice(ax + 1)];
      if (wrong === 0) updShape = [...updShape, 1];
      return {
        inputs: [{ shape: updShape, dtype: updDtype, seed }],
        call: ([u]) => g.scatterAdd(g.tensor(vals, { dtype: idxDtype, shape: idxShape }), u!, shape, axis),
        expect: ([u]): Expect => {
          if (idxDtype !== 'int32' || ax === null || u!.dtype === 'bool') return 'throw';
          const want = [...shape.slice(0, ax), ...idxShape, ...shape.slice(ax + 1)];
          if (want.length !== u!.shape.length || want.some((d, i) => d !== u!.shape[i])) return 'throw';
          if (vals.some((v) => v < 0 || v >= shape[ax]!)) return 'throw';
          return { shape, dtype: u!.dtype };
        },
        finite: true,
      };
    }),
  matmul: fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      fc.nat(5),
      fc.tuple(dtypeArb, fc.boolean(), dtypeArb),
      fc.tuple(seedArb, seedArb),
    )
    .map(([ba, bb, m, k, n, variant, [da, same, db], [sa, sb]]) => {
      // variant: 0 vector @ matrix, 1 matrix @ vector, 2 vector @ vector, 3 inner size off by one, else batched
      const k2 = variant === 3 ? k + 1 : k;
      const a = variant === 0 || variant === 2 ? [k] : [...ba, m, k];
      const b = variant === 1 || variant === 2 ? [k2] : [...bb, k2, n];
      return {
        inputs: [
          { shape: a, dtype: da, seed: sa },
          { shape: b, dtype: same ? da : db, seed: sb },
        ],
        call: ([x, y]) => g.matmul(x!, y!),
        expect: ([x, y]): Expect => {
          const [sa, sb] = [x!.shape, y!.shape];
          if (x!.dtype !== y!.dtype || x!.dtype === 'bool' || sa.length === 0 || sb.length === 0)
            return 'throw';
          const a2 = sa.length === 1 ? [1, sa[0]!] : sa;
          const b2 = sb.length === 1 ? [sb[0]!, 1] : sb;
          if (a2[a2.length - 1] !== b2[b2.length - 2]) return 'throw';
          const batch = bcast(a2.slice(0, -2), b2.slice(0, -2));
          if (batch === null) return 'throw';
          const shape = [...batch];
          if (sa.length > 1) shape.push(a2[a2.length - 2]!);
          if (sb.length > 1) shape.push(b2[b2.length - 1]!);
          return { shape, dtype: x!.dtype };
        },
        finite: true,
      };
    }),
  oneHot: fc
    .tuple(
      tdesc(fc.array(dimArb, { maxLength: 2 }), fc.oneof(fc.constant<DType>('int32'), dtypeArb)),
      fc.integer({ min: -1, max: 4 }),
    )
    .map(([x, depth]) => ({
      inputs: [x],
      call: ([a]) => g.oneHot(a!, depth),
      // labels outside [0, depth) throw, as take's indices do (a zero row would train on nothing)
      expect: ([a]) =>
        a!.dtype !== 'int32' ||
        depth <= 0 ||
        Array.from(build(a!).dataSync()).some((v) => v < 0 || v >= depth)
          ? 'throw'
          : { shape: [...a!.shape, depth], dtype: 'float32' as DType },
      finite: true,
    })),
  cast: fc.tuple(tdesc(), fc.constantFrom<DType | 'float16'>(...DT, 'float16')).map(([x, dtype]) => ({
    inputs: [x],
    call: ([a]) => g.cast(a!, dtype as DType),
    expect: ([a]) => (dtype === 'float16' ? 'throw' : { shape: a!.shape, dtype }),
    finite: true,
  })),
};

/** Runs one case: the model's verdict must hold, errors must be Errors, inputs must survive. */
function runCase(c: Case): void {
  const xs = c.inputs.map(build);
  const before = xs.map((x) => Array.from(x.dataSync()));
  const want = c.expect(c.inputs);
  let out: unknown;
  let err: unknown;
  let threw = false;
  try {
    out = c.call(xs);
  } catch (e) {
    err = e;
    threw = true;
  }
  if (threw) {
    expect(err, 'a throw must be an Error').toBeInstanceOf(Error);
    if (want !== 'throw') {
      throw new Error(
        `expected shape [${want.shape}] ${want.dtype}, but it threw: ${(err as Error).message}`,
      );
    }
    expect((err as Error).message.length).toBeGreaterThan(0);
  } else {
    if (want === 'throw') {
      const got = out instanceof g.Tensor ? `${out.dtype}[${out.shape}]` : String(out);
      throw new Error(`expected a throw, got ${got}`);
    }
    expect(out).toBeInstanceOf(g.Tensor);
    const t = out as Tensor;
    expect(t.shape).toEqual(want.shape);
    expect(t.dtype).toBe(want.dtype);
    const vals = t.dataSync();
    expect(vals.length).toBe(prod(want.shape));
    if (c.finite) expect(Array.from(vals).some(Number.isNaN)).toBe(false);
    c.values?.(xs, t);
  }
  xs.forEach((x, i) => {
    expect(x.isDisposed).toBe(false);
    expect(Array.from(x.dataSync())).toEqual(before[i]);
  });
}

describe('fuzz: results follow the NumPy shape rules, or the call throws an Error', () => {
  for (const [name, arb] of Object.entries(cases)) {
    it(name, () => {
      fc.assert(fc.property(arb, runCase), { numRuns: 150 });
    });
  }

  it('every fuzzed op both succeeds and throws sometimes (the generators reach both sides)', () => {
    for (const [name, arb] of Object.entries(cases)) {
      let ok = 0;
      let bad = 0;
      for (const c of fc.sample(arb, { numRuns: 200, seed: 42 })) {
        if (c.expect(c.inputs) === 'throw') bad++;
        else ok++;
      }
      expect(ok, `${name}: valid cases`).toBeGreaterThan(10);
      expect(bad, `${name}: invalid cases`).toBeGreaterThan(10);
    }
  });
});
