/**
 * A small convolutional network on the MNIST digits (channels last, `[B, 28, 28, 1]`): two 3x3
 * convolutions of stride 2 (28 -> 14 -> 7), ReLU, a 2x2 max pool (7 -> 3) and a linear read-out.
 * Strided convolutions do the downsampling because on the cpu backend a convolution at full
 * resolution, or pooling a 14x14 map, costs more than the rest of the step (measured: 22 ms per
 * step of 64 digits for this network, 44 ms with the pool at 14x14, 73 ms with both
 * convolutions at full resolution and two pools).
 */
import { activation, conv2d, flatten, linear, maxPool2d, sequential, softmaxCrossEntropy } from '@gen-ts/nn';
import { SIZES, type Size } from '../sizes.js';
import { ACCURACY, mnistSplits } from './mnist.js';
import type { Task } from './task.js';

/**
 * The network: two 3x3 convolutions of stride 2 to `c1` and `c2` channels ('same' padding), ReLU
 * after each, a 2x2 max pool and a linear read-out to 10 classes (`bench/gen-default.ts --model
 * cnn` trains the full-size one, 8 and 16 channels).
 */
export function cnnModel(c1: number, c2: number) {
  return sequential([
    conv2d(c1, 3, { padding: 'same', strides: 2 }),
    activation('relu'),
    conv2d(c2, 3, { padding: 'same', strides: 2 }),
    activation('relu'),
    maxPool2d(2),
    flatten(),
    linear(10),
  ]);
}

export function cnnTask(size: Size): Task {
  const s = SIZES[size].cnn;
  const [c1, c2] = s.channels;
  return {
    id: 'cnn',
    title: 'MNIST CNN',
    about: `conv 3x3x${c1} stride 2, ReLU, conv 3x3x${c2} stride 2, ReLU, 2x2 max pool, linear 10 (28 -> 14 -> 7 -> 3); softmax cross-entropy; ${s.mnist.train} training, ${s.mnist.validation} validation and ${s.mnist.test} test digits`,
    plan: s,
    model: cnnModel(c1, c2),
    loss: softmaxCrossEntropy,
    metric: ACCURACY,
    ...mnistSplits(s.mnist, 'NHWC'),
    inputShape: [s.batch, 28, 28, 1],
  };
}
