/**
 * `pnpm demo`: trains the demo's models (the MNIST MLP and CNN, the character-level transformer,
 * the Phi sweep, the probe policies, the quadratic checks) and writes the report: `index.html`
 * (self-contained), `REPORT.md` with its charts as SVG files, and `results.json` (every number).
 * Exits 1 when a job failed (the report still shows what finished) and 2 on a bad option.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, USAGE, type DemoOptions } from './cli.js';
import { plan } from './plan.js';
import { runPool } from './pool.js';
import { ProgressBar } from './progress.js';
import { buildReport, runsOf, type Finished } from './report/build.js';
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
  const outcomes = Object.fromEntries(
    [...f.outcomes].map(([id, o]) => [
      id,
      o.ok ? { ok: true, seconds: o.seconds, cpuSeconds: o.cpuSeconds } : { ok: false, error: o.error },
    ]),
  );
  const other = [...f.outcomes.values()].flatMap((o) =>
    o.ok && o.result.kind !== 'train' ? [o.result] : [],
  );
  writeFileSync(
    join(dir, 'results.json'),
    JSON.stringify({ options: f.options, info: f.info, outcomes, runs: runsOf(f), other }, (_, v) =>
      typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
    ),
  );
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
  const started = new Date();
  const load0 = loadavg()[0]!;
  const jobs = plan({ size: o.size, studies: o.studies, seeds: o.seeds, variants: o.variants });
  const m = metas(o);
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
  const f: Finished = {
    options: o,
    jobs,
    outcomes,
    metas: m,
    info: {
      command: `pnpm demo ${process.argv.slice(2).join(' ')}`.trim(),
      started: started.toISOString(),
      wallSeconds: (Date.now() - started.getTime()) / 1000,
      load: [load0, loadavg()[0]!],
      machine: `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
      node: process.versions.node,
    },
  };
  const dir = resolve(o.out);
  writeReport(dir, f);
  const failed = [...outcomes.entries()].filter(([, x]) => !x.ok);
  for (const [id, x] of failed) console.error(`demo: job '${id}' failed: ${(x as { error: string }).error}`);
  console.log(
    `demo: wrote ${join(dir, 'index.html')} and REPORT.md in ${(f.info.wallSeconds / 60).toFixed(1)} min`,
  );
  return failed.length ? 1 : 0;
}

process.exitCode = await main();
