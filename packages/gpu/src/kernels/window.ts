/**
 * Windowed kernels: the im2col patch matrix that convolutions feed to the matrix product, windowed
 * sum/max/argmax, and the window gather/scatter pair. The geometry (see core's `window.ts`) is
 * written into the source as literals: output `o` at tap `k` of an axis reads padded position
 * `o * stride + k * windowDilation`, input element `(p - lo) / baseDilation` when that is an
 * integer in range. Tap loops are bounded by literal window extents (gpu.js caps loops bounded by
 * arguments), and a read happens only inside the branch that proved it in range.
 */
import {
  convAxes,
  stridesOf,
  windowAxes,
  windowOutSize,
  type ConvGeometry,
  type WindowAxis,
  type WindowGeometry,
  type WindowOp,
} from '@gen-ts/core';
import { splitIndex } from './index-math.js';
import { int, type KernelSpec } from './spec.js';

const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/**
 * Source declaring `${v}` (the input index along axis `d` read by output coordinate `o` at tap
 * `k`, both source expressions) and the conditions for it to be an element, not a hole.
 */
function source(a: WindowAxis, o: string, k: string, v: string): { src: string; conds: string[] } {
  const p = `${o} * ${int(a.stride)} + ${k} * ${int(a.windowDilation)} - ${int(a.lo)}`;
  const conds: string[] = [];
  let src = `const ${v}p = ${p};\n`;
  if (a.baseDilation === 1) src += `const ${v} = ${v}p;\n`;
  else {
    src += `const ${v} = Math.floor(${v}p / ${int(a.baseDilation)});\n`;
    conds.push(`${v} * ${int(a.baseDilation)} == ${v}p`);
  }
  // only the bounds that some output and tap can break: p >= -lo always, and p is at most last
  if (a.lo > 0) conds.push(`${v}p >= 0`);
  const last = (windowOutSize(a) - 1) * a.stride + (a.window - 1) * a.windowDilation - a.lo;
  if (Math.floor(last / a.baseDilation) >= a.size) conds.push(`${v} < ${int(a.size)}`);
  return { src, conds };
}

/** `if (conds) { return read; } return 0.0;`, or just the read when nothing can be a hole. */
function guarded(conds: readonly string[], read: string): string {
  return conds.length === 0
    ? `return ${read};\n}`
    : `if (${conds.join(' && ')}) {\nreturn ${read};\n}\nreturn 0.0;\n}`;
}

/**
 * Source declaring `j{d}`, the input index along every axis `d` of `axes` read at output
 * coordinate `o(d)` and tap `k(d)` (source expressions), with the conditions for all of them to be
 * elements.
 */
function sources(
  axes: readonly WindowAxis[],
  o: (d: number) => string,
  k: (d: number) => string,
): { src: string; conds: string[]; vars: string[] } {
  let src = '';
  const conds: string[] = [];
  const vars: string[] = [];
  axes.forEach((a, d) => {
    const s = source(a, o(d), k(d), `j${d}`);
    src += s.src;
    conds.push(...s.conds);
    vars.push(`j${d}`);
  });
  return { src, conds, vars };
}

/** The reads of an operand of `shape` at output coordinates `c{d}` and window taps `k{d}`: source, conditions and offset. */
function windowReads(
  shape: readonly number[],
  g: WindowGeometry,
): { src: string; conds: string[]; at: string } {
  const r = sources(
    windowAxes(shape, g),
    (d) => `c${d}`,
    (d) => `k${d}`,
  );
  return { src: r.src, conds: r.conds, at: offset(r.vars, stridesOf(shape)) };
}

/** `base + sum(v_d * stride_d)` over the axes. */
function offset(vars: readonly string[], strides: readonly number[], base = ''): string {
  const terms = vars.map((v, d) => (strides[d] === 1 ? v : `${v} * ${int(strides[d]!)}`));
  return [...(base ? [base] : []), ...terms].join(' + ') || '0';
}

/**
 * The patch matrix of a convolution, `[G, N, ...outSpatial, ...kernel, C/G]` row-major (that is
 * `[G, N * positions, taps * C/G]`): one element per thread, 0 at holes.
 */
export function im2colSpec(
  x: readonly number[],
  kernel: readonly number[],
  g: ConvGeometry,
  out: readonly number[],
): KernelSpec {
  const n = kernel.length;
  const G = g.featureGroupCount;
  const cg = x[n + 1]! / G;
  const outS = out.slice(1, n + 1);
  const shape = [G, x[0]!, ...outS, ...kernel, cg];
  let src = 'function (x0) {\nconst i = this.thread.x;\n' + splitIndex(shape, 'i');
  // c0 = group, c1 = batch, c2.. = output position, then taps, then the channel within the group
  const xs = stridesOf(x);
  const {
    src: reads,
    conds,
    vars,
  } = sources(
    convAxes(x, kernel, g),
    (d) => `c${d + 2}`,
    (d) => `c${d + 2 + n}`,
  );
  src += reads;
  const off = offset([...vars, 'c0', `c${2 * n + 2}`], [...xs.slice(1, n + 1), cg, 1], `c1 * ${int(xs[0]!)}`);
  src += guarded(conds, `x0[${off}]`);
  const size = sizeOf(shape);
  return { source: src, output: [size], size };
}

/** Opens one literal-bounded loop per axis with a window wider than 1 (`k{d}`; 0 elsewhere). */
function tapLoops(window: readonly number[]): { open: string; close: string; tap: string } {
  let open = '';
  let close = '';
  const ws = stridesOf(window);
  const terms: string[] = [];
  window.forEach((w, d) => {
    if (w === 1) {
      open += `const k${d} = 0;\n`;
      return;
    }
    open += `for (let k${d} = 0; k${d} < ${int(w)}; k${d}++) {\n`;
    close += '}\n';
    terms.push(ws[d] === 1 ? `k${d}` : `k${d} * ${int(ws[d]!)}`);
  });
  return { open, close, tap: terms.length ? terms.join(' + ') : '0' };
}

/**
 * `op` over every window (one output per thread). With `holes`, some window has no element: max
 * then returns `x1[0]` (an uploaded -Infinity, which no kernel literal can spell) for such windows.
 */
export function reduceWindowSpec(
  op: WindowOp,
  shape: readonly number[],
  g: WindowGeometry,
  out: readonly number[],
  holes: boolean,
): KernelSpec {
  const fallback = op === 'max' && holes;
  let src = `function (${fallback ? 'x0, x1' : 'x0'}) {\nconst i = this.thread.x;\n` + splitIndex(out, 'i');
  src += op === 'sum' ? 'let acc = 0.0;\n' : 'let best = 0.0;\nlet bi = 0.0;\nlet found = 0.0;\n';
  const loops = tapLoops(g.window);
  src += loops.open;
  const r = windowReads(shape, g);
  src += r.src;
  src += r.conds.length ? `if (${r.conds.join(' && ')}) {\n` : '{\n';
  src += `const v = x0[${r.at}];\n`;
  if (op === 'sum') src += 'acc += v;\n';
  else {
    // the first maximum wins; a NaN beats everything and then stays
    src += `if (found == 0.0 || v > best || (v != v && best == best)) {\nbest = v;\nbi = (${loops.tap}) * 1.0;\nfound = 1.0;\n}\n`;
  }
  src += '}\n' + loops.close;
  if (op === 'sum') src += 'return acc;\n}';
  else if (op === 'argmax') src += 'return bi;\n}';
  else src += fallback ? 'if (found == 0.0) {\nreturn x1[0];\n}\nreturn best;\n}' : 'return best;\n}';
  const size = sizeOf(out);
  return { source: src, output: [size], size, work: sizeOf(g.window) };
}

/** `out[o] = x0` at window `o`'s tap `x1[o]` (0 at holes): one output per thread. */
export function windowGatherSpec(
  shape: readonly number[],
  g: WindowGeometry,
  out: readonly number[],
): KernelSpec {
  let src = 'function (x0, x1) {\nconst i = this.thread.x;\n' + splitIndex(out, 'i');
  // the tap's digits, row-major over the window; the tap clamped, so one out of range (reported
  // by the backend's check) reads nothing outside x0
  const last = g.window.reduce((a, b) => a * b, 1) - 1;
  src += `const t = Math.min(Math.max(x1[i], 0.0), ${last}.0);\n` + splitIndex(g.window, 't', 'k');
  const r = windowReads(shape, g);
  src += r.src;
  src += guarded(r.conds, `x0[${r.at}]`);
  const size = sizeOf(out);
  return { source: src, output: [size], size };
}

/**
 * The transpose of {@link windowGatherSpec}: one operand element per thread, summing `x1[o]` over
 * the windows `o` that cover it at their chosen tap `x0[o]`. Solving `i * baseDilation + lo =
 * o * stride + k * windowDilation` for `o` at each literal tap `k` finds those windows, so the work
 * per element is the window size, not the number of windows.
 */
export function windowScatterSpec(
  shape: readonly number[],
  g: WindowGeometry,
  out: readonly number[],
): KernelSpec {
  let src = 'function (x0, x1) {\nconst i = this.thread.x;\n' + splitIndex(shape, 'i');
  src += 'let acc = 0.0;\n';
  const loops = tapLoops(g.window);
  src += loops.open;
  const conds: string[] = [];
  const vars: string[] = [];
  windowAxes(shape, g).forEach((a, d) => {
    const num = `c${d} * ${int(a.baseDilation)} + ${int(a.lo)} - k${d} * ${int(a.windowDilation)}`;
    src += `const n${d} = ${num};\n`;
    if (a.stride === 1) src += `const o${d} = n${d};\n`;
    else {
      src += `const o${d} = Math.floor(n${d} / ${int(a.stride)});\n`;
      conds.push(`o${d} * ${int(a.stride)} == n${d}`);
    }
    conds.push(`o${d} >= 0`, `o${d} < ${int(out[d]!)}`);
    vars.push(`o${d}`);
  });
  const at = offset(vars, stridesOf(out));
  src += conds.length ? `if (${conds.join(' && ')}) {\n` : '{\n';
  src += `const w = ${at};\nif (x0[w] == (${loops.tap}) * 1.0) {\nacc += x1[w];\n}\n}\n`;
  src += loops.close + 'return acc;\n}';
  const size = sizeOf(shape);
  return { source: src, output: [size], size, work: sizeOf(g.window) };
}
