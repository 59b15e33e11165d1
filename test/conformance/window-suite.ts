/**
 * The conformance cases of the windowed primitives (conv, reduceWindow, windowGather,
 * windowScatter), registered by `suite.ts` for every backend. Forward values are compared with the
 * direct-loop references of test/support/conv-reference.ts; an error is measured against the sum of
 * the magnitudes of the terms a result is made of (a convolution that cancels to 1e-3 carries the
 * rounding of its terms, not of its result). Gradients and HVPs of a small CNN are compared with
 * central differences on the reference and with the cpu float64 results elsewhere.
 */
import {
  avgPool,
  conv,
  cpu,
  grad,
  hvp,
  maxPool,
  mean,
  reduceWindow,
  square,
  tanh,
  tensor,
  windowGather,
  windowScatter,
  withBackend,
  type Backend,
  type ConvGeometry,
  type PrimName,
  type Tensor,
  type WindowGeometry,
} from '@gen-ts/core';
import { describe, expect } from 'vitest';
import { convLoop, reduceWindowLoop } from '../support/conv-reference.js';
import type { Nd } from './oracle.js';

/** What the windowed cases need from the suite. */
export interface WindowSuiteContext {
  readonly dtype: 'float32' | 'float64';
  readonly rtol: number;
  readonly atol: number;
  backend(): Backend;
  put(x: Nd): Tensor;
  putInt(x: Nd): Tensor;
  nd(shape: number[], seed: number, lo?: number, hi?: number): Nd;
  close(t: Tensor, ref: Nd, scale?: number): Promise<void>;
  test(name: string, covers: readonly PrimName[], fn: () => Promise<void>): void;
}

const abs = (x: Nd): Nd => ({ shape: x.shape, data: x.data.map(Math.abs) });
const geometry = (n: number, g: Partial<ConvGeometry>): ConvGeometry => ({
  strides: new Array<number>(n).fill(1),
  padding: new Array<[number, number]>(n).fill([0, 0]),
  lhsDilation: new Array<number>(n).fill(1),
  rhsDilation: new Array<number>(n).fill(1),
  featureGroupCount: 1,
  ...g,
});
const windows = (r: number, g: Partial<WindowGeometry>): WindowGeometry => ({
  window: new Array<number>(r).fill(1),
  strides: new Array<number>(r).fill(1),
  padding: new Array<[number, number]>(r).fill([0, 0]),
  baseDilation: new Array<number>(r).fill(1),
  windowDilation: new Array<number>(r).fill(1),
  ...g,
});

/** Registers the windowed cases. */
export function windowConformance(s: WindowSuiteContext): void {
  /** `t` within rtol of the terms' magnitudes `mag` (plus atol) of `ref`. */
  async function closeTo(t: Tensor, ref: Nd, mag: Nd): Promise<void> {
    expect(t.shape).toEqual(ref.shape);
    const got = await t.data();
    for (let i = 0; i < got.length; i++) {
      const tol = s.atol + s.rtol * mag.data[i]!;
      if (!(Math.abs(got[i]! - ref.data[i]!) <= tol))
        expect.fail(
          `element ${i} of ${JSON.stringify(ref.shape)}: got ${got[i]}, want ${ref.data[i]} (tolerance ${tol})`,
        );
    }
  }

  describe('windowed ops', () => {
    const convs: [string, number[], number[], ConvGeometry][] = [
      ['valid 3x3', [2, 6, 5, 3], [3, 3, 3, 4], geometry(2, {})],
      [
        "stride 2, 'same'-like padding with an even kernel",
        [2, 7, 6, 2],
        [4, 2, 2, 3],
        geometry(2, {
          strides: [2, 2],
          padding: [
            [1, 2],
            [0, 1],
          ],
        }),
      ],
      [
        'kernel dilation and negative padding',
        [1, 8, 7, 2],
        [2, 3, 2, 2],
        geometry(2, {
          rhsDilation: [3, 2],
          padding: [
            [-1, 0],
            [2, -1],
          ],
        }),
      ],
      [
        'input dilation (a transposed convolution)',
        [2, 4, 3, 3],
        [3, 2, 3, 2],
        geometry(2, {
          lhsDilation: [2, 3],
          padding: [
            [2, 2],
            [1, 1],
          ],
        }),
      ],
      [
        '3 feature groups',
        [2, 5, 5, 6],
        [3, 3, 2, 9],
        geometry(2, {
          featureGroupCount: 3,
          padding: [
            [1, 1],
            [1, 1],
          ],
        }),
      ],
      [
        'depthwise, strided',
        [1, 6, 6, 4],
        [3, 3, 1, 4],
        geometry(2, { featureGroupCount: 4, strides: [2, 1] }),
      ],
      ['1-d', [3, 9, 2], [3, 2, 5], geometry(1, { strides: [2], padding: [[1, 0]] })],
    ];
    for (const [name, xs, ws, g] of convs) {
      s.test(`conv: ${name}`, ['conv'], async () => {
        const [x, w] = [s.nd(xs, xs.length * 7 + 1), s.nd(ws, ws.length * 11 + 3)];
        const y = conv(s.put(x), s.put(w), {
          strides: g.strides,
          padding: g.padding,
          lhsDilation: g.lhsDilation,
          rhsDilation: g.rhsDilation,
          featureGroupCount: g.featureGroupCount,
        });
        await closeTo(y, convLoop(x, w, g), convLoop(abs(x), abs(w), g));
      });
    }

    const pools: [string, number[], WindowGeometry][] = [
      ['2x2 pools', [2, 6, 6, 3], windows(4, { window: [1, 2, 2, 1], strides: [1, 2, 2, 1] })],
      [
        'overlapping, padded, dilated',
        [1, 5, 7, 2],
        windows(4, {
          window: [1, 3, 2, 1],
          strides: [1, 2, 1, 1],
          padding: [
            [0, 0],
            [1, 1],
            [0, 1],
            [0, 0],
          ],
          windowDilation: [1, 1, 2, 1],
        }),
      ],
      [
        'base dilation with windows of holes only',
        [6, 4],
        windows(2, {
          window: [2, 1],
          baseDilation: [3, 1],
          strides: [1, 2],
          padding: [
            [1, 0],
            [0, -1],
          ],
        }),
      ],
    ];
    for (const [name, shape, g] of pools) {
      s.test(`reduceWindow sum, max and argmax: ${name}`, ['reduceWindow'], async () => {
        const x = s.nd(shape, shape.length * 5 + 2);
        const opts = {
          strides: g.strides,
          padding: g.padding,
          baseDilation: g.baseDilation,
          windowDilation: g.windowDilation,
        };
        const mag = reduceWindowLoop(abs(x), 'sum', g);
        await closeTo(reduceWindow(s.put(x), 'sum', g.window, opts), reduceWindowLoop(x, 'sum', g), mag);
        await s.close(reduceWindow(s.put(x), 'max', g.window, opts), reduceWindowLoop(x, 'max', g));
        // the taps max differentiates through: exact integers on every backend
        const b = s.backend();
        const want = reduceWindowLoop(x, 'argmax', g);
        const buf = b.reduceWindow('argmax', s.put(x), g, want.shape);
        expect(Array.from(await b.read({ shape: want.shape, dtype: 'int32', buf }))).toEqual(want.data);
      });
    }

    s.test(
      'windowGather and windowScatter at taps on holes and elements',
      ['windowGather', 'windowScatter'],
      async () => {
        const g = windows(2, {
          window: [3, 2],
          strides: [2, 1],
          padding: [
            [1, 1],
            [0, 1],
          ],
          windowDilation: [2, 1],
        });
        const x = s.nd([5, 3], 31);
        const out = reduceWindowLoop(x, 'sum', g).shape; // [2, 3]
        const taps = Array.from({ length: out[0]! * out[1]! }, (_, j) => (j * 5 + 2) % 6);
        const u = s.nd(out, 32);
        const t = s.putInt({ shape: out, data: taps });
        const ref = tapsRef(x.shape, out, g, taps);
        await s.close(windowGather(s.put(x), t, g), {
          shape: out,
          data: ref.map((i) => (i < 0 ? 0 : x.data[i]!)),
        });
        const scattered = new Array<number>(x.data.length).fill(0);
        ref.forEach((i, j) => {
          if (i >= 0) scattered[i]! += u.data[j]!;
        });
        await s.close(windowScatter(t, s.put(u), x.shape, g), { shape: x.shape, data: scattered });
      },
    );

    /** A small CNN: conv (stride, groups) -> tanh -> max pool -> conv -> avg pool ('same'). */
    const cnn = (x: Tensor, w1: Tensor, w2: Tensor): Tensor => {
      const h = maxPool(tanh(conv(x, w1, { padding: 'same', featureGroupCount: 2 })), 2);
      return mean(
        square(
          avgPool(
            conv(h, w2, {
              strides: 2,
              padding: [
                [1, 0],
                [0, 1],
              ],
              rhsDilation: [1, 2],
            }),
            2,
            { padding: 'same', strides: 1 },
          ),
        ),
      );
    };
    const inputs = () => [
      s.nd([2, 6, 6, 4], 41),
      s.nd([3, 3, 2, 6], 42, -0.5, 0.5),
      s.nd([2, 2, 6, 3], 43, -0.5, 0.5),
    ];

    s.test(
      'grad and hvp of a small CNN',
      ['conv', 'reduceWindow', 'windowGather', 'windowScatter'],
      async () => {
        const [x, w1, w2] = inputs();
        const args = [x!, w1!, w2!].map((a) => s.put(a));
        const gs = grad(cnn, { argnums: [1, 2] })(...args) as Tensor[];
        const v = s.nd(w1!.shape, 44, -1, 1);
        const hv = hvp((w: Tensor) => cnn(args[0]!, w, args[2]!), args[1]!, s.put(v));
        const put64 = (a: Nd) => tensor(a.data, { shape: a.shape, dtype: 'float64' });
        const asNd = (t: Tensor): Nd => ({ shape: t.shape.slice(), data: Array.from(t.dataSync()) });
        if (s.dtype === 'float64') {
          // the reference itself: central differences of the loss (w2) and of its gradient (hvp)
          const h = 1e-5;
          const f = (w: Nd) => cnn(args[0]!, args[1]!, put64(w)).itemSync();
          const dw2 = w2!.data.map((_, j) => {
            const at = (d: number) => ({
              shape: w2!.shape,
              data: w2!.data.map((y, l) => (l === j ? y + d : y)),
            });
            return (f(at(h)) - f(at(-h))) / (2 * h);
          });
          await s.close(gs[1]!, { shape: w2!.shape, data: dw2 }, 1e5);
          const g1 = (d: number) =>
            asNd(
              grad((w: Tensor) => cnn(args[0]!, w, args[2]!))(
                put64({ shape: w1!.shape, data: w1!.data.map((y, l) => y + d * v.data[l]!) }),
              ) as Tensor,
            );
          const [gp, gm] = [g1(h), g1(-h)];
          await s.close(
            hv,
            { shape: gp.shape, data: gp.data.map((a, i) => (a - gm.data[i]!) / (2 * h)) },
            1e5,
          );
          return;
        }
        const ref = withBackend(cpu(), () => {
          const p = [x!, w1!, w2!].map(put64);
          const g64 = grad(cnn, { argnums: [1, 2] })(...p) as Tensor[];
          const h64 = hvp((w: Tensor) => cnn(p[0]!, w, p[2]!), p[1]!, put64(v));
          return [...g64, h64].map(asNd);
        });
        // scale: the products and sums in a gradient of this size add a few hundred roundings
        for (const [i, t] of [...gs, hv].entries()) await s.close(t, ref[i]!, 100);
      },
    );
  });
}

/** For a 2-d operand (no base dilation): the flat input index each window's tap reads, or -1 for padding. */
function tapsRef(shape: number[], out: number[], g: WindowGeometry, taps: number[]): number[] {
  return taps.map((t, j) => {
    const o = [Math.floor(j / out[1]!), j % out[1]!];
    const k = [Math.floor(t / g.window[1]!), t % g.window[1]!];
    const p = o.map((od, d) => od * g.strides[d]! + k[d]! * g.windowDilation[d]! - g.padding[d]![0]);
    return p.every((pd, d) => pd >= 0 && pd < shape[d]!) ? p[0]! * shape[1]! + p[1]! : -1;
  });
}
