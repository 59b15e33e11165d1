/**
 * Reductions. The input (contiguous) is seen as alternating runs of kept and reduced axes, with
 * neighbours of the same kind merged; each output position loops over the reduced runs with
 * loops bounded by literal constants (gpu.js caps loops bounded by arguments at
 * `loopMaxIterations`). A long single reduced run with few outputs is split in two passes, so it
 * runs in parallel and sums in blocks (better float32 rounding than one long serial sum).
 */
import { sizeOf, stridesOf, type ReduceOp } from '@gen-ts/core';
import { offsetExpr, splitIndex } from './index-math.js';
import { int, type KernelSpec } from './spec.js';

/** Source of `acc = acc op v` (max propagates NaN like `Math.max`). */
function update(op: ReduceOp, v: string): string {
  if (op === 'sum') return `acc += ${v};`;
  if (op === 'prod') return `acc *= ${v};`;
  return `acc = (${v} > acc || ${v} != ${v}) ? ${v} : acc;`;
}

/** The value a reduction over nothing gives. */
export function reduceIdentity(op: ReduceOp): number {
  return op === 'sum' ? 0 : op === 'prod' ? 1 : -Infinity;
}

/** Runs of axes: sizes and whether each run is reduced (size-1 axes dropped, neighbours merged). */
export function reduceRuns(
  shape: readonly number[],
  axes: readonly number[],
): { size: number; red: boolean }[] {
  const runs: { size: number; red: boolean }[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const red = axes.includes(i);
    const last = runs[runs.length - 1];
    if (last && last.red === red) last.size *= d;
    else runs.push({ size: d, red });
  });
  return runs;
}

/** One pass: every output loops over all reduced runs. */
export function reduceSpec(op: ReduceOp, runs: readonly { size: number; red: boolean }[]): KernelSpec {
  const strides = stridesOf(runs.map((r) => r.size));
  const kept = runs.map((r, i) => ({ ...r, stride: strides[i]! })).filter((r) => !r.red);
  const red = runs.map((r, i) => ({ ...r, stride: strides[i]! })).filter((r) => r.red);
  const outSize = sizeOf(kept.map((r) => r.size));
  let src =
    'function (x0) {\nconst i = this.thread.x;\n' +
    splitIndex(
      kept.map((r) => r.size),
      'i',
    );
  src += `const base = ${offsetExpr(kept.map((r) => r.stride))};\n`;
  src += `let acc = ${op === 'max' ? 'x0[base]' : op === 'sum' ? '0.0' : '1.0'};\n`;
  let open = '';
  let close = '';
  red.forEach((r, k) => {
    open += `for (let r${k} = 0; r${k} < ${int(r.size)}; r${k}++) {\n`;
    close += '}\n';
  });
  src +=
    open +
    `const v = x0[base + ${offsetExpr(
      red.map((r) => r.stride),
      0,
      'r',
    )}];\n${update(op, 'v')}\n` +
    close;
  src += 'return acc;\n}';
  return { source: src, output: [outSize], size: outSize };
}

/**
 * First of two passes over `[outer, n]` (reducing the last axis): `chunks` partial results per
 * row, each over `len` consecutive elements (every chunk non-empty).
 */
export function reducePartialSpec(
  op: ReduceOp,
  outer: number,
  n: number,
  len: number,
  chunks: number,
): KernelSpec {
  let src = 'function (x0) {\nconst i = this.thread.x;\n' + splitIndex([outer, chunks], 'i');
  src += `const start = c1 * ${int(len)};\nconst base = c0 * ${int(n)} + start;\n`;
  src += `let acc = ${op === 'max' ? 'x0[base]' : op === 'sum' ? '0.0' : '1.0'};\n`;
  src += `for (let q = 0; q < ${int(len)}; q++) {\nif (start + q < ${int(n)}) {\nconst v = x0[base + q];\n${update(op, 'v')}\n}\n}\n`;
  src += 'return acc;\n}';
  return { source: src, output: [outer * chunks], size: outer * chunks };
}

/** Index of the first maximum along the middle axis of `[outer, n, inner]`, as a float. */
export function argmaxSpec(outer: number, n: number, inner: number): KernelSpec {
  let src = 'function (x0) {\nconst i = this.thread.x;\n' + splitIndex([outer, inner], 'i');
  src += `const base = c0 * ${int(n * inner)} + c1;\nlet best = x0[base];\nlet bi = 0.0;\n`;
  src += `for (let j = 0; j < ${int(n)}; j++) {\nconst v = x0[base + j * ${int(inner)}];\n`;
  src += `if (v > best || (v != v && best == best)) {\nbest = v;\nbi = j * 1.0;\n}\n}\nreturn bi;\n}`;
  return { source: src, output: [outer * inner], size: outer * inner };
}
