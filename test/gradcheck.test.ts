/**
 * Gradient checks per primitive (JVP vs central differences, VJP by the inner-product identity,
 * both at order 1 and order 2) in float64 on the cpu backend, over fast-check-generated shapes
 * (broadcasting included) and domain-aware values. The table is typed by `PrimName` and checked
 * against `primitives` at run time, so a new primitive without a case fails. Primitives with no
 * derivative (comparisons, `sign`, `argmax`, casts to integers, `stopGradient`) are checked to
 * give exactly zero. Composed ops (softmax, gelu, norm, ...) get the same checks.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  abs,
  argmax,
  argmin,
  broadcastTo,
  cast,
  concat,
  cos,
  cpu,
  div,
  equal,
  exp,
  gelu,
  grad,
  greater,
  hessian,
  greaterEqual,
  less,
  lessEqual,
  log,
  log1p,
  logSoftmax,
  logsumexp,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  neg,
  norm,
  notEqual,
  pad,
  pow,
  primitives,
  prod,
  relu,
  reshape,
  scatterAdd,
  sigmoid,
  sign,
  sin,
  slice,
  softmax,
  softplus,
  sqrt,
  stopGradient,
  sub,
  sum,
  take,
  tanh,
  tensor,
  transpose,
  useBackend,
  variance,
  where,
  add,
  type PrimName,
  type Tensor,
} from '@gen-ts/core';
// the table dispatch reads (the exported `primitives` is a frozen copy): patched below to show the checks fail
import { rules } from '../packages/core/src/prims/index.js';
import { checkGrads, checkZeroGrads, type TensorFn } from './support/check-grads.js';
import {
  axesArb,
  broadcastShapesArb,
  domainOf,
  indicesArb,
  maskArb,
  nonIdentityPermArb,
  operandShapeArb,
  padWidthsArb,
  reshapeTargetArb,
  sampleArb,
  shapeArb,
  sliceArb,
  toTensor,
  type Domain,
  type Sample,
} from './support/samplers.js';
import {
  convCheckArb,
  reduceWindowCheckArb,
  windowGatherCheckArb,
  windowScatterCheckArb,
  type WindowCheck,
} from './support/window-cases.js';

// the default path: products on the WebAssembly SIMD kernels (asserted at the end: none ran
// anywhere else; a run filtered with -t may have run none)
const backend = cpu({ kernels: 'wasm-simd' });
useBackend(backend);
afterAll(() => {
  const i = backend.info();
  expect(i.kernels).toBe('wasm-simd');
  expect(i.products.js + i.products.threaded).toBe(0);
});

/** Runs per property; raise it (GRADCHECK_RUNS=1000) to hunt rare failures. */
const NUM_RUNS = Number(process.env.GRADCHECK_RUNS ?? 20);

/** One generated check: the function, its arguments, the seed of the random directions. */
interface Problem {
  f: TensorFn;
  args: Tensor[];
  seed: number;
}

/** A property over generated problems: `smooth` gets the order-2 checks, `zero` the exact-zero check. */
interface Case {
  label: string;
  kind: 'smooth' | 'zero';
  arb: fc.Arbitrary<Problem>;
}

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** A problem that prints as `desc` in fast-check's counterexamples. */
function problem(desc: string, f: TensorFn, args: Tensor[], seed: number): Problem {
  return { f, args, seed, [fc.toStringMethod]: () => `${desc} (direction seed ${seed})` } as Problem;
}

const show = (s: Sample) => `[${s.shape.join(',')}] ${JSON.stringify(s.values)}`;

/** An elementwise op of one argument, on any shape. */
function unaryCase(
  label: string,
  op: (x: Tensor) => Tensor,
  domain: Domain,
  kind: Case['kind'] = 'smooth',
): Case {
  const arb = fc
    .tuple(
      shapeArb().chain((s) => sampleArb(s, domain)),
      seedArb,
    )
    .map(([x, seed]) => problem(`${label} x=${show(x)}`, op, [toTensor(x)], seed));
  return { label, kind, arb };
}

/** An op of two arguments with broadcast-compatible shapes. */
function binaryCase(
  label: string,
  op: (a: Tensor, b: Tensor) => Tensor,
  domains: readonly [Domain, Domain],
  kind: Case['kind'] = 'smooth',
): Case {
  const arb = fc
    .tuple(
      broadcastShapesArb(2).chain(({ shapes: [sa, sb] }) =>
        fc.tuple(sampleArb(sa!, domains[0]), sampleArb(sb!, domains[1])),
      ),
      seedArb,
    )
    .map(([[a, b], seed]) =>
      problem(`${label} a=${show(a)} b=${show(b)}`, op, [toTensor(a), toTensor(b)], seed),
    );
  return { label, kind, arb };
}

/**
 * A reduction over a random non-empty set of axes, with or without `keepDims`; `minGroup` bounds
 * the number of elements reduced together from below (a variance of one element is constant).
 */
function reduceCase(
  label: string,
  op: (x: Tensor, axes: number[], keepDims: boolean) => Tensor,
  domain: Domain,
  minGroup = 1,
): Case {
  const arb = fc
    .tuple(
      shapeArb({ minRank: 1 })
        .chain((s) => fc.tuple(fc.constant(s), axesArb(s.length)))
        .filter(([s, axes]) => axes.reduce((n, a) => n * s[a]!, 1) >= minGroup)
        .chain(([s, axes]) => fc.tuple(sampleArb(s, domain), fc.constant(axes), fc.boolean())),
      seedArb,
    )
    .map(([[x, axes, keep], seed]) =>
      problem(
        `${label} axes=[${axes}] keepDims=${keep} x=${show(x)}`,
        (t) => op(t, axes, keep),
        [toTensor(x)],
        seed,
      ),
    );
  return { label, kind: 'smooth', arb };
}

/**
 * An op along one random axis (softmax-like), on rank >= 1, the axis at least `minAxis` long
 * (softmax over one element is the constant 1).
 */
function axisCase(
  label: string,
  op: (x: Tensor, axis: number) => Tensor,
  domain: Domain,
  kind: Case['kind'] = 'smooth',
  minAxis = 1,
): Case {
  const arb = fc
    .tuple(
      shapeArb({ minRank: 1 })
        .chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 })))
        .filter(([s, axis]) => s.at(axis)! >= minAxis)
        .chain(([s, axis]) => fc.tuple(sampleArb(s, domain), fc.constant(axis))),
      seedArb,
    )
    .map(([[x, axis], seed]) =>
      problem(`${label} axis=${axis} x=${show(x)}`, (t) => op(t, axis), [toTensor(x)], seed),
    );
  return { label, kind, arb };
}

const COMPARES = { less, lessEqual, greater, greaterEqual, equal, notEqual } as const;

/** `cond ? a : b` with the three shapes broadcast together. */
const whereCase: Case = {
  label: 'where',
  kind: 'smooth',
  arb: fc
    .tuple(
      broadcastShapesArb(3).chain(({ shapes: [sc, sa, sb] }) =>
        fc.tuple(maskArb(sc!), sampleArb(sa!), sampleArb(sb!)),
      ),
      seedArb,
    )
    .map(([[c, a, b], seed]) =>
      problem(
        `where c=${show(c)} a=${show(a)} b=${show(b)}`,
        (cc, x, y) => where(cc!, x!, y!),
        [toTensor(c, 'bool'), toTensor(a), toTensor(b)],
        seed,
      ),
    ),
};

/** Batched matmul with broadcast batch dims; a quarter of the operands are vectors. */
const matmulCase: Case = {
  label: 'matmul',
  kind: 'smooth',
  arb: fc
    .tuple(
      fc
        .record({
          batch: broadcastShapesArb(2, { maxRank: 2 }),
          m: fc.integer({ min: 1, max: 3 }),
          k: fc.integer({ min: 1, max: 3 }),
          n: fc.integer({ min: 1, max: 3 }),
          va: fc.integer({ min: 0, max: 3 }),
          vb: fc.integer({ min: 0, max: 3 }),
        })
        .chain(({ batch, m, k, n, va, vb }) =>
          fc.tuple(
            sampleArb(va === 0 ? [k] : [...batch.shapes[0]!, m, k]),
            sampleArb(vb === 0 ? [k] : [...batch.shapes[1]!, k, n]),
          ),
        ),
      seedArb,
    )
    .map(([[a, b], seed]) =>
      problem(`matmul a=${show(a)} b=${show(b)}`, matmul, [toTensor(a), toTensor(b)], seed),
    ),
};

const reshapeCase: Case = {
  label: 'reshape',
  kind: 'smooth',
  arb: fc
    .tuple(
      shapeArb().chain((s) => fc.tuple(sampleArb(s), reshapeTargetArb(s))),
      seedArb,
    )
    .map(([[x, to], seed]) =>
      problem(`reshape to [${to}] x=${show(x)}`, (t) => reshape(t, to), [toTensor(x)], seed),
    ),
};

const transposeCase: Case = {
  label: 'transpose',
  kind: 'smooth',
  arb: fc
    .tuple(
      shapeArb({ minRank: 2 }).chain((s) => fc.tuple(sampleArb(s), nonIdentityPermArb(s.length))),
      seedArb,
    )
    .map(([[x, perm], seed]) =>
      problem(`transpose perm=[${perm}] x=${show(x)}`, (t) => transpose(t, perm), [toTensor(x)], seed),
    ),
};

const broadcastToCase: Case = {
  label: 'broadcastTo',
  kind: 'smooth',
  arb: fc
    .tuple(
      shapeArb({ minRank: 1 })
        .chain((out) => fc.tuple(fc.constant(out), operandShapeArb(out)))
        .filter(([out, s]) => s.length !== out.length || s.some((d, i) => d !== out[i]))
        .chain(([out, s]) => fc.tuple(fc.constant(out), sampleArb(s))),
      seedArb,
    )
    .map(([[out, x], seed]) =>
      problem(`broadcastTo [${out}] x=${show(x)}`, (t) => broadcastTo(t, out), [toTensor(x)], seed),
    ),
};

const sliceCase: Case = {
  label: 'slice',
  kind: 'smooth',
  arb: fc
    .tuple(
      shapeArb({ minRank: 1 })
        .filter((s) => s.some((d) => d > 1))
        .chain((s) => fc.tuple(sampleArb(s), sliceArb(s))),
      seedArb,
    )
    .map(([[x, { begin, size }], seed]) =>
      problem(
        `slice begin=[${begin}] size=[${size}] x=${show(x)}`,
        (t) => slice(t, begin, size),
        [toTensor(x)],
        seed,
      ),
    ),
};

const padCase: Case = {
  label: 'pad',
  kind: 'smooth',
  arb: fc
    .tuple(
      shapeArb({ minRank: 1, maxRank: 3 }).chain((s) =>
        fc.tuple(sampleArb(s), padWidthsArb(s.length), fc.double({ min: -2, max: 2, noNaN: true })),
      ),
      seedArb,
    )
    .map(([[x, widths, value], seed]) =>
      problem(
        `pad widths=${JSON.stringify(widths)} value=${value} x=${show(x)}`,
        (t) => pad(t, widths, value),
        [toTensor(x)],
        seed,
      ),
    ),
};

/** Two or three tensors equal off a random axis, of extents 1-3 along it. */
const concatCase: Case = {
  label: 'concat',
  kind: 'smooth',
  arb: fc
    .tuple(
      shapeArb({ minRank: 1, maxRank: 3 })
        .chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.integer({ min: 0, max: s.length - 1 }),
            fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }),
          ),
        )
        .chain(([s, axis, ext]) =>
          fc.tuple(
            fc.constant(axis),
            fc.tuple(...ext.map((e) => sampleArb(s.map((d, i) => (i === axis ? e : d))))),
          ),
        ),
      seedArb,
    )
    .map(([[axis, xs], seed]) =>
      problem(
        `concat axis=${axis} ${xs.map(show).join(' | ')}`,
        (...ts) => concat(ts, axis),
        xs.map((x) => toTensor(x)),
        seed,
      ),
    ),
};

/** `take` along a random axis with int32 indices of rank 0-2, repeats common. */
const takeCase: Case = {
  label: 'take',
  kind: 'smooth',
  arb: fc
    .tuple(
      shapeArb({ minRank: 1, maxRank: 3 })
        .chain((s) =>
          fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }), shapeArb({ maxRank: 2 })),
        )
        .chain(([s, axis, is]) => fc.tuple(sampleArb(s), fc.constant(axis), indicesArb(s[axis]!, is))),
      seedArb,
    )
    .map(([[x, axis, idx], seed]) =>
      problem(
        `take axis=${axis} idx=${show(idx)} x=${show(x)}`,
        (t, i) => take(t, i!, axis),
        [toTensor(x), toTensor(idx, 'int32')],
        seed,
      ),
    ),
};

/** `scatterAdd` of updates into a random shape along a random axis, repeated indices common. */
const scatterAddCase: Case = {
  label: 'scatterAdd',
  kind: 'smooth',
  arb: fc
    .tuple(
      shapeArb({ minRank: 1, maxRank: 3 })
        .chain((s) =>
          fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }), shapeArb({ maxRank: 2 })),
        )
        .chain(([s, axis, is]) =>
          fc.tuple(
            fc.constant(s),
            fc.constant(axis),
            indicesArb(s[axis]!, is),
            sampleArb([...s.slice(0, axis), ...is, ...s.slice(axis + 1)]),
          ),
        ),
      seedArb,
    )
    .map(([[s, axis, idx, upd], seed]) =>
      problem(
        `scatterAdd shape=[${s}] axis=${axis} idx=${show(idx)} upd=${show(upd)}`,
        (i, u) => scatterAdd(i!, u!, s, axis),
        [toTensor(idx, 'int32'), toTensor(upd)],
        seed,
      ),
    ),
};

/** A float cast whose input and output dtypes differ; tolerances follow the float32 side. */
function floatCastCase(from: 'float32' | 'float64', to: 'float32' | 'float64'): Case {
  return {
    label: `cast ${from} -> ${to}`,
    kind: 'smooth',
    arb: fc
      .tuple(
        shapeArb().chain((s) => sampleArb(s)),
        seedArb,
      )
      .map(([x, seed]) =>
        problem(`cast ${from}->${to} x=${show(x)}`, (t) => cast(t, to), [toTensor(x, from)], seed),
      ),
  };
}

/** A case from a windowed-primitive problem (support/window-cases.ts). */
function windowCase(label: string, arb: fc.Arbitrary<WindowCheck>): Case {
  return {
    label,
    kind: 'smooth',
    arb: fc.tuple(arb, seedArb).map(([c, seed]) => problem(c.desc, c.f, c.args, seed)),
  };
}

const sampleOf = (op: string) => shapeArb().chain((s) => sampleArb(s, domainOf(op)));

/** Every primitive, with at least one case. `{ [P in PrimName]: ... }` makes tsc fail on a missing one. */
const PRIM_CASES: { [P in PrimName]: Case[] } = {
  neg: [unaryCase('neg', neg, 'real')],
  exp: [unaryCase('exp', exp, 'real')],
  log: [unaryCase('log', log, domainOf('log'))],
  log1p: [unaryCase('log1p', log1p, domainOf('log1p'))],
  sin: [unaryCase('sin', sin, 'real')],
  cos: [unaryCase('cos', cos, 'real')],
  tanh: [unaryCase('tanh', tanh, 'real')],
  sqrt: [unaryCase('sqrt', sqrt, domainOf('sqrt'))],
  abs: [unaryCase('abs', abs, domainOf('abs'))],
  sign: [unaryCase('sign', sign, domainOf('sign'), 'zero')],
  add: [binaryCase('add', add, ['real', 'real'])],
  sub: [binaryCase('sub', sub, ['real', 'real'])],
  mul: [binaryCase('mul', mul, ['real', 'real'])],
  div: [binaryCase('div', div, [domainOf('div', 0), domainOf('div', 1)])],
  pow: [binaryCase('pow', pow, [domainOf('pow', 0), domainOf('pow', 1)])],
  maximum: [binaryCase('maximum', maximum, [domainOf('maximum', 0), domainOf('maximum', 1)])],
  minimum: [binaryCase('minimum', minimum, [domainOf('minimum', 0), domainOf('minimum', 1)])],
  compare: Object.entries(COMPARES).map(([name, op]) =>
    binaryCase(name, (a, b) => cast(op(a, b), 'float64'), ['real', 'real'], 'zero'),
  ),
  where: [whereCase],
  sum: [reduceCase('sum', (x, axes, keep) => sum(x, axes, keep), 'real')],
  max: [reduceCase('max', (x, axes, keep) => max(x, axes, keep), domainOf('max'))],
  prod: [reduceCase('prod', (x, axes, keep) => prod(x, axes, keep), domainOf('prod'))],
  argmax: [
    axisCase('argmax', (x, axis) => cast(argmax(x, axis), 'float64'), domainOf('argmax'), 'zero'),
    axisCase('argmin', (x, axis) => cast(argmin(x, axis), 'float64'), domainOf('argmax'), 'zero'),
  ],
  matmul: [matmulCase],
  reshape: [reshapeCase],
  transpose: [transposeCase],
  broadcastTo: [broadcastToCase],
  slice: [sliceCase],
  pad: [padCase],
  concat: [concatCase],
  take: [takeCase],
  scatterAdd: [scatterAddCase],
  cast: [
    floatCastCase('float64', 'float32'),
    floatCastCase('float32', 'float64'),
    unaryCase('cast float64 -> int32', (x) => cast(cast(x, 'int32'), 'float64'), 'real', 'zero'),
    unaryCase('cast float64 -> bool', (x) => cast(cast(x, 'bool'), 'float64'), 'real', 'zero'),
  ],
  stopGradient: [unaryCase('stopGradient', stopGradient, 'real', 'zero')],
  conv: [windowCase('conv', convCheckArb)],
  reduceWindow: [
    windowCase('reduceWindow sum', reduceWindowCheckArb('sum')),
    windowCase('reduceWindow max', reduceWindowCheckArb('max')),
  ],
  windowGather: [windowCase('windowGather', windowGatherCheckArb)],
  windowScatter: [windowCase('windowScatter', windowScatterCheckArb)],
};

/** Ops composed from primitives, with no rule of their own. */
const COMPOSED_CASES: Case[] = [
  axisCase('softmax', softmax, 'real', 'smooth', 2),
  axisCase('logSoftmax', logSoftmax, 'real', 'smooth', 2),
  axisCase('logsumexp', (x, axis) => logsumexp(x, axis), 'real'),
  axisCase('logsumexp keepDims', (x, axis) => logsumexp(x, axis, true), 'real'),
  unaryCase('sigmoid', sigmoid, 'real'),
  unaryCase('gelu', gelu, 'real'),
  unaryCase('softplus', softplus, 'real'),
  unaryCase('relu', relu, 'nonzero'),
  reduceCase('variance', (x, axes, keep) => variance(x, axes, keep), 'real', 2),
  reduceCase('mean', (x, axes, keep) => mean(x, axes, keep), 'real'),
  reduceCase('min', (x, axes, keep) => min(x, axes, keep), domainOf('min')),
  reduceCase('norm ord 2', (x, axes, keep) => norm(x, 2, axes, keep), 'nonzero'),
  reduceCase('norm ord 1', (x, axes, keep) => norm(x, 1, axes, keep), 'nonzero'),
  reduceCase('norm ord 3', (x, axes, keep) => norm(x, 3, axes, keep), 'nonzero'),
  reduceCase('norm ord Infinity', (x, axes, keep) => norm(x, Infinity, axes, keep), 'distinctMagnitude'),
];

async function runCase(c: Case): Promise<void> {
  await fc.assert(
    fc.asyncProperty(c.arb, async (p) => {
      if (c.kind === 'zero') await checkZeroGrads(p.f, p.args, { seed: p.seed, label: c.label });
      else await checkGrads(p.f, p.args, { order: 2, seed: p.seed, label: c.label });
    }),
    { numRuns: NUM_RUNS },
  );
}

describe('gradient checks per primitive (float64, cpu)', () => {
  it('has a case for every primitive in the table', () => {
    expect(Object.keys(PRIM_CASES).sort()).toEqual(Object.keys(primitives).sort());
    for (const [name, cases] of Object.entries(PRIM_CASES)) expect(cases.length, name).toBeGreaterThan(0);
  });

  for (const [name, cases] of Object.entries(PRIM_CASES) as [PrimName, Case[]][]) {
    for (const c of cases) {
      const what = c.kind === 'zero' ? 'has exactly zero derivative' : 'JVP and VJP match at orders 1 and 2';
      it(`${name}: ${c.label} ${what}`, () => runCase(c));
    }
  }

  it('stopGradient: grad of sum(x * stopGradient(x)) is x, not 2x', () => {
    fc.assert(
      fc.property(sampleOf('stopGradient'), (s) => {
        const x = toTensor(s);
        const g = grad((t: Tensor) => sum(mul(t, stopGradient(t))))(x) as Tensor;
        const plus0 = (v: number) => v + 0; // turns -0 into 0
        expect(Array.from(g.dataSync(), plus0)).toEqual(s.values.map(plus0));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('take: repeated indices accumulate their cotangents', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    const idx = tensor([2, 0, 2, 2], { dtype: 'int32' });
    const g = grad((t: Tensor) => sum(take(t, idx)))(x) as Tensor;
    expect(Array.from(g.dataSync())).toEqual([1, 0, 3]);
  });
});

describe('gradient checks of composed ops (float64, cpu)', () => {
  for (const c of COMPOSED_CASES) it(`${c.label}: JVP and VJP match at orders 1 and 2`, () => runCase(c));

  it('softplus is exact to order 2 at its branch point 0 and finite far out', async () => {
    await checkGrads(softplus, [tensor([0, 0, 0], { dtype: 'float64' })], {
      order: 2,
      label: 'softplus at 0',
    });
    const h = hessian((x: Tensor) => sum(softplus(x)))(tensor([-1000, 0, 1000], { dtype: 'float64' }));
    expect(h.toArray()).toEqual([
      [0, 0, 0],
      [0, 0.25, 0],
      [0, 0, 0],
    ]);
  });

  it('softmax, logSoftmax and logsumexp are exact to order 2 at ties of the max', async () => {
    const x = tensor(
      [
        [1, 1, 0.5],
        [2, -1, 2],
      ],
      { dtype: 'float64' },
    );
    await checkGrads((t) => softmax(t), [x], { order: 2, label: 'softmax at ties' });
    await checkGrads((t) => logSoftmax(t), [x], { order: 2, label: 'logSoftmax at ties' });
    await checkGrads((t) => logsumexp(t), [x], { order: 2, label: 'logsumexp at ties' });
  });
});

describe('exact cases', () => {
  it('prod: gradients and Hessians at exact zeros (no division)', () => {
    const f = (x: Tensor) => prod(x);
    const one = tensor([0, 3, 2], { dtype: 'float64' });
    const two = tensor([0, 0, 2], { dtype: 'float64' });
    expect((grad(f)(one) as Tensor).toArray()).toEqual([6, 0, 0]);
    expect((grad(f)(two) as Tensor).toArray()).toEqual([0, 0, 0]);
    // d2/dxi dxj prod = product of the others but i and j
    expect(hessian(f)(one).toArray()).toEqual([
      [0, 2, 3],
      [2, 0, 0],
      [3, 0, 0],
    ]);
    expect(hessian(f)(two).toArray()).toEqual([
      [0, 2, 0],
      [2, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('matmul of two vectors is their inner product, with both gradients', () => {
    const a = tensor([1, 2, 3], { dtype: 'float64' });
    const b = tensor([4, 5, 6], { dtype: 'float64' });
    expect(matmul(a, b).itemSync()).toBe(32);
    const [ga, gb] = grad((x: Tensor, y: Tensor) => matmul(x, y), { argnums: [0, 1] })(a, b) as Tensor[];
    expect(ga!.toArray()).toEqual([4, 5, 6]);
    expect(gb!.toArray()).toEqual([1, 2, 3]);
  });
});

/**
 * The checks must be able to fail: patch a rule of the primitive table that dispatch reads
 * (restored afterwards; test files run in separate processes) and expect the matching check to
 * reject it.
 */
describe('the checks catch wrong rules', () => {
  const x = tensor([0.3, -1.2, 0.7], { dtype: 'float64' });
  async function withPatched<P extends 'exp' | 'sin'>(
    name: P,
    patch: Partial<(typeof primitives)[P]>,
    body: () => Promise<void>,
  ) {
    const saved = { ...rules[name] };
    Object.assign(rules[name], patch);
    try {
      await body();
    } finally {
      Object.assign(rules[name], saved);
    }
  }

  it('a JVP rule off by a factor fails the central difference', async () => {
    await withPatched('sin', { jvp: ([t], [a]) => mul(mul(t!, cos(a!)), 1.001) }, async () => {
      await expect(checkGrads(sin, [x], { modes: ['fwd'] })).rejects.toThrow(/JVP vs central difference/);
    });
  });

  it('a VJP rule with the wrong sign fails the inner-product identity', async () => {
    await withPatched('sin', { vjp: (ct, [a]) => [neg(mul(ct, cos(a!)))] }, async () => {
      await expect(checkGrads(sin, [x])).rejects.toThrow(/VJP inner-product identity/);
    });
  });

  it('a rule right at order 1 but not differentiable itself fails only at order 2', async () => {
    // d e^x = e^x dx with e^x held constant: first derivatives right, second derivatives 0
    const frozen = {
      jvp: ([t]: readonly (Tensor | null)[], _p: unknown, y: Tensor) => mul(t!, stopGradient(y)),
    };
    await withPatched('exp', frozen as Partial<(typeof primitives)['exp']>, async () => {
      await checkGrads(exp, [x], { order: 1, modes: ['fwd'] });
      await expect(checkGrads(exp, [x], { order: 2, modes: ['fwd'] })).rejects.toThrow(
        /checkGrads\[jvp\(f\)\]/,
      );
    });
  });

  it('a derivative that should be zero but is not fails checkZeroGrads', async () => {
    await expect(checkZeroGrads(sin, [x])).rejects.toThrow(/JVP is not exactly zero/);
  });
});
