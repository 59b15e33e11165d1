/**
 * Batched matrix products `[..., m, k] @ [..., k, n]`, either operand possibly a swapped-axes view
 * (so the backward pass's `ct @ B^T` and `A^T @ ct` read their operands in place, with no transpose
 * copy). Two shapes of kernel:
 *
 * - scalar (cpu, webgpu, headlessgl): one output per thread, a dot product of length k.
 * - blocked (webasm): four rows per thread (`Array(4)`), the k loop unrolled by eight (on the
 *   MLP's 128x784x256 products 5-7% faster than by four, by sixteen no faster). gpu.js's
 *   webasm backend runs four neighbouring threads (x = column) as SIMD lanes; the row block
 *   (thread.y) and batch (thread.z) are the same in all four lanes, so the four A reads are single
 *   loads and only the B read is a 4-lane gather: 8 loads per 16 multiply-adds instead of 2 per 1.
 *   The result comes back blocked and `post` puts it in row-major order.
 */
import { broadcastStrides, sizeOf } from '@gen-ts/core';
import { coalesce, offsetExpr, splitIndex } from './index-math.js';
import { int, type KernelSpec } from './spec.js';

/** The geometry of one product. */
export interface MatmulGeometry {
  /** Broadcast batch dims of the result. */
  readonly batch: readonly number[];
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** Batch dims of each operand (before broadcasting). */
  readonly aBatch: readonly number[];
  readonly bBatch: readonly number[];
  /** Whether each operand is stored with its last two axes swapped. */
  readonly aSwapped: boolean;
  readonly bSwapped: boolean;
}

/** Element strides of A's (row, p) and B's (p, col), from the storage order. */
function strides(g: MatmulGeometry): { ar: number; ap: number; bp: number; bc: number } {
  return {
    ar: g.aSwapped ? 1 : g.k,
    ap: g.aSwapped ? g.m : 1,
    bp: g.bSwapped ? 1 : g.n,
    bc: g.bSwapped ? g.k : 1,
  };
}

/** Source declaring `ao` and `bo`, the batch offsets of A and B for batch index `idx`. */
function batchOffsets(g: MatmulGeometry, idx: string): string {
  if (g.batch.length === 0) return 'const ao = 0;\nconst bo = 0;\n';
  // element strides of each operand's batch axes broadcast to the product's (0 where broadcast)
  const bs = (own: readonly number[], mat: number): number[] =>
    broadcastStrides(own, g.batch).map((s) => s * mat);
  const co = coalesce(g.batch, [bs(g.aBatch, g.m * g.k), bs(g.bBatch, g.k * g.n)]);
  return (
    splitIndex(co.shape, idx, 'b') +
    `const ao = ${offsetExpr(co.strides[0]!, 0, 'b')};\nconst bo = ${offsetExpr(co.strides[1]!, 0, 'b')};\n`
  );
}

/** One output per thread. */
export function matmulScalarSpec(g: MatmulGeometry): KernelSpec {
  const { ar, ap, bp, bc } = strides(g);
  const nb = sizeOf(g.batch);
  let src = 'function (x0, x1) {\nconst i = this.thread.x;\n' + splitIndex([nb, g.m, g.n], 'i', 'o');
  src += batchOffsets(g, 'o0');
  src += `const ra = ao + o1 * ${int(ar)};\nconst cb = bo + o2 * ${int(bc)};\nlet acc = 0.0;\n`;
  src += `for (let p = 0; p < ${int(g.k)}; p++) {\nacc += x0[ra + p * ${int(ap)}] * x1[cb + p * ${int(bp)}];\n}\nreturn acc;\n}`;
  const size = nb * g.m * g.n;
  return { source: src, output: [size], size, work: g.k };
}

/** Four rows per thread, k unrolled by `unroll` (see the file header). */
export function matmulBlockedSpec(g: MatmulGeometry, unroll = 8): KernelSpec {
  const { ar, ap, bp, bc } = strides(g);
  const nb = sizeOf(g.batch);
  const mb = Math.ceil(g.m / 4);
  const R = [0, 1, 2, 3];
  // gpu.js runs its SIMD kernel only when the x extent is a multiple of 4 (four lanes never span
  // two rows), else the scalar one: a narrow output (n = 10) pads its columns to n4, and the
  // padding columns re-read column n-1; post drops them
  const n4 = Math.ceil(g.n / 4) * 4;
  let src = 'function (x0, x1) {\nconst col = this.thread.x;\nconst r0 = this.thread.y * 4;\n';
  src += batchOffsets(g, 'this.thread.z');
  // rows past m (when m is not a multiple of 4) re-read row m-1; post drops them
  for (const r of R) src += `const ra${r} = ao + Math.min(r0 + ${r}, ${int(g.m - 1)}) * ${int(ar)};\n`;
  const c = n4 === g.n ? 'col' : `Math.min(col, ${int(g.n - 1)})`;
  src += `const cb = bo + ${c} * ${int(bc)};\n`;
  for (const r of R) src += `let s${r} = 0.0;\n`;
  const step = (p: string): string => {
    let t = '';
    for (let u = 0; u < unroll; u++) t += `const b${u} = x1[cb + (${p} + ${u}) * ${int(bp)}];\n`;
    for (const r of R) {
      const terms = Array.from(
        { length: unroll },
        (_, u) => `x0[ra${r} + (${p} + ${u}) * ${int(ap)}] * b${u}`,
      );
      t += `s${r} += ${terms.join(' + ')};\n`;
    }
    return t;
  };
  const main = Math.floor(g.k / unroll);
  if (main > 0)
    src += `for (let q = 0; q < ${int(main)}; q++) {\nconst p = q * ${int(unroll)};\n${step('p')}}\n`;
  for (let p = main * unroll; p < g.k; p++) {
    src += `const t${p} = x1[cb + ${int(p * bp)}];\n`;
    for (const r of R) src += `s${r} += x0[ra${r} + ${int(p * ap)}] * t${p};\n`;
  }
  src += 'return [s0, s1, s2, s3];\n}';
  const { m, n } = g;
  const size = nb * m * n;
  const post = (flat: Float32Array): Float32Array => unblock(flat, nb, mb, m, n, n4);
  return { source: src, output: [n4, mb, nb], returnType: 'Array(4)', size, post, work: 4 * g.k };
}

/**
 * The blocked result in row-major order: cell `((batch * mb + rowBlock) * n4 + col) * 4 + r` goes to
 * `batch * m * n + (4 * rowBlock + r) * n + col`. Full row blocks write their four rows in one pass
 * over the block (each group of four values is read once, in order); rows past `m` and padding
 * columns past `n` are dropped. One module-level function, so the engine optimises a single copy
 * of the loop for every product.
 */
function unblock(flat: Float32Array, nb: number, mb: number, m: number, n: number, n4: number): Float32Array {
  const out = new Float32Array(nb * m * n);
  for (let t = 0; t < nb; t++) {
    for (let y = 0; y < mb; y++) {
      const rows = Math.min(4, m - 4 * y);
      const src = (t * mb + y) * n4 * 4;
      const d0 = t * m * n + 4 * y * n;
      if (rows === 4) {
        const [d1, d2, d3] = [d0 + n, d0 + 2 * n, d0 + 3 * n];
        for (let c = 0, s = src; c < n; c++, s += 4) {
          out[d0 + c] = flat[s]!;
          out[d1 + c] = flat[s + 1]!;
          out[d2 + c] = flat[s + 2]!;
          out[d3 + c] = flat[s + 3]!;
        }
      } else {
        for (let r = 0; r < rows; r++) {
          const d = d0 + r * n;
          for (let c = 0; c < n; c++) out[d + c] = flat[src + c * 4 + r]!;
        }
      }
    }
  }
  return out;
}
