/**
 * TensorFlow.js's wasm backend (4.22) registers no `Conv2DBackpropFilter` kernel, so a conv2d
 * training step throws there ("Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'").
 * This registers one that runs the backend's own `Conv3DBackpropFilterV2` kernel (compiled C++ in
 * the same wasm module) on the 2-d problem seen as 3-d with depth 1, so the benchmark can compare
 * against tfjs-wasm at all; the forward conv and the input gradient stay tfjs-wasm's own kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

type Info = { shape: number[]; dataId: object; dtype: string };

/** Registers the kernel (once; later calls do nothing). */
export function registerWasmConv2dFilterGrad(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const filter3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm')!;
  const reshape = tf.getKernel('Reshape', 'wasm')!;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as { x: Info; dy: Info };
      const a = attrs as unknown as {
        strides: number | [number, number];
        pad: 'valid' | 'same';
        dataFormat: string;
        filterShape: number[];
      };
      if (a.dataFormat !== 'NHWC' || typeof a.pad !== 'string')
        throw new Error('tfjs-wasm Conv2DBackpropFilter fallback: NHWC and valid/same padding only');
      const to = (t: Info, shape: number[]) =>
        reshape.kernelFunc({ inputs: { x: t } as never, backend, attrs: { shape } as never }) as Info;
      const x5 = to(x, [x.shape[0]!, 1, ...x.shape.slice(1)]);
      const dy5 = to(dy, [dy.shape[0]!, 1, ...dy.shape.slice(1)]);
      const dw = filter3d.kernelFunc({
        inputs: { x: x5, dy: dy5 } as never,
        backend,
        attrs: {
          strides: [1, ...(typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides)],
          pad: a.pad,
          filterShape: [1, ...a.filterShape],
        } as never,
      }) as Info;
      return to(dw, a.filterShape) as never;
    },
  });
}
