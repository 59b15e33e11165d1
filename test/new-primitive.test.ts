/**
 * ARCHITECTURE.md's checklist for a new unary primitive, followed for a throwaway one (`cube`, in
 * `fixtures/new-unary-primitive.ts`): the checklist names exactly the files the fixture edits; with
 * all its rows the project type-checks, and without any one of them `tsc` fails on that row; and
 * the new primitive passes the conformance suite on every backend that runs here and the gradient
 * checks. The edits are applied in memory (a compiler host here, a vite load hook in the child
 * vitest run), so the working tree is never touched.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  CPU_UNARY_TEST,
  edited,
  EDITS,
  FILES,
  NAME,
  ROOT,
  type Edit,
} from './fixtures/new-unary-primitive.js';
import { GPU_MODES, unavailable } from './support/gpu-modes.js';

/** The files listed in the numbered checklist under ARCHITECTURE.md's "A new unary primitive". */
function checklistFiles(): string[] {
  const doc = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
  const start = doc.indexOf('### A new unary primitive');
  expect(start, 'ARCHITECTURE.md has the checklist').toBeGreaterThanOrEqual(0);
  const section = doc.slice(start, doc.indexOf('\n#', start + 1));
  return [...section.matchAll(/^\d+\. `([^`]+)`/gm)].map((m) => m[1]!);
}

/** A program over the project's tsconfig with `edits` applied in memory (reusing `old` where it can). */
function program(edits: readonly Edit[], old?: ts.Program): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const virtual = new Map(
    [...new Set(edits.map((e) => e.file))].map((f) => [join(ROOT, f), edited(f, edits)] as const),
  );
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => virtual.get(f) ?? readFile(f);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = virtual.get(f);
    return text === undefined ? getSourceFile(f, lang, ...rest) : ts.createSourceFile(f, text, lang);
  };
  return ts.createProgram({ rootNames: config.fileNames, options: config.options, host, oldProgram: old });
}

const show = (ds: readonly ts.Diagnostic[]): string[] =>
  ds.map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);

describe(`a new unary primitive through the checklist (the throwaway '${NAME}')`, () => {
  it('the checklist names exactly the files the fixture edits', () => {
    expect(checklistFiles().sort()).toEqual([...FILES].sort());
  });

  it('type-checks with every row, and tsc fails on the row left out', () => {
    const full = program(EDITS);
    expect(show(ts.getPreEmitDiagnostics(full))).toEqual([]);
    // Leaving out one file's rows must fail tsc in that file, naming the primitive. The public
    // function is missed where the method sugar is typed by it (methods.ts). The first file, the
    // primitive's own row, is what names it: without it the other rows are the errors.
    const reportedIn: Record<string, string> = {
      'packages/core/src/ops/elementwise.ts': 'packages/core/src/methods.ts',
    };
    for (const file of FILES.slice(1)) {
      const without = program(
        EDITS.filter((e) => e.file !== file),
        full,
      );
      const where = join(ROOT, reportedIn[file] ?? file);
      const errors = show(without.getSemanticDiagnostics(without.getSourceFile(where)));
      expect(
        errors.some((e) => e.includes(`'${NAME}'`) || e.includes(`"${NAME}"`)),
        `without the row in ${file}: ${errors.join('\n')}`,
      ).toBe(true);
    }
  }, 300_000);

  it('passes the conformance suite on every backend here and the gradient checks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-ts-new-primitive-'));
    const report = join(dir, 'report.json');
    try {
      const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs');
      const config = join(ROOT, 'test/fixtures/new-unary-primitive.vitest.config.ts');
      const args = [
        vitest,
        'run',
        '--config',
        config,
        '-t',
        `${NAME}|${CPU_UNARY_TEST}`,
        '--reporter=json',
        `--outputFile=${report}`,
      ];
      await promisify(execFile)(process.execPath, args, { cwd: ROOT, maxBuffer: 1 << 26 });
      const json = JSON.parse(readFileSync(report, 'utf8')) as {
        numFailedTests: number;
        testResults: { assertionResults: { ancestorTitles: string[]; title: string; status: string }[] }[];
      };
      const ran = json.testResults
        .flatMap((f) => f.assertionResults)
        .filter((a) => a.status === 'passed')
        .map((a) => [...a.ancestorTitles, a.title].join(' > '));
      expect(json.numFailedTests).toBe(0);
      const want = [
        `gradient checks per primitive (float64, cpu) > ${NAME}: ${NAME} JVP and VJP match at orders 1 and 2`,
        `elementwise kernels > ${CPU_UNARY_TEST}`,
        ...['float64', 'float32', 'int32'].map(
          (d) => `cpu loops: closures against compiled > ${NAME} agrees bit for bit (${d})`,
        ),
      ];
      // the cpu configurations of test/conformance/cpu.test.ts
      const suites = [
        "conformance: 'cpu plain loops (float64 reference)'",
        "conformance: 'cpu wasm-simd float64'",
        "conformance: 'cpu wasm-simd float32'",
        "conformance: 'cpu wasm-simd float64, 2 threads'",
      ];
      for (const m of GPU_MODES)
        if ((await unavailable(m.options.mode)) === null) suites.push(`conformance: ${m.name}`);
      for (const s of suites) {
        want.push(`${s} > elementwise > ${NAME} on [], [7] and [2,3,4]`);
        // the suite's reference row also gives it a case with NaN, infinities and zeros
        want.push(`${s} > non-finite values > ${NAME}: NaN, infinities and zeros`);
      }
      expect(ran.sort()).toEqual(want.sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
