/** Elementwise kernels: any number of operands, each read through broadcast strides. */
import { broadcastStrides, sizeOf, type BinaryOp, type CompareOp, type UnaryOp } from '@gen-ts/core';
import { coalesce, offsetExpr, splitIndex, type StridedRead } from './index-math.js';
import { BINARY_SRC, COMPARE_SRC, UNARY_SRC } from './ops.js';
import type { KernelSpec } from './spec.js';

/**
 * What an elementwise kernel computes from its operands' values: a row of one of the op tables,
 * or one of the fixed bodies. Plain data, so the kernel's cache key can be derived from it.
 */
export type MapFn =
  | readonly ['unary', UnaryOp]
  | readonly ['binary', BinaryOp]
  | readonly ['compare', CompareOp]
  | readonly ['where']
  | readonly ['copy']
  | readonly ['toBool']
  | readonly ['toInt'];

/** The body of `fn` over operand variables `v`. */
function body(fn: MapFn, v: readonly string[]): string {
  switch (fn[0]) {
    case 'unary':
      return UNARY_SRC[fn[1]](v[0]!);
    case 'binary':
      return BINARY_SRC[fn[1]](v[0]!, v[1]!);
    case 'compare':
      return COMPARE_SRC[fn[1]](v[0]!, v[1]!);
    case 'where':
      return `(${v[0]} != 0.0 ? ${v[1]} : ${v[2]})`;
    case 'copy':
      return v[0]!;
    case 'toBool':
      return `(${v[0]} != 0.0 ? 1.0 : 0.0)`;
    case 'toInt':
      // as the cpu backend: NaN to 0 (`!(|v| >= 1)` holds for NaN), out of range saturating (the
      // upper end 2^31 - 1 is 2^31 in float32; readback clamps it, see `toDType`); truncation of
      // (-1, 0) gives -0, which is not an int32: map it to +0
      return `(!(Math.abs(${v[0]}) >= 1.0) ? 0.0 : Math.trunc(Math.min(Math.max(${v[0]}, -2147483648.0), 2147483647.0)))`;
  }
}

/**
 * One output per thread: `out[i] = fn(x0[...], x1[...], ...)` with each operand (of the given
 * shape) broadcast to `out`.
 */
export function mapSpec(
  out: readonly number[],
  shapes: readonly (readonly number[])[],
  fn: MapFn,
): KernelSpec {
  return stridedSpec(
    out,
    shapes.map((s) => ({ strides: broadcastStrides(s, out) })),
    fn,
  );
}

/** A contiguous copy, shaped `out`, of an operand read through `strides` from `base` (views). */
export function copySpec(out: readonly number[], strides: readonly number[], base: number): KernelSpec {
  return stridedSpec(out, [{ strides, base }], ['copy']);
}

/**
 * `out[i] = fn(x0[...], x1[...], ...)`, operand `k` read at `base_k + sum(c_d * strides_k[d])` for
 * the coordinates `c` of `i` in `out`.
 */
function stridedSpec(out: readonly number[], reads: readonly StridedRead[], fn: MapFn): KernelSpec {
  const co = coalesce(
    out,
    reads.map((r) => r.strides),
  );
  const args = reads.map((_, k) => `x${k}`);
  let src = `function (${args.join(', ')}) {\nconst i = this.thread.x;\n`;
  src += splitIndex(co.shape, 'i');
  reads.forEach((r, k) => {
    src += `const v${k} = x${k}[${offsetExpr(co.strides[k]!, r.base ?? 0)}];\n`;
  });
  src += `return ${body(
    fn,
    reads.map((_, k) => `v${k}`),
  )};\n}`;
  const size = sizeOf(out);
  return { source: src, output: [size], size };
}
