/**
 * The cpu backend's elementwise loops without `new Function`, for pages whose
 * Content-Security-Policy forbids it (no 'unsafe-eval'). The same ops and access patterns as the
 * compiled loops of `kernels.ts`, written as one closure per (op, pattern) over a per-element
 * function, computing the same values bit for bit (a test compares every op, dtype and pattern,
 * NaN and signed zeros included). Each closure calls one function only, so V8 can inline it: on
 * Node 20 they ran at 0.6-1.2x the compiled loops' time (bench/cpu-loops.ts, BENCHMARKS.md).
 */
import type { BinaryOp, CompareOp, UnaryOp } from '../backend.js';
import type { DType } from '../dtype.js';
import type { BinaryLoop, BinaryPattern, UnaryLoop } from './kernels.js';

/** Each unary op as a function (the compiled table's expressions, one for one). */
const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), // keeps NaN and signed zero
};

/** Each binary op and comparison (as 0/1) as a function. */
const BINARY: Record<BinaryOp | CompareOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: Math.pow,
  maximum: Math.max,
  minimum: Math.min,
  lt: (x, y) => (x < y ? 1 : 0),
  le: (x, y) => (x <= y ? 1 : 0),
  gt: (x, y) => (x > y ? 1 : 0),
  ge: (x, y) => (x >= y ? 1 : 0),
  eq: (x, y) => (x === y ? 1 : 0),
  ne: (x, y) => (x !== y ? 1 : 0),
};

const unaryCache = new Map<UnaryOp, UnaryLoop>();
const binaryCache = new Map<string, BinaryLoop>();

/** `unaryLoop` of `kernels.ts` without code generation (the dtype only matters to compiled loops). */
export function unaryClosureLoop(op: UnaryOp, _dtype: DType): UnaryLoop {
  let loop = unaryCache.get(op);
  if (loop === undefined) {
    const f = UNARY[op];
    loop = (res, a, n) => {
      for (let i = 0; i < n; i++) res[i] = f(a[i]!);
    };
    unaryCache.set(op, loop);
  }
  return loop;
}

/** `binaryLoop` of `kernels.ts` without code generation. */
export function binaryClosureLoop(
  op: BinaryOp | CompareOp,
  _dtype: DType,
  _outDtype: DType,
  pattern: BinaryPattern,
): BinaryLoop {
  const key = `${op}:${pattern}`;
  let loop = binaryCache.get(key);
  if (loop === undefined) {
    loop = makeBinary(BINARY[op], pattern);
    binaryCache.set(key, loop);
  }
  return loop;
}

function makeBinary(f: (x: number, y: number) => number, pattern: BinaryPattern): BinaryLoop {
  switch (pattern) {
    case 'same':
      return (res, a, b, _ia, _ib, n) => {
        for (let i = 0; i < n; i++) res[i] = f(a[i]!, b[i]!);
      };
    case 'scalarA':
      return (res, a, b, _ia, _ib, n) => {
        const x = a[0]!;
        for (let i = 0; i < n; i++) res[i] = f(x, b[i]!);
      };
    case 'scalarB':
      return (res, a, b, _ia, _ib, n) => {
        const y = b[0]!;
        for (let i = 0; i < n; i++) res[i] = f(a[i]!, y);
      };
    case 'rowA':
      return (res, a, b, _ia, _ib, n, m) => {
        for (let i = 0, o = 0; o < n; o += m) for (let j = 0; j < m; j++, i++) res[i] = f(a[j]!, b[i]!);
      };
    case 'rowB':
      return (res, a, b, _ia, _ib, n, m) => {
        for (let i = 0, o = 0; o < n; o += m) for (let j = 0; j < m; j++, i++) res[i] = f(a[i]!, b[j]!);
      };
    case 'index':
      return (res, a, b, ia, ib, n) => {
        for (let i = 0; i < n; i++) res[i] = f(a[ia === null ? i : ia[i]!]!, b[ib === null ? i : ib[i]!]!);
      };
  }
}
