/**
 * Index arithmetic as kernel source. Every kernel computes one flat output position `i` per thread
 * and reads its inputs through strides: broadcasting is stride 0, transposes and slices are
 * permuted or offset strides. Dims are coalesced first (two axes that every operand walks
 * contiguously become one), so a typical kernel splits `i` with one division or none.
 */
import { int } from './spec.js';

/** An operand read through `strides` (one per output axis) from `base`. */
export interface StridedRead {
  readonly strides: readonly number[];
  readonly base?: number;
}

/** Drops size-1 axes and merges neighbours that every operand walks contiguously. */
export function coalesce(
  shape: readonly number[],
  reads: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const keep = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  let dims = keep.map((i) => shape[i]!);
  let strides = reads.map((s) => keep.map((i) => s[i]!));
  for (let d = dims.length - 2; d >= 0; d--) {
    if (strides.every((s) => s[d] === s[d + 1]! * dims[d + 1]!)) {
      dims = [...dims.slice(0, d), dims[d]! * dims[d + 1]!, ...dims.slice(d + 2)];
      strides = strides.map((s) => [...s.slice(0, d), s[d + 1]!, ...s.slice(d + 2)]);
    }
  }
  return { shape: dims, strides };
}

/**
 * Source lines declaring `c0..c{r-1}`, the coordinates of flat index `idx` in `shape`
 * (`Math.floor` on exact float/int values: indices stay below 2^24).
 */
export function splitIndex(shape: readonly number[], idx: string, prefix = 'c'): string {
  const r = shape.length;
  if (r === 0) return '';
  if (r === 1) return `const ${prefix}0 = ${idx};\n`;
  let src = '';
  let rest = idx;
  for (let d = r - 1; d >= 1; d--) {
    const q = `${prefix}q${d}`;
    src += `const ${q} = Math.floor(${rest} / ${int(shape[d]!)});\n`;
    src += `const ${prefix}${d} = ${rest} - ${q} * ${int(shape[d]!)};\n`;
    rest = q;
  }
  return src + `const ${prefix}0 = ${rest};\n`;
}

/** The offset expression `base + sum(c_d * stride_d)`. */
export function offsetExpr(strides: readonly number[], base = 0, prefix = 'c'): string {
  const terms: string[] = [];
  if (base !== 0) terms.push(int(base));
  strides.forEach((s, d) => {
    if (s === 1) terms.push(`${prefix}${d}`);
    else if (s !== 0) terms.push(`${prefix}${d} * ${int(s)}`);
  });
  return terms.length === 0 ? '0' : terms.join(' + ');
}
