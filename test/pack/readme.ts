/**
 * The README programs the pack test runs: the TypeScript quickstart, the plain-Node block and the
 * browser-bundle block, each found by the heading it sits under, so the test runs what a reader
 * copies.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (this file lives in test/pack). */
export const ROOT = join(import.meta.dirname, '..', '..');

/** The first code fence of `lang` after the heading `heading` in the root README. */
export function readmeBlock(heading: string, lang: 'ts' | 'js'): string {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = text.search(new RegExp(`^#+ ${heading}$`, 'm'));
  if (at < 0) throw new Error(`README.md has no heading '${heading}'`);
  const m = new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'm').exec(text.slice(at));
  if (!m) throw new Error(`README.md has no \`\`\`${lang} block under '${heading}'`);
  return m[1]!;
}

/** The packages that are published (every `packages/*` without `"private": true`). */
export function publishedPackages(): { dir: string; name: string }[] {
  return readdirSync(join(ROOT, 'packages'))
    .map((d) => ({ dir: join(ROOT, 'packages', d), json: join(ROOT, 'packages', d, 'package.json') }))
    .filter(({ json }) => existsSync(json))
    .map(({ dir, json }) => ({
      dir,
      pkg: JSON.parse(readFileSync(json, 'utf8')) as { name: string; private?: boolean },
    }))
    .filter(({ pkg }) => pkg.private !== true)
    .map(({ dir, pkg }) => ({ dir, name: pkg.name }));
}
