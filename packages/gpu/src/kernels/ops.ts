/**
 * The op tables, keyed by core's primitive names (tsc fails when a unary or binary primitive has
 * no row): each elementwise op as a source template over operand variable names (operands are
 * bound to locals first, so a template may repeat them). These strings are pasted into kernel
 * source, which gpu.js compiles to WebAssembly, WGSL, GLSL or JavaScript. Only the ops that accept
 * int32 ever see it, and all of them map integers to integers, so no result needs truncating.
 */
import type { BinaryOp, CompareOp, UnaryOp } from '@gen-ts/core';

/** `op(x)` as source. */
export const UNARY_SRC: Record<UnaryOp, (x: string) => string> = {
  neg: (x) => `-${x}`,
  exp: (x) => `Math.exp(${x})`,
  log: (x) => `Math.log(${x})`,
  sin: (x) => `Math.sin(${x})`,
  cos: (x) => `Math.cos(${x})`,
  // tanh saturates to +-1 in float32 beyond |x| = 9; clamping keeps GPU tanh (often (e^2x-1)/(e^2x+1)) from overflowing to NaN
  tanh: (x) => `Math.tanh(Math.min(Math.max(${x}, -20.0), 20.0))`,
  sqrt: (x) => `Math.sqrt(${x})`,
  abs: (x) => `Math.abs(${x})`,
  sign: (x) => `(${x} > 0.0 ? 1.0 : (${x} < 0.0 ? -1.0 : ${x}))`,
};

/**
 * `a op b` as source. `pow` spells out what WGSL/GLSL `pow` leaves undefined: a negative base with
 * an integer exponent (JavaScript's sign rule) and `0^0 = 1`.
 */
export const BINARY_SRC: Record<BinaryOp, (a: string, b: string) => string> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  pow: (a, b) =>
    `(${b} == 0.0 ? 1.0 : ((${a} < 0.0 && Math.floor(${b}) == ${b}) ? ` +
    `Math.pow(-${a}, ${b}) * (Math.floor(${b} * 0.5) * 2.0 == ${b} ? 1.0 : -1.0) : Math.pow(${a}, ${b})))`,
  maximum: (a, b) => `(${a} >= ${b} ? ${a} : ${b})`,
  minimum: (a, b) => `(${a} <= ${b} ? ${a} : ${b})`,
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
