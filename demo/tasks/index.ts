/** The training tasks by id, built once per process. */
import type { Size, TaskId } from '../sizes.js';
import { charTask } from './char.js';
import { cnnTask } from './cnn.js';
import { mlpTask } from './mnist.js';
import type { Task, TaskFactory } from './task.js';

const FACTORIES: Readonly<Record<TaskId, TaskFactory>> = {
  mlp: mlpTask,
  cnn: cnnTask,
  char: charTask,
};

const built = new Map<string, Task>();

/** The task `id` at `size` (loaded on first use, then shared by every run in this process). */
export function getTask(id: TaskId, size: Size): Task {
  const k = `${id}/${size}`;
  let t = built.get(k);
  if (!t) {
    const make = FACTORIES[id];
    if (!make)
      throw new TypeError(`demo: unknown task '${id}' (known: ${Object.keys(FACTORIES).join(', ')})`);
    built.set(k, (t = make(size)));
  }
  return t;
}
