/**
 * Runs the job graph on worker processes (one job at a time each; on two cores, two workers halve
 * the wall time, since runs are independent), or in this process with `workers: 0`. Ready jobs go
 * out longest first, so the long ones do not trail at the end. A job that throws, or whose worker
 * dies, fails alone: the jobs that depend on it fail with its name, the rest run on.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { useBackendByName } from './backends.js';
import { runJob, type JobResult, type JobSpec } from './jobs.js';
import type { PlannedJob } from './plan.js';
import type { FromWorker, ToWorker } from './worker.js';

export type Outcome =
  | {
      readonly ok: true;
      readonly result: JobResult;
      /** Wall time of the job, and the CPU time its process spent on it (evaluation included). */
      readonly seconds: number;
      readonly cpuSeconds: number;
    }
  | { readonly ok: false; readonly error: string };

/** Where the pool stands, for the progress bar. */
export interface PoolStatus {
  readonly done: number;
  readonly total: number;
  readonly failed: number;
  /** Estimated cost finished (running jobs count by their reported fraction) and in all. */
  readonly costDone: number;
  readonly costTotal: number;
  readonly running: readonly string[];
}

export interface PoolOptions {
  readonly workers: number;
  readonly backend: string;
  readonly onUpdate?: (s: PoolStatus) => void;
}

/**
 * Node flags for the workers: this process's, plus tsx's loader when this process runs without it
 * (under vitest, say), since the worker is a TypeScript file.
 */
function workerExecArgv(): string[] {
  const own = process.execArgv;
  return own.some((a) => a === 'tsx' || /[/\\]tsx[/\\]dist[/\\]/.test(a)) ? own : [...own, '--import', 'tsx'];
}

export async function runPool(jobs: readonly PlannedJob[], o: PoolOptions): Promise<Map<string, Outcome>> {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  for (const j of jobs)
    for (const d of j.deps)
      if (!byId.has(d)) throw new Error(`demo: job '${j.id}' depends on unknown job '${d}'`);
  const outcomes = new Map<string, Outcome>();
  const results = new Map<string, JobResult>();
  const fraction = new Map<string, number>();
  const running = new Map<string, PlannedJob>();
  const pending = new Set(jobs.map((j) => j.id));
  const costTotal = jobs.reduce((s, j) => s + j.cost, 0);

  const update = () => {
    let costDone = 0;
    for (const [id] of outcomes) costDone += byId.get(id)!.cost;
    for (const [id, f] of fraction) if (!outcomes.has(id)) costDone += f * byId.get(id)!.cost;
    o.onUpdate?.({
      done: outcomes.size,
      total: jobs.length,
      failed: [...outcomes.values()].filter((x) => !x.ok).length,
      costDone,
      costTotal,
      running: [...running.values()].map((j) => j.label),
    });
  };
  const finish = (id: string, out: Outcome) => {
    outcomes.set(id, out);
    running.delete(id);
    if (out.ok) results.set(id, out.result);
    update();
  };
  /** The next job whose dependencies are all done (failing those whose dependencies failed). */
  const next = (): { job: PlannedJob; spec: JobSpec } | undefined => {
    const ready: PlannedJob[] = [];
    for (const id of pending) {
      const j = byId.get(id)!;
      const failedDep = j.deps.find((d) => outcomes.has(d) && !outcomes.get(d)!.ok);
      if (failedDep !== undefined) {
        pending.delete(id);
        finish(id, { ok: false, error: `depends on '${failedDep}', which failed` });
      } else if (j.deps.every((d) => outcomes.has(d))) ready.push(j);
    }
    if (ready.length === 0) return undefined;
    const job = ready.sort((a, b) => b.cost - a.cost)[0]!;
    pending.delete(job.id);
    try {
      return { job, spec: typeof job.spec === 'function' ? job.spec(results) : job.spec };
    } catch (e) {
      finish(job.id, { ok: false, error: `could not make its spec: ${(e as Error).message}` });
      return next();
    }
  };

  if (o.workers === 0) {
    await useBackendByName(o.backend);
    for (let n = next(); n; n = next()) {
      running.set(n.job.id, n.job);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      try {
        const result = await runJob(n.spec, (f) => (fraction.set(n!.job.id, f), update()));
        const c = process.cpuUsage(c0);
        const cpuSeconds = (c.user + c.system) / 1e6;
        finish(n.job.id, { ok: true, result, seconds: (performance.now() - t0) / 1000, cpuSeconds });
      } catch (e) {
        finish(n.job.id, { ok: false, error: (e as Error).stack ?? String(e) });
      }
    }
    return outcomes;
  }

  const script = fileURLToPath(new URL('./worker.ts', import.meta.url));
  await new Promise<void>((resolve) => {
    const idle: ((n: { job: PlannedJob; spec: JobSpec }) => void)[] = [];
    const children = new Set<ChildProcess>();
    let closed = false;
    /** Hands ready jobs to idle workers; ends the pool when nothing is left. */
    const dispatch = () => {
      while (idle.length > 0) {
        const n = next();
        if (!n) break;
        idle.pop()!(n);
      }
      if (running.size === 0 && !closed) {
        // nothing runs, so nothing left can become ready: fail it
        for (const id of pending) finish(id, { ok: false, error: 'never became ready' });
        pending.clear();
        closed = true;
        for (const c of children) c.kill();
        resolve();
      }
    };
    const spawn = () => {
      const child: ChildProcess = fork(script, [o.backend], {
        serialization: 'advanced',
        execArgv: workerExecArgv(),
      });
      children.add(child);
      let current: { id: string; t0: number } | undefined;
      let started = false;
      const take = (n: { job: PlannedJob; spec: JobSpec }) => {
        current = { id: n.job.id, t0: performance.now() };
        running.set(n.job.id, n.job);
        update();
        child.send({ type: 'job', id: n.job.id, job: n.spec } satisfies ToWorker);
      };
      child.on('message', (m: FromWorker) => {
        if (m.type === 'progress') {
          fraction.set(m.id, m.fraction);
          update();
          return;
        }
        if (m.type === 'ready') started = true;
        else {
          const seconds = (performance.now() - current!.t0) / 1000;
          current = undefined;
          finish(
            m.id,
            m.type === 'result'
              ? { ok: true, result: m.result as JobResult, seconds, cpuSeconds: m.cpuSeconds }
              : { ok: false, error: m.message },
          );
        }
        idle.push(take);
        dispatch();
      });
      child.on('exit', (code, signal) => {
        children.delete(child);
        if (closed) return;
        const i = idle.indexOf(take);
        if (i >= 0) idle.splice(i, 1);
        if (current)
          finish(current.id, { ok: false, error: `its worker exited (code ${code}, signal ${signal})` });
        current = undefined;
        if (!started) {
          // a worker that cannot start (a backend that does not load) will not start the next time either
          for (const id of pending)
            finish(id, { ok: false, error: `a worker failed to start (code ${code}); see its error above` });
          pending.clear();
        } else if (pending.size > 0) spawn();
        dispatch();
      });
    };
    const n = Math.max(1, Math.min(o.workers, jobs.length));
    for (let i = 0; i < n; i++) spawn();
  });
  return outcomes;
}
