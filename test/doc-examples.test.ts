/**
 * Every `@example` in the packages' doc comments and every ```ts block of the READMEs and of the
 * guide pages (docs/) is a complete program: it type-checks against the packages' public API
 * (strict, as the repository compiles) and runs without throwing. Each is written to `.doc-examples/` (git-ignored) and
 * imported from there, so package imports resolve as they do for a user.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getBackend, useBackend, type Backend } from '@gen-ts/core';
import ts from 'typescript';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { allDocExamples, examplesInMarkdown, examplesInSource, ROOT } from './support/doc-examples.js';

const DIR = join(ROOT, '.doc-examples');
const examples = allDocExamples();
const files = examples.map((e, i) => {
  const file = join(DIR, `${String(i).padStart(3, '0')}-${e.where.replace(/[^A-Za-z0-9]+/g, '_')}.ts`);
  return { ...e, file };
});

rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
for (const f of files) writeFileSync(f.file, `// from ${f.where}\n${f.code}\n`);
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('the extraction', () => {
  it('finds fenced and one-line examples, and stops at the next tag', () => {
    const src = [
      '/**',
      ' * Doubles.',
      ' * @example',
      ' * ```ts',
      " * import { x } from 'y';",
      ' * // @ts-expect-error is code, not a tag, inside the fence',
      ' * ```',
      ' * @example one()',
      ' * @returns nothing',
      ' */',
    ].join('\n');
    expect(examplesInSource(src, 'f.ts')).toEqual([
      {
        where: 'f.ts:3',
        code: "import { x } from 'y';\n// @ts-expect-error is code, not a tag, inside the fence",
      },
      { where: 'f.ts:8', code: 'one()' },
    ]);
    expect(examplesInMarkdown('text\n```ts\nrun();\n```\n```sh\nno\n```\n', 'R.md')).toEqual([
      { where: 'R.md:2', code: 'run();' },
    ]);
  });

  it('sees the repository’s examples (the root quickstart among them)', () => {
    expect(examples.some((e) => e.where.startsWith('README.md:'))).toBe(true);
    expect(examples.length).toBeGreaterThan(5);
  });

  it('sees the code of every guide page, and every guide page is on the docs site', () => {
    const guides = readdirSync(join(ROOT, 'docs', 'guide')).filter((f) => f.endsWith('.md'));
    expect(guides.length).toBeGreaterThanOrEqual(4);
    const site = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as {
      projectDocuments: string[];
    };
    for (const g of guides) {
      const path = `docs/guide/${g}`;
      expect(site.projectDocuments, `${path} is not in typedoc.json's projectDocuments`).toContain(path);
      expect(readFileSync(join(ROOT, path), 'utf8'), `${path} needs a title in its front matter`).toMatch(
        /^---\ntitle: .+\n[\s\S]*?---\n/,
      );
      expect(
        examples.some((e) => e.where.startsWith(`${path}:`)),
        `${path} shows no code`,
      ).toBe(true);
    }
  });
});

describe('every documentation example is a complete program', () => {
  it('imports what it uses', () => {
    const bare = files.filter((f) => !/^\s*import\s/m.test(f.code)).map((f) => f.where);
    expect(bare, 'examples without their own imports').toEqual([]);
  });

  it('type-checks (strict)', () => {
    const base = ts.readConfigFile(join(ROOT, 'tsconfig.base.json'), ts.sys.readFile);
    const { options } = ts.convertCompilerOptionsFromJson(base.config.compilerOptions, ROOT);
    const program = ts.createProgram(
      files.map((f) => f.file),
      { ...options, noEmit: true, noUnusedLocals: false },
    );
    const ours = new Set(files.map((f) => f.file));
    const errors = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || ours.has(d.file.fileName))
      .map((d) => {
        const where = d.file ? files.find((f) => f.file === d.file!.fileName)!.where : '';
        return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(errors).toEqual([]);
  }, 120_000);

  for (const f of files) {
    it(`runs: ${f.where}`, async () => {
      const prev: Backend = getBackend();
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        await import(pathToFileURL(f.file).href);
      } finally {
        log.mockRestore();
        const now = getBackend();
        if (now !== prev) {
          useBackend(prev);
          (now as { destroy?: () => void }).destroy?.();
        }
      }
    });
  }
});
