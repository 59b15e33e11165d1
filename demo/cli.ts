/** The demo's command line, validated once into typed options (a bad option fails before any run). */
import { availableParallelism } from 'node:os';
import { BACKENDS, type BackendName } from './backends.js';
import { GEN_VARIANTS, type GenVariantId } from './methods.js';
import { STUDY_IDS, type Size, type StudyId } from './sizes.js';

export interface DemoOptions {
  readonly size: Size;
  readonly seeds: readonly number[];
  readonly studies: readonly StudyId[];
  readonly variants: readonly GenVariantId[];
  readonly backend: BackendName;
  /** Worker processes (0: run in this process). */
  readonly workers: number;
  /** Where the report goes. */
  readonly out: string;
  /** Render the report from this results.json of an earlier run instead of training. */
  readonly from?: string;
}

export const USAGE = `Usage: pnpm run demo [options]   (or: npx tsx demo/main.ts [options])

Trains the demo's models with untuned GeN, tuned schedules and the peers, and writes
report/index.html and report/REPORT.md.

  --quick              CI size: every method and chart at toy sizes (under a minute)
  --seeds 0,1,2        seeds (default 0,1,2; with --quick 0,1); grids run on the first
  --tasks a,b          any of ${STUDY_IDS.join(', ')} (default: all)
  --variants a,b       GeN configurations: ${Object.keys(GEN_VARIANTS).join(', ')} (default: all)
  --backend name       ${BACKENDS.join(', ')} (default cpu; the quadratic checks always run on cpu, float64)
  --workers n          worker processes (default: the number of cores; 0 runs in this process)
  --out dir            output folder (default report)
  --from results.json  render the report again from an earlier run's results, without training
  --help               this text`;

const list = (flag: string, v: string | undefined): string[] => {
  if (v === undefined || v.startsWith('--')) throw new TypeError(`demo: ${flag} needs a value`);
  const items = v.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new TypeError(`demo: ${flag} has an empty entry: '${v}'`);
  return items;
};

function oneOf<T extends string>(flag: string, items: string[], known: readonly string[]): T[] {
  for (const i of items)
    if (!known.includes(i)) throw new TypeError(`demo: ${flag}: unknown '${i}' (known: ${known.join(', ')})`);
  return [...new Set(items)] as T[];
}

/** Parses `argv` (without node and the script); returns undefined for `--help`. */
export function parseArgs(argv: readonly string[]): DemoOptions | undefined {
  let size: Size = 'full';
  let seeds: number[] | undefined;
  let studies: StudyId[] = [...STUDY_IDS];
  let variants = Object.keys(GEN_VARIANTS) as GenVariantId[];
  let backend: BackendName = 'cpu';
  let workers = availableParallelism();
  let out = 'report';
  let from: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i];
    switch (flag) {
      case '--help':
      case '-h':
        return undefined;
      case '--quick':
        size = 'quick';
        break;
      case '--seeds':
        seeds = list(flag, value()).map((s) => {
          const n = Number(s);
          if (!Number.isSafeInteger(n) || n < 0)
            throw new TypeError(`demo: --seeds: '${s}' is not an integer >= 0`);
          return n;
        });
        seeds = [...new Set(seeds)];
        break;
      case '--tasks':
        studies = oneOf<StudyId>(flag, list(flag, value()), STUDY_IDS);
        break;
      case '--variants':
        variants = oneOf<GenVariantId>(flag, list(flag, value()), Object.keys(GEN_VARIANTS));
        break;
      case '--backend':
        backend = oneOf<BackendName>(flag, list(flag, value()), BACKENDS)[0]!;
        break;
      case '--workers': {
        const v = value();
        const n = Number(v);
        if (v === undefined || !Number.isSafeInteger(n) || n < 0)
          throw new TypeError(`demo: --workers needs an integer >= 0, got '${v}'`);
        workers = n;
        break;
      }
      case '--out': {
        const v = value();
        if (v === undefined || v === '' || v.startsWith('--'))
          throw new TypeError('demo: --out needs a folder');
        out = v;
        break;
      }
      case '--from': {
        const v = value();
        if (v === undefined || v === '' || v.startsWith('--'))
          throw new TypeError('demo: --from needs a results.json');
        from = v;
        break;
      }
      default:
        throw new TypeError(`demo: unknown option '${flag}' (see --help)`);
    }
  }
  return {
    size,
    seeds: seeds ?? (size === 'quick' ? [0, 1] : [0, 1, 2]),
    studies,
    variants,
    backend,
    workers,
    out,
    ...(from !== undefined ? { from } : {}),
  };
}
