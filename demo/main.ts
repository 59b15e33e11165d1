/**
 * `pnpm demo`: trains the demo's models (the MNIST MLP and CNN, the character-level transformer,
 * the Phi sweep, the probe policies, the quadratic checks) and writes the report: `index.html`
 * (self-contained), `REPORT.md` with its charts as SVG files, and `results.json` (every number).
 * Exits 1 when a job failed (the report still shows what finished) and 2 on a bad option.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { useBackendByName } from './backends.js';
import { parseArgs, USAGE, type DemoOptions } from './cli.js';
import { plan } from './plan.js';
import { runPool } from './pool.js';
import { ProgressBar } from './progress.js';
import { buildReport, type Finished } from './report/build.js';
import { readResults, writeResults } from './results-file.js';
import { chartFiles, renderHtml, renderMarkdown } from './report/render.js';
import type { TaskMeta } from './analysis/task.js';
import type { TaskId } from './sizes.js';
import { getTask } from './tasks/index.js';

function metas(o: DemoOptions): Partial<Record<TaskId, TaskMeta>> {
  const out: Partial<Record<TaskId, TaskMeta>> = {};
  for (const id of ['mlp', 'cnn', 'char'] as const) {
    if (!o.studies.includes(id)) continue;
    const t = getTask(id, o.size);
    out[id] = { id, title: t.title, about: t.about, metric: t.metric.name, plan: t.plan };
  }
  return out;
}

/** Writes the report files under `dir` (replacing its charts). */
export function writeReport(dir: string, f: Finished): void {
  const report = buildReport(f);
  rmSync(join(dir, 'charts'), { recursive: true, force: true });
  mkdirSync(join(dir, 'charts'), { recursive: true });
  for (const [id, svg] of chartFiles(report)) writeFileSync(join(dir, 'charts', `${id}.svg`), svg);
  writeFileSync(join(dir, 'index.html'), renderHtml(report));
  writeFileSync(join(dir, 'REPORT.md'), renderMarkdown(report));
}

/** Trains everything the options ask for; returns what the report needs. */
async function train(o: DemoOptions): Promise<Finished> {
  const started = new Date();
  const load0 = loadavg()[0]!;
  const jobs = plan(o);
  console.log(
    `demo: ${jobs.length} jobs (${o.size} size, seeds ${o.seeds.join(',')}, backend ${o.backend}) on ${o.workers} worker(s); report in ${o.out}/`,
  );
  const bar = new ProgressBar(process.stderr);
  const outcomes = await runPool(jobs, {
    workers: o.workers,
    backend: o.backend,
    onUpdate: (s) => bar.update(s),
  });
  bar.finish();
  const cpu = cpus();
  return {
    options: o,
    jobs,
    outcomes,
    metas: metas(o),
    info: {
      command: `pnpm run demo ${process.argv.slice(2).join(' ')}`.trim(),
      started: started.toISOString(),
      wallSeconds: (Date.now() - started.getTime()) / 1000,
      load: [load0, loadavg()[0]!],
      machine: `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
      node: process.versions.node,
    },
  };
}

/** What an earlier run measured, from its results.json, with the options it ran with. */
function fromFile(path: string): Finished {
  const r = readResults(path);
  return {
    options: r.options,
    jobs: plan(r.options),
    outcomes: new Map(Object.entries(r.outcomes)),
    info: r.info,
    metas: metas(r.options),
  };
}

async function main(): Promise<number> {
  let o: DemoOptions | undefined;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  if (o.from === undefined) {
    // a backend that does not load here fails now, not in every worker
    try {
      await useBackendByName(o.backend);
    } catch (e) {
      console.error((e as Error).message);
      return 1;
    }
  }
  const f = o.from !== undefined ? fromFile(o.from) : await train(o);
  const dir = resolve(o.out);
  mkdirSync(dir, { recursive: true });
  writeReport(dir, f);
  if (o.from === undefined)
    writeResults(join(dir, 'results.json'), {
      options: f.options,
      info: f.info,
      outcomes: Object.fromEntries(f.outcomes),
    });
  const failed = [...f.outcomes.entries()].filter(([, x]) => !x.ok);
  for (const [id, x] of failed) console.error(`demo: job '${id}' failed: ${(x as { error: string }).error}`);
  console.log(
    `demo: wrote ${join(dir, 'index.html')} and REPORT.md${o.from === undefined ? ` in ${(f.info.wallSeconds / 60).toFixed(1)} min` : ` from ${o.from}`}`,
  );
  return failed.length ? 1 : 0;
}

process.exitCode = await main();
