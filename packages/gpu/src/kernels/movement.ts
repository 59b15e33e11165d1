/** Data movement that is not a strided copy: pad, concat, take and scatter-add. */
import { sizeOf, stridesOf } from '@gen-ts/core';
import { offsetExpr, splitIndex } from './index-math.js';
import { flt, int, type KernelSpec } from './spec.js';

/**
 * `out = pad(x, widths, value)`. Positions outside the copied block get `value`, or with `value`
 * null the one element of a second input: NaN and the infinities cannot be written into kernel
 * source as constants.
 */
export function padSpec(
  shape: readonly number[],
  widths: readonly (readonly [number, number])[],
  value: number | null,
): KernelSpec {
  const out = shape.map((d, i) => d + widths[i]![0] + widths[i]![1]);
  let src =
    `function (${value === null ? 'x0, x1' : 'x0'}) {\nconst i = this.thread.x;\n` + splitIndex(out, 'i');
  const conds: string[] = [];
  shape.forEach((d, k) => {
    src += `const j${k} = c${k} - ${int(widths[k]![0])};\n`;
    if (widths[k]![0] > 0) conds.push(`j${k} >= 0`);
    if (widths[k]![1] > 0) conds.push(`j${k} < ${int(d)}`);
  });
  const read = `x0[${offsetExpr(stridesOf(shape), 0, 'j')}]`;
  src +=
    conds.length === 0
      ? `return ${read};\n}`
      : `if (${conds.join(' && ')}) {\nreturn ${read};\n}\nreturn ${value === null ? 'x1[0]' : flt(value)};\n}`;
  return { source: src, output: [sizeOf(out)], size: sizeOf(out) };
}

/**
 * Concatenation of up to a few operands along an axis, each viewed as `[outer, width_k]`
 * (webgpu binds at most 8 storage buffers, so the backend concatenates in groups).
 */
export function concatSpec(outer: number, widths: readonly number[]): KernelSpec {
  const row = widths.reduce((a, b) => a + b, 0);
  let src = `function (${widths.map((_, k) => `x${k}`).join(', ')}) {\nconst i = this.thread.x;\n`;
  src += `const o = Math.floor(i / ${int(row)});\nconst c = i - o * ${int(row)};\n`;
  let at = 0;
  widths.forEach((w, k) => {
    const read = `x${k}[o * ${int(w)} + c - ${int(at)}]`;
    at += w;
    src += k === widths.length - 1 ? `return ${read};\n}` : `if (c < ${int(at)}) {\nreturn ${read};\n}\n`;
  });
  return { source: src, output: [outer * row], size: outer * row };
}

/** `out[a, j, t] = x[a, idx[j], t]` with `x` viewed as `[outer, n, inner]` (indices clamped). */
export function takeSpec(outer: number, n: number, inner: number, count: number): KernelSpec {
  const out = [outer, count, inner];
  let src = 'function (x0, x1) {\nconst i = this.thread.x;\n' + splitIndex(out, 'i');
  src += `const k = Math.min(Math.max(x1[c1], 0.0), ${flt(n - 1)});\n`;
  src += `return x0[(c0 * ${int(n)} + k) * ${int(inner)} + c2];\n}`;
  return { source: src, output: [sizeOf(out)], size: sizeOf(out) };
}

/**
 * `out[a, r, t] = sum over j with idx[j] == r of upd[a, j, t]`: each thread gathers its own sum
 * (a loop over the `count` indices), so no two threads write one place.
 */
export function scatterAddSpec(outer: number, n: number, inner: number, count: number): KernelSpec {
  const out = [outer, n, inner];
  let src = 'function (x0, x1) {\nconst i = this.thread.x;\n' + splitIndex(out, 'i');
  src += `const r = c1 * 1.0;\nlet acc = 0.0;\n`;
  src += `for (let j = 0; j < ${int(count)}; j++) {\nif (x0[j] == r) {\nacc += x1[(c0 * ${int(count)} + j) * ${int(inner)} + c2];\n}\n}\nreturn acc;\n}`;
  return { source: src, output: [sizeOf(out)], size: sizeOf(out) };
}
