/**
 * The demo's units of work, as plain data that can cross to a worker process, and the function a
 * worker (or the main process, with `--workers 0`) runs them with.
 */
import { loadavg } from 'node:os';
import { runQuadratic, type QuadraticResult } from './quadratic.js';
import { train, type RunResult, type RunSpec } from './run.js';
import { SIZES, type Size } from './sizes.js';
import { runSpeed, type SpeedResult } from './speed.js';

export type JobSpec =
  | { readonly kind: 'train'; readonly run: RunSpec }
  | { readonly kind: 'speed'; readonly size: Size }
  | { readonly kind: 'quadratic'; readonly size: Size };

export type JobResult =
  | { readonly kind: 'train'; readonly run: RunResult }
  | { readonly kind: 'speed'; readonly speed: SpeedResult }
  | { readonly kind: 'quadratic'; readonly quadratic: QuadraticResult };

/** Runs one job; `progress(fraction)` is called as it goes. */
export async function runJob(job: JobSpec, progress: (fraction: number) => void): Promise<JobResult> {
  switch (job.kind) {
    case 'train':
      return { kind: 'train', run: await train(job.run, (done, total) => progress(done / total)) };
    case 'speed':
      return { kind: 'speed', speed: await runSpeed(job.size, () => loadavg()[0]!) };
    case 'quadratic':
      return { kind: 'quadratic', quadratic: runQuadratic(SIZES[job.size].quadratic) };
  }
}
