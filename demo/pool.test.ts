/** The job pool (in this process and on a worker) and the progress bar. */
import { describe, expect, it } from 'vitest';
import type { JobResult } from './jobs.js';
import type { PlannedJob } from './plan.js';
import { runPool, type Outcome, type PoolStatus } from './pool.js';
import { ProgressBar } from './progress.js';
import type { RunSpec } from './run.js';

const run = (over: Partial<RunSpec> = {}): RunSpec => ({
  task: 'mlp',
  size: 'quick',
  seed: 0,
  method: { kind: 'constant', base: 'sgd', lr: 0.1 },
  ...over,
});

/** A finishes; B throws (no such task); C waits for B; D waits for A and uses its result. */
const JOBS: PlannedJob[] = [
  { id: 'A', cost: 1, deps: [], label: 'a', spec: { kind: 'train', run: run() } },
  { id: 'B', cost: 1, deps: [], label: 'b', spec: { kind: 'train', run: run({ task: 'nope' as never }) } },
  { id: 'C', cost: 1, deps: ['B'], label: 'c', spec: { kind: 'train', run: run() } },
  {
    id: 'D',
    cost: 1,
    deps: ['A'],
    label: 'd',
    spec: (done) => {
      const a = done.get('A') as Extract<JobResult, { kind: 'train' }>;
      return {
        kind: 'train',
        run: run({ seed: 1, method: { kind: 'constant', base: 'sgd', lr: a.run.steps / 160 } }),
      };
    },
  },
];

function check(out: Map<string, Outcome>, updates: PoolStatus[]): void {
  expect([...out.keys()].sort()).toEqual(['A', 'B', 'C', 'D']);
  expect(out.get('A')!.ok).toBe(true);
  const b = out.get('B') as { ok: false; error: string };
  expect(b.ok).toBe(false);
  expect(b.error).toMatch(/unknown task 'nope'/);
  expect((out.get('C') as { error: string }).error).toBe("depends on 'B', which failed");
  const d = out.get('D') as { ok: true; result: Extract<JobResult, { kind: 'train' }> };
  expect(d.ok).toBe(true);
  expect(d.result.run.spec.seed).toBe(1);
  expect(d.result.run.spec.method).toEqual({ kind: 'constant', base: 'sgd', lr: 0.1 });
  const last = updates.at(-1)!;
  expect([last.done, last.total, last.failed, last.costDone, last.costTotal]).toEqual([4, 4, 2, 4, 4]);
}

describe('runPool', () => {
  it('in this process: a failure fails its dependents only, and specs see their dependencies', async () => {
    const updates: PoolStatus[] = [];
    check(await runPool(JOBS, { workers: 0, backend: 'cpu', onUpdate: (s) => updates.push(s) }), updates);
  });

  it('on a worker process, the same', async () => {
    const updates: PoolStatus[] = [];
    check(await runPool(JOBS, { workers: 1, backend: 'cpu', onUpdate: (s) => updates.push(s) }), updates);
  });

  it('fails every job when the workers cannot start (a backend that does not exist)', async () => {
    const out = await runPool(JOBS.slice(0, 1), { workers: 1, backend: 'tpu' });
    expect((out.get('A') as { error: string }).error).toMatch(/failed to start/);
  });

  it('rejects a graph with an unknown dependency', async () => {
    await expect(runPool([{ ...JOBS[2]!, deps: ['Z'] }], { workers: 0, backend: 'cpu' })).rejects.toThrow(
      /unknown job 'Z'/,
    );
  });
});

describe('ProgressBar', () => {
  const status = (costDone: number, done: number): PoolStatus => ({
    done,
    total: 10,
    failed: 0,
    costDone,
    costTotal: 100,
    running: ['mlp GeN sgd 0.001'],
  });

  it('renders the bar, the share done, the runs and the time left', () => {
    const bar = new ProgressBar({ write: () => {} }, () => 0);
    expect(bar.render(status(25, 3), 30)).toBe(
      '[######..................]  25%  3/10 runs  0:30 elapsed, ~1:30 left  | mlp GeN sgd 0.001',
    );
  });

  it('off a terminal, writes a line per tenth of the work and one at the end', () => {
    const lines: string[] = [];
    let t = 0;
    const bar = new ProgressBar({ write: (s: string) => lines.push(s) }, () => t);
    for (const [c, d] of [
      [1, 0],
      [5, 1],
      [12, 1],
      [13, 2],
      [55, 5],
      [100, 9],
      [100, 10],
    ] as const) {
      t += 1000;
      bar.update(status(c, d));
    }
    expect(lines.map((l) => l.match(/(\d+)%/)![1])).toEqual(['1', '12', '55', '100', '100']);
    expect(lines.every((l) => l.endsWith('\n') && !l.includes('|'))).toBe(true);
  });
});
