/**
 * Finds the code a reader is shown: every `@example` in the packages' doc comments and every
 * ```ts block of the READMEs and of the Markdown pages under `docs/` (the guides of the docs site).
 * Each is meant to be a complete program (its own imports from the package names), so
 * `test/doc-examples.test.ts` type-checks and runs every one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One snippet of documentation code and where it came from. */
export interface DocExample {
  /** `path:line`, relative to the repository root. */
  readonly where: string;
  /** The TypeScript source. */
  readonly code: string;
}

/** The repository root (this file lives in test/support). */
export const ROOT = join(import.meta.dirname, '..', '..');

/** Where typedoc writes the site (generated, never read for examples). */
const API_DIR = join(ROOT, 'docs', 'api');

function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'dist' && p !== API_DIR) walk(p, keep, out);
    } else if (keep(p)) out.push(p);
  }
  return out;
}

/** The line number (1-based) of character `at` in `text`. */
function lineOf(text: string, at: number): number {
  let n = 1;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** The body of a ```ts fence if `text` has one, else `text` itself. */
function unfence(text: string): string {
  const m = /```(?:ts|typescript)?\n([\s\S]*?)```/.exec(text);
  return (m ? m[1]! : text).trim();
}

/**
 * The `@example` sections of the doc comments in `source`. A section runs from its tag to the next
 * block tag outside a code fence, or to the end of the comment.
 */
export function examplesInSource(source: string, file: string): DocExample[] {
  const out: DocExample[] = [];
  for (const m of source.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const lines = m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
    const start = lineOf(source, m.index);
    let fenced = false;
    let current: { line: number; body: string[] } | null = null;
    const flush = () => {
      if (current) out.push({ where: `${file}:${current.line}`, code: unfence(current.body.join('\n')) });
      current = null;
    };
    lines.forEach((l, i) => {
      if (l.trimStart().startsWith('```')) fenced = !fenced;
      const tag = !fenced && /^@(\w+)/.exec(l.trimStart());
      if (tag) {
        flush();
        if (tag[1] === 'example')
          current = { line: start + i, body: [l.trimStart().slice('@example'.length)] };
      } else if (current) current.body.push(l);
    });
    flush();
  }
  return out;
}

/** The ```ts blocks of a Markdown file. */
export function examplesInMarkdown(text: string, file: string): DocExample[] {
  return [...text.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)].map((m) => ({
    where: `${file}:${lineOf(text, m.index)}`,
    code: m[1]!.trim(),
  }));
}

/** The Markdown files whose ```ts blocks are examples: the READMEs and the pages under docs/. */
export function markdownWithExamples(): string[] {
  return [
    join(ROOT, 'README.md'),
    join(ROOT, 'examples', 'README.md'),
    ...walk(join(ROOT, 'packages'), (p) => /packages\/[^/]+\/README\.md$/.test(p)),
    ...(existsSync(join(ROOT, 'docs')) ? walk(join(ROOT, 'docs'), (p) => p.endsWith('.md')) : []),
  ].filter((p) => existsSync(p));
}

/** Every documentation example of the repository: packages' sources, then the Markdown files. */
export function allDocExamples(): DocExample[] {
  const sources = walk(join(ROOT, 'packages'), (p) => /\/src\/.*\.ts$/.test(p) && !p.endsWith('.test.ts'));
  const readmes = markdownWithExamples();
  return [
    ...sources.sort().flatMap((p) => examplesInSource(readFileSync(p, 'utf8'), relative(ROOT, p))),
    ...readmes.sort().flatMap((p) => examplesInMarkdown(readFileSync(p, 'utf8'), relative(ROOT, p))),
  ];
}
