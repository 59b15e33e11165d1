/**
 * The convolution primitive (XLA's `conv_general_dilated`, channels last: `x` `[N, ...S, C]`,
 * kernel `w` `[...K, C/G, O]`, G feature groups). It is bilinear, and both transposes are
 * convolutions of the same family, so derivatives of any order stay convolutions:
 *
 * Along one axis, `y[o] = sum over (i, k) with i*ld + lo = o*s + k*rd of x[i] w[k]` (stride s,
 * input dilation ld, kernel dilation rd, padding lo before). Solving the same index relation for
 * `i` gives the input cotangent: a convolution of `ct` dilated by `s`, with the kernel flipped and
 * its channel axes swapped, stepping by `ld`. Solving it for `k` gives the kernel cotangent: a
 * convolution of `x` (dilated by `ld`) by `ct` (dilated by `s`), stepping by `rd`, with the batch
 * axis as the contracted channel axis. The paddings make the results exactly the operands' shapes.
 * (A geometry is `conv`'s options spelled out, so the rules call the public `conv` with one.)
 */
import { tensor } from '../ops/creation.js';
import { add } from '../ops/elementwise.js';
import { conv } from '../ops/conv.js';
import { convShape } from '../window-options.js';
import { reshape, take, transpose } from '../ops/movement.js';
import type { Tensor } from '../tensor.js';
import { dilatedSize, type ConvGeometry } from '../window.js';
import { needFloat, sameDType } from './algebra.js';
import type { PrimitiveDef } from './types.js';

/** `w` reversed along its first `n` (spatial) axes. */
function flipSpatial(w: Tensor, n: number): Tensor {
  let y = w;
  for (let d = 0; d < n; d++) {
    const k = w.shape[d]!;
    if (k === 1) continue;
    const rev = Int32Array.from({ length: k }, (_, i) => k - 1 - i);
    y = take(y, tensor(rev, { dtype: 'int32', backend: w.backend }), d);
  }
  return y;
}

/** The cotangent of `x` (shape `xs`) for output cotangent `ct`: see the file header. */
function lhsTranspose(ct: Tensor, w: Tensor, xs: readonly number[], g: ConvGeometry): Tensor {
  const n = xs.length - 2;
  const K = w.shape.slice(0, n);
  const [ci, o] = [w.shape[n]!, w.shape[n + 1]!];
  const G = g.featureGroupCount;
  // kernel [K, Cg, G*Og] -> [K, Og, G*Cg]: in and out channels swap within each group
  const swapped = reshape(
    transpose(reshape(w, [...K, ci, G, o / G]), [...K.map((_, d) => d), n + 2, n + 1, n]),
    [...K, o / G, G * ci],
  );
  const padding = K.map((k, d) => {
    const kd = dilatedSize(k, g.rhsDilation[d]!);
    const lo = g.padding[d]![0];
    const span = dilatedSize(xs[d + 1]!, g.lhsDilation[d]!);
    const out = ct.shape[d + 1]!;
    return [kd - 1 - lo, span + lo - (out - 1) * g.strides[d]! - 1] as const;
  });
  return conv(ct, flipSpatial(swapped, n), {
    strides: g.lhsDilation,
    padding,
    lhsDilation: g.strides,
    rhsDilation: g.rhsDilation,
    featureGroupCount: G,
  });
}

/** The cotangent of `w` (shape `ws`) for output cotangent `ct`: see the file header. */
function rhsTranspose(x: Tensor, ct: Tensor, ws: readonly number[], g: ConvGeometry): Tensor {
  const n = ws.length - 2;
  const [N, c] = [x.shape[0]!, x.shape[n + 1]!];
  const S = x.shape.slice(1, n + 1);
  const G = g.featureGroupCount;
  const spatial = S.map((_, d) => d + 1);
  // x [N, S, G*Cg] -> [Cg, S, G*N]: the kernel's in-channels become the batch, the batch the channels
  const xt = reshape(transpose(reshape(x, [N, ...S, G, c / G]), [n + 2, ...spatial, n + 1, 0]), [
    c / G,
    ...S,
    G * N,
  ]);
  // ct [N, O..., Cout] -> [O..., N, Cout]: a kernel with N in-channels per group
  const ctt = transpose(ct, [...spatial, 0, n + 1]);
  const padding = ws.slice(0, n).map((k, d) => {
    const kd = dilatedSize(k, g.rhsDilation[d]!);
    const lo = g.padding[d]![0];
    const span = dilatedSize(S[d]!, g.lhsDilation[d]!);
    const od = dilatedSize(ct.shape[d + 1]!, g.strides[d]!);
    return [lo, kd + od - 1 - span - lo] as const;
  });
  const y = conv(xt, ctt, {
    strides: g.rhsDilation,
    padding,
    lhsDilation: g.lhsDilation,
    rhsDilation: g.strides,
    featureGroupCount: G,
  });
  // [Cg, K..., Cout] -> [K..., Cg, Cout]
  return transpose(y, [...spatial, 0, n + 1]);
}

/** Params of the convolution primitive: its geometry. */
export interface ConvParams {
  conv: ConvGeometry;
}

const convDef: PrimitiveDef<'conv'> = {
  abstract([x, w], g) {
    const dtype = sameDType('conv', [x!, w!]);
    needFloat('conv', x!);
    return { shape: convShape('conv', x!.shape, w!.shape, g), dtype };
  },
  impl: (be, [x, w], g, out) => be.conv(x!, w!, g, out.shape),
  // bilinear: d conv(x, w) = conv(dx, w) + conv(x, dw)
  jvp([tx, tw], [x, w], _o, g) {
    const a = tx ? conv(tx, w!, g) : null;
    const b = tw ? conv(x!, tw, g) : null;
    return a && b ? add(a, b) : (a ?? b);
  },
  vjp: (ct, [x, w], _o, g, needs) => [
    needs[0] ? lhsTranspose(ct, w!, x!.shape, g) : null,
    needs[1] ? rhsTranspose(x!, ct, w!.shape, g) : null,
  ],
};

/** The convolution primitive. */
export const convPrims: { [P in keyof ConvParams]: PrimitiveDef<P> } = { conv: convDef };
