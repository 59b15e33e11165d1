/** Elementwise kernels: any number of operands, each read through broadcast strides. */
import { coalesce, offsetExpr, splitIndex, type StridedRead } from './index-math.js';
import type { KernelSpec } from './spec.js';

/**
 * One output per thread: `out[i] = body(x0[...], x1[...], ...)`, operand `k` read at
 * `base_k + sum(c_d * strides_k[d])` for the coordinates `c` of `i` in `out`.
 */
export function mapSpec(
  out: readonly number[],
  reads: readonly StridedRead[],
  body: (v: string[]) => string,
): KernelSpec {
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
  src += `return ${body(reads.map((_, k) => `v${k}`))};\n}`;
  const size = out.reduce((a, b) => a * b, 1);
  return { source: src, output: [size], size };
}
