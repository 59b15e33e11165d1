/**
 * The op tables, keyed by core's primitive names (tsc fails when a unary or binary primitive has
 * no row): each elementwise op as a source template over operand variable names (operands are
 * bound to locals first, so a template may repeat them). These strings are pasted into kernel
 * source, which gpu.js compiles to WebAssembly, WGSL, GLSL or JavaScript. Only the ops that accept
 * int32 ever see it, and all of them map integers to integers, so no result needs truncating.
 */
import type { BinaryOp, CompareOp, UnaryOp } from '@gen-ts/core';

/**
 * `log(1 + x)` as source: for |x| < 1/4, `2 atanh(u)` with `u = x / (2 + x)` as its odd series to
 * u^11 (|u| < 1/7, so the first term left out is below 1e-11 relative); beyond, `log(1 + x)`, whose
 * rounding of `1 + x` then costs at most 3e-7 relative in float32. No step relies on the rounding
 * of `1 + x` being undone (Kahan's `log(u) * x / (u - 1)`): Dawn on Mesa reassociates float
 * arithmetic, and folded that form back to `log(1 + x)`, which is 0 for tiny x.
 */
function log1pSrc(x: string): string {
  const u = `(${x} / (2.0 + ${x}))`;
  const u2 = `(${u} * ${u})`;
  const series = `2.0 * ${u} * (1.0 + ${u2} * (1.0 / 3.0 + ${u2} * (0.2 + ${u2} * (1.0 / 7.0 + ${u2} * (1.0 / 9.0 + ${u2} / 11.0)))))`;
  return `(Math.abs(${x}) < 0.25 ? ${series} : Math.log(1.0 + ${x}))`;
}

/** `op(x)` as source. */
export const UNARY_SRC: Record<UnaryOp, (x: string) => string> = {
  neg: (x) => `-${x}`,
  exp: (x) => `Math.exp(${x})`,
  log: (x) => `Math.log(${x})`,
  log1p: log1pSrc,
  sin: (x) => `Math.sin(${x})`,
  cos: (x) => `Math.cos(${x})`,
  // tanh saturates to +-1 in float32 beyond |x| = 9; clamping keeps GPU tanh (often (e^2x-1)/(e^2x+1)) from overflowing to NaN
  // (NaN is passed on first: min/max of NaN is unspecified in WGSL and GLSL)
  tanh: (x) => `(${x} != ${x} ? ${x} : Math.tanh(Math.min(Math.max(${x}, -20.0), 20.0)))`,
  sqrt: (x) => `Math.sqrt(${x})`,
  abs: (x) => `Math.abs(${x})`,
  sign: (x) => `(${x} > 0.0 ? 1.0 : (${x} < 0.0 ? -1.0 : ${x}))`,
};

/**
 * JavaScript's `Math.pow(a, b)` as source. WGSL and GLSL define `pow` only for a positive base (as
 * `exp2(b * log2(a))`), so everything else is spelled out: `b == 0` gives 1 (even for NaN), a NaN
 * gives NaN, zero and infinite bases and infinite exponents their limits (`|a| == 1` to an infinite
 * power is NaN), a negative base the sign of an odd integer exponent or NaN for a non-integer one.
 * Infinities and NaN are made at run time (`|b|` when it is infinite, `1 / 0`, `0 / 0`), since
 * kernel source cannot hold them as constants; not as `b - b`, which Dawn on Mesa folds to 0 even
 * for an infinite `b`.
 */
function powSrc(a: string, b: string): string {
  const m = `Math.abs(${a})`;
  const inf = `(1.0 / (${m} - ${m}))`; // m is finite where this is used
  const nan = `((${m} - ${m}) / (${m} - ${m}))`;
  const oddInt = `(Math.floor(${b}) == ${b} && Math.floor(${b} * 0.5) * 2.0 != ${b})`;
  const infB = `(Math.abs(${b}) > 3.4e38)`;
  const mag =
    `(${m} == 0.0 ? (${b} > 0.0 ? 0.0 : ${inf}) : ` +
    `(${m} > 3.4e38 ? (${b} > 0.0 ? ${m} : 0.0) : ` +
    `(${infB} ? (${m} == 1.0 ? ${nan} : (((${m} > 1.0) == (${b} > 0.0)) ? Math.abs(${b}) : 0.0)) : ` +
    `Math.pow(${m}, ${b}))))`;
  // a negative base, -0 included (1 / -0 is -Infinity): NaN for a finite non-integer power of a
  // finite non-zero base, else the magnitude, negated for an odd integer exponent
  const negBase = `((${m} > 0.0 && ${m} <= 3.4e38 && !${infB} && Math.floor(${b}) != ${b}) ? ${nan} : (${oddInt} ? -${mag} : ${mag}))`;
  const negative = `(${a} < 0.0 || 1.0 / ${a} < 0.0)`;
  return `(${b} != ${b} ? ${b} : (${b} == 0.0 ? 1.0 : (${a} != ${a} ? ${a} : (${negative} ? ${negBase} : ${mag}))))`;
}

/** `a op b` as source. */
export const BINARY_SRC: Record<BinaryOp, (a: string, b: string) => string> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  pow: powSrc,
  // NaN propagates, as in Math.max and the cpu backend: a comparison with NaN is false, so a
  // plain `a >= b ? a : b` would return b for a = NaN
  maximum: (a, b) => `(${a} != ${a} ? ${a} : (${a} >= ${b} ? ${a} : ${b}))`,
  minimum: (a, b) => `(${a} != ${a} ? ${a} : (${a} <= ${b} ? ${a} : ${b}))`,
};

/** `a op b ? 1 : 0` as source. */
export const COMPARE_SRC: Record<CompareOp, (a: string, b: string) => string> = {
  lt: (a, b) => `(${a} < ${b} ? 1.0 : 0.0)`,
  le: (a, b) => `(${a} <= ${b} ? 1.0 : 0.0)`,
  gt: (a, b) => `(${a} > ${b} ? 1.0 : 0.0)`,
  ge: (a, b) => `(${a} >= ${b} ? 1.0 : 0.0)`,
  eq: (a, b) => `(${a} == ${b} ? 1.0 : 0.0)`,
  ne: (a, b) => `(${a} != ${b} ? 1.0 : 0.0)`,
};
