/**
 * Elementwise loops for the cpu backend, generated from a table of expressions and compiled once
 * per (op, dtypes, access pattern). Calling a per-element closure from one shared loop costs
 * ~30-70 ns an element (the call site sees every op and cannot inline); a loop compiled for one
 * expression and one array type runs at memory speed. Same idea as gpu.js kernels: source text
 * from an op table.
 */
import type { BinaryOp, CompareOp, UnaryOp } from '../backend.js';
import { DTYPES, type DType, type TypedArray } from '../dtype.js';

/** Expression of `x` per unary op (the rows of the unary primitive table). */
const UNARY: Record<UnaryOp, string> = {
  neg: '-x',
  exp: 'Math.exp(x)',
  log: 'Math.log(x)',
  log1p: 'Math.log1p(x)',
  sin: 'Math.sin(x)',
  cos: 'Math.cos(x)',
  tanh: 'Math.tanh(x)',
  sqrt: 'Math.sqrt(x)',
  abs: 'Math.abs(x)',
  sign: '(x > 0 ? 1 : x < 0 ? -1 : x)', // keeps NaN and signed zero
};

/** Expression of `x`, `y` per binary op (and per comparison, as 0/1). */
const BINARY: Record<BinaryOp | CompareOp, string> = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  pow: 'Math.pow(x, y)',
  maximum: 'Math.max(x, y)', // NaN propagates; branches on the data (floats: wasm/elementwise.ts)
  minimum: 'Math.min(x, y)',
  // `+(x < y)`, not `x < y ? 1 : 0`: V8 turns it into a flag move instead of a branch, which on
  // data with random signs (relu's mask) mispredicts half the time (3.8x slower, BENCHMARKS.md)
  lt: '+(x < y)',
  le: '+(x <= y)',
  gt: '+(x > y)',
  ge: '+(x >= y)',
  eq: '+(x === y)',
  ne: '+(x !== y)',
};

/** `res[i] = f(a[i])` for i < n. */
export type UnaryLoop = (res: TypedArray, a: TypedArray, n: number) => void;
/**
 * `res[i] = f(a[.], b[.])` over n outputs. Patterns: `same` (both full), `scalarA`/`scalarB`
 * (that input has one element), `rowA`/`rowB` (that input repeats every `m` outputs: its shape is
 * a suffix of the output's), `index` (read through the index arrays; null means the identity).
 */
export type BinaryLoop = (
  res: TypedArray,
  a: TypedArray,
  b: TypedArray,
  ia: Int32Array | null,
  ib: Int32Array | null,
  n: number,
  m: number,
) => void;

const PATTERNS = ['same', 'scalarA', 'scalarB', 'rowA', 'rowB', 'index'] as const;
/** How the two inputs of a binary loop are read. */
export type BinaryPattern = (typeof PATTERNS)[number];

// Compiled loops live in flat arrays indexed by small integers: building a string key per call
// cost more than the whole op on a small tensor. Every index ranges over a list (the dtypes, the
// patterns, the table rows), and the list lengths are the strides, so two keys never collide.
const indexOf = (keys: readonly string[]): Record<string, number> =>
  Object.fromEntries(keys.map((k, i) => [k, i]));
const ND = DTYPES.length;
const NP = PATTERNS.length;
const DTYPE_INDEX = indexOf(DTYPES) as Record<DType, number>;
const PATTERN_INDEX = indexOf(PATTERNS) as Record<BinaryPattern, number>;
const UNARY_INDEX = indexOf(Object.keys(UNARY));
const BINARY_INDEX = indexOf(Object.keys(BINARY));
const unaryCache: (UnaryLoop | undefined)[] = [];
const binaryCache: (BinaryLoop | undefined)[] = [];

/**
 * The loop for a unary op on one dtype. Each (op, dtype) gets its own compiled function, so each
 * loop sees one array type and stays monomorphic.
 */
export function unaryLoop(op: UnaryOp, dtype: DType): UnaryLoop {
  const k = UNARY_INDEX[op]! * ND + DTYPE_INDEX[dtype];
  let f = unaryCache[k];
  if (f === undefined) {
    const body = `for (let i = 0; i < n; i++) { const x = a[i]; res[i] = ${UNARY[op]}; }`;
    f = unaryCache[k] = new Function('res', 'a', 'n', body) as UnaryLoop;
  }
  return f;
}

/** The loop for a binary op or comparison on one (input, output) dtype pair and access pattern. */
export function binaryLoop(
  op: BinaryOp | CompareOp,
  dtype: DType,
  outDtype: DType,
  pattern: BinaryPattern,
): BinaryLoop {
  const k =
    ((BINARY_INDEX[op]! * ND + DTYPE_INDEX[dtype]) * ND + DTYPE_INDEX[outDtype]) * NP +
    PATTERN_INDEX[pattern];
  let f = binaryCache[k];
  if (f === undefined) f = binaryCache[k] = compileBinary(op, pattern);
  return f;
}

function compileBinary(op: BinaryOp | CompareOp, pattern: BinaryPattern): BinaryLoop {
  const f = BINARY[op];
  const flat = (x: string, y: string, pre = '') =>
    `${pre} for (let i = 0; i < n; i++) { const x = ${x}; const y = ${y}; res[i] = ${f}; }`;
  const rows = (x: string, y: string) =>
    `for (let i = 0, o = 0; o < n; o += m) for (let j = 0; j < m; j++, i++) { const x = ${x}; const y = ${y}; res[i] = ${f}; }`;
  const body = {
    same: flat('a[i]', 'b[i]'),
    scalarA: flat('x0', 'b[i]', 'const x0 = a[0];'),
    scalarB: flat('a[i]', 'y0', 'const y0 = b[0];'),
    rowA: rows('a[j]', 'b[i]'),
    rowB: rows('a[i]', 'b[j]'),
    index: flat('a[ia === null ? i : ia[i]]', 'b[ib === null ? i : ib[i]]'),
  }[pattern];
  return new Function('res', 'a', 'b', 'ia', 'ib', 'n', 'm', body) as BinaryLoop;
}
