/**
 * Householder QR on the host in float64, for the `orthogonal` initializer. Householder reflections
 * keep `Q^T Q = I` to within a few ulps regardless of the input's conditioning (Gram-Schmidt loses
 * orthogonality in proportion to it).
 */

/**
 * The `Q` (`[m, n]`, orthonormal columns) of the thin QR decomposition of the row-major `[m, n]`
 * matrix `a` (`m >= n`), with each column's sign chosen so that `R`'s diagonal is positive: then
 * `Q` of a standard normal matrix is Haar distributed (Mezzadri, 2007).
 */
export function orthonormal(a: Float64Array, m: number, n: number): Float64Array {
  if (m < n) throw new RangeError(`orthonormal: needs rows >= columns, got [${m},${n}]`);
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const sign = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    // reflect r[j:, j] onto -sign(r_jj) ||r[j:, j]|| e_j (the sign that avoids cancellation)
    const v = new Float64Array(m - j);
    let nrm = 0;
    for (let i = j; i < m; i++) {
      v[i - j] = r[i * n + j]!;
      nrm += v[i - j]! ** 2;
    }
    nrm = Math.sqrt(nrm);
    const alpha = v[0]! >= 0 ? -nrm : nrm;
    sign[j] = alpha < 0 ? -1 : 1; // R_jj = alpha
    v[0] = v[0]! - alpha;
    const vn = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    if (vn > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / vn;
    vs.push(v);
    applyReflection(r, n, j, v, j, n);
  }
  // Q = H_0 ... H_{n-1} I[:, :n], applied right to left
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let j = n - 1; j >= 0; j--) applyReflection(q, n, j, vs[j]!, 0, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) q[i * n + j] = q[i * n + j]! * sign[j]!;
  return q;
}

/** `x[j:, c0:c1] -= 2 v (v^T x[j:, c0:c1])` for the row-major matrix `x` with `n` columns. */
function applyReflection(
  x: Float64Array,
  n: number,
  j: number,
  v: Float64Array,
  c0: number,
  c1: number,
): void {
  for (let c = c0; c < c1; c++) {
    let d = 0;
    for (let i = 0; i < v.length; i++) d += v[i]! * x[(i + j) * n + c]!;
    d *= 2;
    for (let i = 0; i < v.length; i++) x[(i + j) * n + c] = x[(i + j) * n + c]! - d * v[i]!;
  }
}
