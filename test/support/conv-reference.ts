/**
 * Direct-loop references for the windowed primitives, written from the definitions and sharing no
 * code with the library: the padded, dilated input is materialised explicitly (holes as `null`)
 * and every output sums or maximises over its window taps. Plain arrays, float64.
 */
import type { ConvGeometry, WindowGeometry } from '@gen-ts/core';

/** A dense n-d array: shape and row-major values. */
export interface Nd {
  shape: number[];
  data: number[];
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Row-major coordinates of flat index `i` in `shape`. */
function coords(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return c;
}

function flat(c: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d]! + c[d]!;
  return i;
}

/**
 * The input dilated by `dil` and padded by `pad` along the given axes (others kept): each
 * position holds the input's flat index, or null for a hole.
 */
function padDilate(
  shape: readonly number[],
  dil: readonly number[],
  pad: readonly (readonly [number, number])[],
): { shape: number[]; src: (number | null)[] } {
  const ext = shape.map((s, d) => (s - 1) * dil[d]! + 1 + pad[d]![0] + pad[d]![1]);
  const src = new Array<number | null>(Math.max(0, size(ext))).fill(null);
  for (let i = 0; i < src.length; i++) {
    const c = coords(i, ext);
    const at: number[] = [];
    let hole = false;
    c.forEach((p, d) => {
      const q = p - pad[d]![0]; // position in the dilated, unpadded input
      if (q < 0 || q % dil[d]! !== 0 || q / dil[d]! >= shape[d]!) hole = true;
      at.push(q / dil[d]!);
    });
    src[i] = hole ? null : flat(at, shape);
  }
  return { shape: ext, src };
}

/** `conv` by the definition: x `[N, ...S, C]`, w `[...K, C/G, O]`. */
export function convLoop(x: Nd, w: Nd, g: ConvGeometry): Nd {
  const n = x.shape.length - 2;
  const S = x.shape.slice(1, n + 1);
  const K = w.shape.slice(0, n);
  const [C, ci, O] = [x.shape[n + 1]!, w.shape[n]!, w.shape[n + 1]!];
  const G = g.featureGroupCount;
  const og = O / G;
  const padded = padDilate(S, g.lhsDilation, g.padding);
  const outS = padded.shape.map(
    (e, d) => Math.floor((e - ((K[d]! - 1) * g.rhsDilation[d]! + 1)) / g.strides[d]!) + 1,
  );
  const out = [x.shape[0]!, ...outS, O];
  const data = new Array<number>(size(out)).fill(0);
  for (let j = 0; j < data.length; j++) {
    const c = coords(j, out);
    const [b, co] = [c[0]!, c[n + 1]!];
    const grp = Math.floor(co / og);
    let acc = 0;
    for (let t = 0; t < size(K); t++) {
      const k = coords(t, K);
      const p = k.map((kd, d) => c[d + 1]! * g.strides[d]! + kd * g.rhsDilation[d]!);
      const s = padded.src[flat(p, padded.shape)];
      if (s === null || s === undefined) continue;
      for (let q = 0; q < ci; q++) {
        const xv = x.data[(b * size(S) + s) * C + grp * ci + q]!;
        acc += xv * w.data[(t * ci + q) * O + co]!;
      }
    }
    data[j] = acc;
  }
  return { shape: out, data };
}

/** `reduceWindow` by the definition: sum (holes add 0), max (holes skipped) or argmax (first max's tap). */
export function reduceWindowLoop(x: Nd, op: 'sum' | 'max' | 'argmax', g: WindowGeometry): Nd {
  const padded = padDilate(x.shape, g.baseDilation, g.padding);
  const out = padded.shape.map(
    (e, d) => Math.floor((e - ((g.window[d]! - 1) * g.windowDilation[d]! + 1)) / g.strides[d]!) + 1,
  );
  const data = new Array<number>(size(out)).fill(0);
  for (let j = 0; j < data.length; j++) {
    const c = coords(j, out);
    let sum = 0;
    let best = -Infinity;
    let bi = 0;
    let found = false;
    for (let t = 0; t < size(g.window); t++) {
      const k = coords(t, g.window);
      const p = k.map((kd, d) => c[d]! * g.strides[d]! + kd * g.windowDilation[d]!);
      const s = padded.src[flat(p, padded.shape)];
      if (s === null || s === undefined) continue;
      const v = x.data[s]!;
      sum += v;
      if (!found || v > best || (Number.isNaN(v) && !Number.isNaN(best))) [best, bi, found] = [v, t, true];
    }
    data[j] = op === 'sum' ? sum : op === 'max' ? best : bi;
  }
  return { shape: out, data };
}
