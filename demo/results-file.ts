/**
 * `results.json`: everything a run measured, with what made it (options, machine), so a report can
 * be rendered again from it (`--from`) without training. JSON has no NaN or Infinity; they are
 * written as the strings "NaN", "Infinity" and "-Infinity" and read back as numbers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { DemoOptions } from './cli.js';
import type { Outcome } from './pool.js';
import type { RunInfo } from './report/build.js';

export interface ResultsFile {
  readonly options: DemoOptions;
  readonly info: RunInfo;
  readonly outcomes: Readonly<Record<string, Outcome>>;
}

const SPECIAL: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

export function writeResults(path: string, r: ResultsFile): void {
  writeFileSync(
    path,
    JSON.stringify(r, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)),
  );
}

export function readResults(path: string): ResultsFile {
  let r: ResultsFile;
  try {
    r = JSON.parse(readFileSync(path, 'utf8'), (_, v) =>
      typeof v === 'string' && v in SPECIAL ? SPECIAL[v] : v,
    );
  } catch (e) {
    throw new Error(`demo: cannot read results from ${path}: ${(e as Error).message}`);
  }
  if (r === null || typeof r !== 'object' || !r.options || !r.info || !r.outcomes)
    throw new Error(`demo: ${path} is not a results.json of the demo (options, info, outcomes)`);
  return r;
}
