/**
 * The byte-level safetensors and checkpoint modules, the Dataset and fit load in a browser: no
 * module they import statically (followed through the package's own files) imports a `node:`
 * module. Files are reached by fit only through a dynamic import, when a checkpoint is asked for.
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
  it.each(['io/safetensors.ts', 'io/checkpoint.ts', 'data/dataset.ts', 'train/fit.ts'])(
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

  it('the check sees node: imports where they are (files.ts)', () => {
    const graph = staticImports(join(SRC, 'io/files.ts'));
    expect(graph.get(join(SRC, 'io/files.ts'))).toContain('node:fs/promises');
  });
});
