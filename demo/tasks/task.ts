/**
 * A training task: a model, its loss, the data split three ways (train; validation, where the
 * grids choose; test, where the report measures), and the metric the report ranks by. Tasks are
 * built once per process and cached, since every run of a task reads the same data.
 */
import type { Tensor } from '@gen-ts/core';
import type { Dataset, Layer, OutputMetric, XY } from '@gen-ts/nn';
import type { Size, TaskId, TaskPlan } from '../sizes.js';

/** The metric a task is judged by. */
export interface TaskMetric {
  /** `accuracy` (from the model's output) or `perplexity` (`exp` of the loss). */
  readonly name: 'accuracy' | 'perplexity';
  readonly higherIsBetter: boolean;
  /** For output metrics: the function `evaluate` averages. */
  readonly fn?: OutputMetric;
}

export interface Task {
  readonly id: TaskId;
  readonly title: string;
  /** One sentence on the model and data, for the report. */
  readonly about: string;
  readonly plan: TaskPlan;
  readonly model: Layer<any, any>;
  readonly loss: (output: Tensor, target: Tensor) => Tensor;
  readonly metric: TaskMetric;
  /** Training rows (unbatched): each run shuffles them with its own seed. */
  readonly train: Dataset<XY>;
  /** Batched, fixed. */
  readonly validation: Dataset<XY>;
  readonly test: Dataset<XY>;
  /** The input shape `init` is called with (batch first). */
  readonly inputShape: readonly number[];
}

/** Builds a task at a size. */
export type TaskFactory = (size: Size) => Task;
