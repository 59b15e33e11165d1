/**
 * The two entries: `index.ts` (Node) and `browser.ts` (the `browser` export condition) export the
 * same API, and nothing Node-only is reachable from the browser entry's import graph. The browser
 * entry also runs here: in Node, `gpu.js` resolves to its CommonJS main instead of the browser
 * build, which is enough to check how the entry loads gpu.js and what it rejects.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as browser from './browser.js';
import * as node from './index.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// tsc fails here when one entry gains or loses an export, or an export's type differs.
const sameApi: Same<typeof node, typeof browser> = true;

/** The files reachable from `entry` through relative imports, and every bare specifier they import. */
function importGraph(entry: string): { files: string[]; bare: Set<string> } {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.')) visit(join(dirname(file), fileName.replace(/\.js$/, '.ts')));
      else bare.add(fileName);
    }
  };
  visit(entry);
  return { files: [...seen].map((f) => relative(import.meta.dirname, f)).sort(), bare };
}

describe('the Node and browser entries', () => {
  it('export the same names', () => {
    expect(sameApi).toBe(true);
    expect(Object.keys(browser).sort()).toEqual(Object.keys(node).sort());
  });

  it('keep Node-only code out of the browser graph', () => {
    const { files, bare } = importGraph(join(import.meta.dirname, 'browser.ts'));
    expect(files).toContain('platform-browser.ts');
    expect(files).not.toContain('platform-node.ts');
    expect(files).not.toContain('webgpu-node.ts');
    expect([...bare].sort()).toEqual(['@gen-ts/core', 'gpu.js']);
    for (const f of files) {
      const src = readFileSync(join(import.meta.dirname, f), 'utf8');
      expect(src, f).not.toMatch(/\bprocess\.|createRequire|\brequire\(/);
    }
    // and the Node graph is where they went
    const nodeGraph = importGraph(join(import.meta.dirname, 'index.ts'));
    expect(nodeGraph.files).toContain('webgpu-node.ts');
    expect([...nodeGraph.bare]).toEqual(expect.arrayContaining(['node:module', 'node:os']));
  });

  it('browser: webasm runs on the calling thread, loading gpu.js through its default export', () => {
    const b = browser.gpujs({ mode: 'webasm' });
    try {
      expect(b.info().threads).toBe(0);
      expect(b.readSync).toBeTypeOf('function');
    } finally {
      b.destroy();
    }
  });

  it('browser: keeps at most 64 webasm kernels, and an evicted one compiles again and computes', async () => {
    const { add, arange, useBackend } = await import('@gen-ts/core');
    const run = (entry: typeof node) => {
      const b = entry.gpujs({ mode: 'webasm', threads: 0 });
      const prev = useBackend(b);
      try {
        const sums = (n: number) => Array.from(add(arange(n), 1).dataSync());
        for (let n = 1; n <= 80; n++) expect(sums(n)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        const first = b.info();
        expect(sums(1)).toEqual([1]); // long evicted: compiled again
        return { first, again: b.info() };
      } finally {
        useBackend(prev);
        b.destroy();
      }
    };
    const web = run(browser);
    expect(web.first.compiles).toBeGreaterThan(64);
    expect(web.first.evictions).toBe(web.first.compiles - 64);
    expect(web.again.compiles).toBeGreaterThan(web.first.compiles);
    const nodeRun = run(node);
    expect(nodeRun.first.evictions).toBe(0); // Node: no limit
    expect(nodeRun.again.compiles).toBe(nodeRun.first.compiles);
  });

  it('browser: rejects what only Node has, naming it', () => {
    expect(() => browser.gpujs({ mode: 'webasm', threads: 2 })).toThrow(
      /option 'threads' must be 0 in browser/,
    );
    expect(() => browser.gpujs({ mode: 'headlessgl' })).toThrow(/mode 'headlessgl' cannot run in browser/);
    expect(() => browser.installWebGPU({ backend: 'vulkan' })).toThrow(/option 'backend'.*Node only/);
    expect(() => browser.installWebGPU({ adapter: 1 } as never)).toThrow(/unknown option 'adapter'/);
  });

  it('browser: webgpuStatus says why without navigator.gpu', async () => {
    const s = await browser.webgpuStatus();
    expect(s).toMatchObject({ available: false, backend: 'native', featureLevel: 'core' });
    expect(s.detail).toMatch(/navigator\.gpu is undefined/);
  });

  it('node: rejects webgl2 and unknown shim options, naming them', () => {
    expect(() => node.gpujs({ mode: 'webgl2' })).toThrow(
      /mode 'webgl2' cannot run in node.*browser's WebGL2/,
    );
    expect(() => node.webgpuStatus({ adaptor: 'x' } as never)).toThrow(/unknown option 'adaptor'/);
  });
});
