/**
 * The whole package loads in a browser: no module its entry imports statically (followed through
 * the package's own files) imports a `node:` module. The functions that need the file system (the
 * npm-shipped datasets, checkpoint files) reach Node's modules when called (`node-modules.ts`).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every static import specifier reachable from `entry` through the package's relative imports. */
function staticImports(entry: string, seen = new Set<string>()): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const specs = [
      ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms),
      ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
    ].map((m) => m[1]!);
    out.set(file, specs);
    for (const s of specs) if (s.startsWith('.')) visit(join(dirname(file), s.replace(/\.js$/, '.ts')));
  };
  visit(entry);
  return out;
}

describe('browser-safe modules', () => {
  it.each(['index.ts', 'io/safetensors.ts', 'io/checkpoint.ts', 'data/dataset.ts', 'train/fit.ts'])(
    '%s imports no node: module',
    (m) => {
      const graph = staticImports(join(SRC, m));
      expect(graph.size).toBeGreaterThan(0);
      const offenders = [...graph].flatMap(([file, specs]) =>
        specs.filter((s) => s.startsWith('node:')).map((s) => `${file}: ${s}`),
      );
      expect(offenders).toEqual([]);
    },
  );

  it('the check sees node: imports where they are (this file)', () => {
    const self = join(SRC, 'io/browser-safe.test.ts');
    expect(staticImports(self).get(self)).toEqual(expect.arrayContaining(['node:fs', 'node:path']));
  });
});
