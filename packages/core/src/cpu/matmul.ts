/**
 * The batched matrix product's geometry, and its plain-JavaScript kernel: the reference that the
 * WebAssembly kernels are checked against, and the fallback where they cannot run. Both read
 * operands through `MatrixOperand`, so a transposed operand is never copied into a transposed
 * buffer first.
 */
import type { TypedArray } from '../dtype.js';
import { sizeOf, type Shape } from '../shape.js';
import { broadcastIndex } from './index-math.js';
import type { MatrixOperand } from './views.js';

/** `[nb x m x k] @ [nb x k x n]`: sizes, and which stored matrix of A and B each output batch reads. */
export interface Product {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Output matrices (the broadcast batch). */
  readonly nb: number;
  /** Matrix of A (of B) for output matrix t: `ia[t]`, or t itself when null. */
  readonly ia: Int32Array | null;
  readonly ib: Int32Array | null;
}

/** The geometry of `a @ b` with result shape `out` (already validated by the primitive). */
export function productOf(a: Shape, b: Shape, out: Shape): Product {
  const r = out.length;
  const batch = out.slice(0, r - 2);
  return {
    m: out[r - 2]!,
    n: out[r - 1]!,
    k: a[a.length - 1]!,
    nb: sizeOf(batch),
    ia: broadcastIndex(a.slice(0, -2), batch),
    ib: broadcastIndex(b.slice(0, -2), batch),
  };
}

/** Element strides `[row, column]` of one `rows x cols` matrix of `x`. */
export function matrixStrides(x: MatrixOperand, rows: number, cols: number): [number, number] {
  return x.swapped ? [1, rows] : [cols, 1];
}

/**
 * `res = a @ b` in plain loops: float64 copies of each A matrix and of each B matrix transposed,
 * so every dot product reads two contiguous rows of one array type and sums in double precision
 * (float32 results round once, on store).
 */
export function matmulJs(a: MatrixOperand, b: MatrixOperand, g: Product, res: TypedArray): void {
  const { m, n, k } = g;
  const [rsa, csa] = matrixStrides(a, m, k);
  const [rsb, csb] = matrixStrides(b, k, n);
  const at = new Float64Array(m * k);
  const bt = new Float64Array(k * n);
  const c = new Float64Array(m * n);
  for (let t = 0; t < g.nb; t++) {
    const oa = (g.ia ? g.ia[t]! : t) * m * k;
    const ob = (g.ib ? g.ib[t]! : t) * k * n;
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) at[i * k + p] = a.data[oa + i * rsa + p * csa]!;
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) bt[j * k + p] = b.data[ob + p * rsb + j * csb]!;
    matmulRows(at, bt, c, m, k, n);
    res.set(c, t * m * n);
  }
}

/**
 * `c = a @ bt^T` for row-major `a` [m, k] and `bt` [n, k]: blocks of 2 rows x 4 columns keep eight
 * accumulators in registers, so each loaded element is used 4 or 2 times.
 */
function matmulRows(
  a: Float64Array,
  bt: Float64Array,
  c: Float64Array,
  m: number,
  k: number,
  n: number,
): void {
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    for (let j = 0; j + 3 < n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p]!;
        const x1 = a[a1 + p]!;
        const y0 = bt[b0 + p]!;
        const y1 = bt[b1 + p]!;
        const y2 = bt[b2 + p]!;
        const y3 = bt[b3 + p]!;
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
      }
      const o0 = i * n + j;
      const o1 = o0 + n;
      c[o0] = c00;
      c[o0 + 1] = c01;
      c[o0 + 2] = c02;
      c[o0 + 3] = c03;
      c[o1] = c10;
      c[o1 + 1] = c11;
      c[o1 + 2] = c12;
      c[o1 + 3] = c13;
    }
    for (let j = n - (n % 4); j < n; j++) {
      c[i * n + j] = dotRows(a, a0, bt, j * k, k);
      c[(i + 1) * n + j] = dotRows(a, a1, bt, j * k, k);
    }
  }
  for (; i < m; i++) for (let j = 0; j < n; j++) c[i * n + j] = dotRows(a, i * k, bt, j * k, k);
}

function dotRows(a: Float64Array, ao: number, b: Float64Array, bo: number, k: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += a[ao + p]! * b[bo + p]!;
  return s;
}
