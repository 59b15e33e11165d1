/**
 * General transposes on the cpu backend. Axes are coalesced first (size-1 axes dropped, input
 * axes that stay neighbours in the output merged), so a convolution's kernel gradient, which moves
 * the batch axis of `[N, H, W, C]` to the end, is a 3-d `[N, HW, C] -> [C, HW, N]`. Then either
 * the innermost axis stays innermost and whole contiguous runs are copied, or the input's and the
 * output's innermost axes are walked in square tiles: every read of a tile is contiguous in the
 * input and every write contiguous in the output within a few cache lines, instead of one of the
 * two striding through the whole array (an index array per element, as before, cost 9 ns an
 * element on the CNN's transposes).
 */
import type { TypedArray } from '../dtype.js';
import { stridesOf, type Shape } from '../shape.js';

const TILE = 16;

/** `shape` and `perm` without size-1 axes and with input axes that stay adjacent merged. */
export function coalesce(shape: Shape, perm: readonly number[]): { shape: number[]; perm: number[] } {
  // input axes of size > 1, renumbered 0.. in input order (a size-1 axis never separates two others)
  const kept = shape.map((_, a) => a).filter((a) => shape[a] !== 1);
  const rank = new Map(kept.map((a, i) => [a, i]));
  const out = perm.filter((a) => shape[a] !== 1).map((a) => rank.get(a)!);
  // runs of consecutive input axes in output order become one axis
  const runs: number[][] = [];
  for (const a of out) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] === a - 1) last.push(a);
    else runs.push([a]);
  }
  const byInput = [...runs].sort((x, y) => x[0]! - y[0]!);
  return {
    shape: byInput.map((run) => run.reduce((n, a) => n * shape[kept[a]!]!, 1)),
    perm: runs.map((run) => byInput.indexOf(run)),
  };
}

/** `res[...] = x` transposed by `perm` (output axis `d` is input axis `perm[d]`). */
export function transposeInto(res: TypedArray, xs: TypedArray, shape: Shape, perm: readonly number[]): void {
  const c = coalesce(shape, perm);
  const r = c.shape.length;
  if (r <= 1) {
    res.set(xs);
    return;
  }
  const inStride = stridesOf(c.shape);
  const outStrides = stridesOf(c.perm.map((a) => c.shape[a]!));
  const outStride = new Array<number>(r);
  c.perm.forEach((a, d) => (outStride[a] = outStrides[d]!));
  const last = r - 1; // the input's innermost axis
  const inner = c.perm[r - 1]!; // the input axis that is innermost in the output
  // the other axes, walked by an odometer that keeps both offsets
  const rest = c.shape.map((_, a) => a).filter((a) => a !== last && a !== inner);
  const count = rest.map((a) => c.shape[a]!);
  const idx = new Array<number>(rest.length).fill(0);
  let [src, dst] = [0, 0];
  const total = rest.reduce((n, a) => n * c.shape[a]!, 1);
  const nl = c.shape[last]!;
  for (let t = 0; t < total; t++) {
    if (inner === last) {
      for (let l = 0; l < nl; l++) res[dst + l] = xs[src + l]!;
    } else {
      const [na, sa, so] = [c.shape[inner]!, inStride[inner]!, outStride[last]!];
      for (let a0 = 0; a0 < na; a0 += TILE) {
        const a1 = Math.min(na, a0 + TILE);
        for (let l0 = 0; l0 < nl; l0 += TILE) {
          const l1 = Math.min(nl, l0 + TILE);
          for (let a = a0; a < a1; a++) {
            const s = src + a * sa;
            const o = dst + a;
            for (let l = l0; l < l1; l++) res[o + l * so] = xs[s + l]!;
          }
        }
      }
    }
    for (let j = rest.length - 1; j >= 0; j--) {
      const a = rest[j]!;
      src += inStride[a]!;
      dst += outStride[a]!;
      if (++idx[j]! < count[j]!) break;
      src -= inStride[a]! * count[j]!;
      dst -= outStride[a]! * count[j]!;
      idx[j] = 0;
    }
  }
}
