/**
 * A plain-JavaScript float64 oracle for the conformance suite: each primitive written again as
 * the simplest loop over row-major arrays, independent of every backend (the cpu backend
 * included), so the reference backend is checked against something other than itself.
 */

/** An n-d array: shape plus row-major float64 values. */
export interface Nd {
  shape: number[];
  data: number[];
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function strides(s: readonly number[]): number[] {
  const r = new Array<number>(s.length).fill(1);
  for (let i = s.length - 2; i >= 0; i--) r[i] = r[i + 1]! * s[i + 1]!;
  return r;
}

/** Coordinates of flat index `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return c;
}

function at(x: Nd, coords: readonly number[]): number {
  // right-aligned broadcast read
  const off = coords.length - x.shape.length;
  const s = strides(x.shape);
  let k = 0;
  for (let d = 0; d < x.shape.length; d++) k += (x.shape[d] === 1 ? 0 : coords[d + off]!) * s[d]!;
  return x.data[k]!;
}

/** NumPy broadcast of shapes. */
export function bshape(...shapes: (readonly number[])[]): number[] {
  const n = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: n }, (_, i) =>
    Math.max(...shapes.map((s) => (i < n - s.length ? 1 : s[i - (n - s.length)]!))),
  );
}

/** `f` elementwise over broadcast operands. */
export function map(f: (...v: number[]) => number, ...xs: Nd[]): Nd {
  const shape = bshape(...xs.map((x) => x.shape));
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const c = unravel(i, shape);
    return f(...xs.map((x) => at(x, c)));
  });
  return { shape, data };
}

/** Reduction over `axes` (removed). */
export function reduce(op: 'sum' | 'max' | 'prod', x: Nd, axes: number[]): Nd {
  const shape = x.shape.filter((_, i) => !axes.includes(i));
  const init = op === 'sum' ? 0 : op === 'prod' ? 1 : -Infinity;
  const data = new Array<number>(size(shape)).fill(init);
  x.data.forEach((v, i) => {
    const c = unravel(i, x.shape).filter((_, d) => !axes.includes(d));
    let k = 0;
    c.forEach((cd, d) => (k = k * shape[d]! + cd));
    data[k] = op === 'sum' ? data[k]! + v : op === 'prod' ? data[k]! * v : Math.max(data[k]!, v);
  });
  return { shape, data };
}

/** First index of the maximum along `axis`. */
export function argmax(x: Nd, axis: number): Nd {
  const shape = x.shape.filter((_, i) => i !== axis);
  const best = new Array<number>(size(shape)).fill(-Infinity);
  const data = new Array<number>(size(shape)).fill(0);
  x.data.forEach((v, i) => {
    const full = unravel(i, x.shape);
    let k = 0;
    full.forEach((cd, d) => {
      if (d !== axis) k = k * x.shape[d]! + cd;
    });
    if (v > best[k]!) {
      best[k] = v;
      data[k] = full[axis]!;
    }
  });
  return { shape, data };
}

/** Batched matrix product with broadcast batch dims. */
export function matmul(a: Nd, b: Nd): Nd {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1]!;
  const batch = bshape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, m, n];
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const c = unravel(i, shape);
    const bc = c.slice(0, -2);
    const [r, col] = c.slice(-2) as [number, number];
    let s = 0;
    for (let p = 0; p < k; p++) s += at(a, [...bc, r, p]) * at(b, [...bc, p, col]);
    return s;
  });
  return { shape, data };
}

/** Axes permuted. */
export function transpose(x: Nd, perm: number[]): Nd {
  const shape = perm.map((p) => x.shape[p]!);
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const c = unravel(i, shape);
    const src = new Array<number>(perm.length);
    perm.forEach((p, d) => (src[p] = c[d]!));
    return at(x, src);
  });
  return { shape, data };
}

/** The block at `begin` of extent `sz`. */
export function slice(x: Nd, begin: number[], sz: number[]): Nd {
  const data = Array.from({ length: size(sz) }, (_, i) =>
    at(
      x,
      unravel(i, sz).map((c, d) => c + begin[d]!),
    ),
  );
  return { shape: sz.slice(), data };
}

/** Padding with `value`. */
export function pad(x: Nd, widths: [number, number][], value: number): Nd {
  const shape = x.shape.map((d, i) => d + widths[i]![0] + widths[i]![1]);
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const c = unravel(i, shape).map((cd, d) => cd - widths[d]![0]);
    return c.every((cd, d) => cd >= 0 && cd < x.shape[d]!) ? at(x, c) : value;
  });
  return { shape, data };
}

/** Concatenation along `axis`. */
export function concat(xs: Nd[], axis: number): Nd {
  const shape = xs[0]!.shape.slice();
  shape[axis] = xs.reduce((a, x) => a + x.shape[axis]!, 0);
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const c = unravel(i, shape);
    let j = c[axis]!;
    for (const x of xs) {
      if (j < x.shape[axis]!)
        return at(
          x,
          c.map((cd, d) => (d === axis ? j : cd)),
        );
      j -= x.shape[axis]!;
    }
    throw new Error('unreachable');
  });
  return { shape, data };
}

/** `take(x, idx, axis)`. */
export function take(x: Nd, idx: Nd, axis: number): Nd {
  const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  const r = idx.shape.length;
  const data = Array.from({ length: size(shape) }, (_, i) => {
    const c = unravel(i, shape);
    const j = c.slice(axis, axis + r).reduce((acc, cd, d) => acc * idx.shape[d]! + cd, 0);
    return at(x, [...c.slice(0, axis), idx.data[j]!, ...c.slice(axis + r)]);
  });
  return { shape, data };
}

/** Zeros of `shape` plus `upd` scattered at `idx` along `axis` (duplicates add). */
export function scatterAdd(idx: Nd, upd: Nd, shape: number[], axis: number): Nd {
  const data = new Array<number>(size(shape)).fill(0);
  const r = idx.shape.length;
  const st = strides(shape);
  upd.data.forEach((v, i) => {
    const c = unravel(i, upd.shape);
    const j = c.slice(axis, axis + r).reduce((acc, cd, d) => acc * idx.shape[d]! + cd, 0);
    const dst = [...c.slice(0, axis), idx.data[j]!, ...c.slice(axis + r)];
    data[dst.reduce((acc, cd, d) => acc + cd * st[d]!, 0)] += v;
  });
  return { shape, data };
}
