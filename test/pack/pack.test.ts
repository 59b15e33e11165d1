/**
 * The published packages, as a user gets them: `pnpm -r build`, `pnpm pack` every package, then
 * in a fresh project outside the workspace (the system's temp folder) `npm install` the tarballs
 * and run the README there with plain `node`:
 * - the tarballs hold `dist/` only, with an exports map onto it (types, import, and for
 *   @gen-ts/gpu the browser entry), a version, a license and no `workspace:` ranges;
 * - the quickstart type-checks against the installed `.d.ts` (strict, lib checks on), compiles
 *   with tsc and prints, under `node`, exactly what it prints from the workspace's sources;
 *   `Tensor`'s internals (`_buf`, `_backend`, `level`, ...) are not in the published types;
 * - the plain-Node block runs as it is (gpu.js webasm from the installed @gen-ts/gpu) and prints
 *   what it prints from the sources;
 * - the browser block bundles with Vite from the installed packages with no Node-only code in the
 *   bundle, and, where Chromium is installed, runs in the page (see test/browser).
 *
 * gpu.js's optional dependency `gl` is left out (`--omit=optional`): it serves only the
 * headlessgl mode, and its install script fetches prebuilt binaries or Node headers from outside
 * the npm registry, which fails or stalls where only the registry is reachable (CI).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromiumMissing, launchChromium } from '../browser/chromium.js';
import { serve } from '../browser/serve.js';
import { publishedPackages, readmeBlock, ROOT } from './readme.js';

const PNPM = ['-y', 'pnpm@12.4.2'];
const VITE = join(ROOT, 'packages', 'playground', 'node_modules', 'vite', 'bin', 'vite.js');
const SCRATCH = join(ROOT, '.pack-test'); // the same programs, run from the workspace's sources

function run(cmd: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** What a program prints with console.log when imported here (resolving @gen-ts/* to sources). */
async function printedFromSources(file: string, code: string): Promise<string> {
  const path = join(SCRATCH, file);
  writeFileSync(path, code);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(format(...a)));
  try {
    await import(pathToFileURL(path).href);
  } finally {
    log.mockRestore();
  }
  return lines.map((l) => `${l}\n`).join('');
}

const QUICKSTART = readmeBlock('Quickstart', 'ts');
const PLAIN_NODE = readmeBlock('From plain Node', 'js');
const BROWSER = readmeBlock('From a browser bundle', 'js');

describe('the packed packages, installed with npm outside the workspace', () => {
  let tmp: string;
  let app: string;
  const tarballs: string[] = [];

  beforeAll(() => {
    const t0 = Date.now();
    const lap = (what: string) =>
      console.info(`pack test: ${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    tmp = mkdtempSync(join(tmpdir(), 'gen-ts-pack-'));
    app = join(tmp, 'app');
    mkdirSync(join(tmp, 'tgz'));
    mkdirSync(app);
    mkdirSync(SCRATCH, { recursive: true });
    run('npx', [...PNPM, '-r', '--filter', '!@gen-ts/playground', 'build'], ROOT);
    lap('built');
    for (const p of publishedPackages())
      run('npx', [...PNPM, 'pack', '--pack-destination', join(tmp, 'tgz')], p.dir);
    tarballs.push(...readdirSync(join(tmp, 'tgz')).map((f) => join(tmp, 'tgz', f)));
    lap('packed');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    run('npm', ['install', '--omit=optional', '--no-audit', '--no-fund', ...tarballs], app);
    lap('installed');
  }, 600_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    rmSync(SCRATCH, { recursive: true, force: true });
  });

  it('packs dist/ only, with exports onto it, a version and a license', () => {
    const names = publishedPackages().map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['@gen-ts/core', '@gen-ts/gen', '@gen-ts/gpu', '@gen-ts/nn']),
    );
    expect(tarballs).toHaveLength(names.length);
    for (const name of names) {
      const dir = join(app, 'node_modules', ...name.split('/'));
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(pkg.version, name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(pkg.license, name).toBe('MIT');
      expect(pkg.type, name).toBe('module');
      expect(JSON.stringify(pkg.dependencies ?? {}), name).not.toMatch(/workspace:/);
      expect(pkg.exports['.'].types, name).toBe('./dist/index.d.ts');
      expect(pkg.exports['.'].import, name).toBe('./dist/index.js');
      expect(readdirSync(dir).sort(), name).toEqual(['LICENSE', 'README.md', 'dist', 'package.json']);
      expect(readdirSync(join(dir, 'dist')), name).toEqual(
        expect.arrayContaining(['index.js', 'index.d.ts', 'index.js.map']),
      );
      expect(
        readdirSync(join(dir, 'dist')).some((f) => f.includes('.test.')),
        name,
      ).toBe(false);
    }
    const gpu = JSON.parse(readFileSync(join(app, 'node_modules', '@gen-ts', 'gpu', 'package.json'), 'utf8'));
    expect(gpu.exports['.'].browser).toBe('./dist/browser.js');
  });

  it('publishes every subpath the workspace exports, and each one imports under node', () => {
    const imports: string[] = [];
    for (const p of publishedPackages()) {
      const source = JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8'));
      const dir = join(app, 'node_modules', ...p.name.split('/'));
      const packed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      // a subpath added to `exports` but not to `publishConfig.exports` would vanish from the tarball
      expect(Object.keys(packed.exports).sort(), p.name).toEqual(Object.keys(source.exports).sort());
      for (const [sub, targets] of Object.entries(packed.exports as Record<string, Record<string, string>>)) {
        for (const t of Object.values(targets))
          expect(readdirSync(join(dir, t, '..')), `${p.name} ${t}`).toContain(t.split('/').pop());
        imports.push(sub === '.' ? p.name : `${p.name}/${sub.slice(2)}`);
      }
    }
    const script = imports.map((m) => `await import('${m}');`).join(' ');
    run(process.execPath, ['--input-type=module', '-e', script], app);
  });

  it('runs the README quickstart with plain node after tsc, as it runs from the sources', async () => {
    const dir = join(app, 'quickstart');
    mkdirSync(dir);
    const main = join(dir, 'quickstart.ts');
    const internals = join(dir, 'internals.ts');
    writeFileSync(main, QUICKSTART);
    writeFileSync(
      internals,
      [
        "import { tensor } from '@gen-ts/core';",
        'const t = tensor([1, 2]);',
        'export const leaks = [t._buf, t._backend, t._disposed, t.level, t.concrete()];',
      ].join('\n'),
    );
    const options: ts.CompilerOptions = {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: false, // the published .d.ts must be valid, not just usable
      skipDefaultLibCheck: true,
      types: [], // no Node or DOM types: the packages' types must not need them
      outDir: join(dir, 'out'),
    };
    // every package's whole type graph, not only what the quickstart reaches
    const everything = join(dir, 'everything.ts');
    writeFileSync(
      everything,
      ['core', 'gen', 'gpu', 'nn'].map((p) => `export * as ${p} from '@gen-ts/${p}';`).join('\n') + '\n',
    );
    const globals = join(dir, 'globals.d.ts');
    writeFileSync(globals, 'declare const console: { log(...values: unknown[]): void };\n');
    const program = ts.createProgram([main, internals, everything, globals], options);
    const errors = (file: string) =>
      ts
        .getPreEmitDiagnostics(program, program.getSourceFile(file))
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    const lib = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && d.file.fileName.includes('node_modules'));
    expect(
      lib.map((d) => `${d.file!.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`),
    ).toEqual([]);
    expect(errors(main)).toEqual([]);
    expect(errors(everything)).toEqual([]);
    // every internal is absent from the types (TS2339, or TS2551 with a suggestion)
    const leaks = errors(internals);
    expect(leaks).toHaveLength(5);
    ['_buf', '_backend', '_disposed', 'level', 'concrete'].forEach((k, i) =>
      expect(leaks[i]).toMatch(new RegExp(`^Property '${k}' does not exist on type 'Tensor'`)),
    );
    const emitted = program.emit(program.getSourceFile(main));
    expect(emitted.emitSkipped).toBe(false);
    const out = run(process.execPath, [join(dir, 'out', 'quickstart.js')], dir).stdout;
    expect(out.split('\n').length).toBeGreaterThan(5);
    expect(out).toBe(await printedFromSources('quickstart.ts', QUICKSTART));
  }, 120_000);

  it('runs the plain-Node block as it is, as it runs from the sources', async () => {
    writeFileSync(join(app, 'train.mjs'), PLAIN_NODE);
    const out = run(process.execPath, ['train.mjs'], app).stdout;
    expect(out).toMatch(/^\[ 'WebAssemblyKernel' \] \S+ \S+\n$/);
    expect(out).toBe(await printedFromSources('train.mjs', PLAIN_NODE));
  }, 120_000);

  describe('the browser block, bundled by Vite from the installed packages', () => {
    let dist: string;
    beforeAll(() => {
      const site = join(app, 'site');
      mkdirSync(site);
      writeFileSync(join(site, 'main.js'), BROWSER);
      writeFileSync(
        join(site, 'index.html'),
        '<!doctype html><meta charset="utf-8"><pre id="out"></pre><script type="module" src="./main.js"></script>',
      );
      run(process.execPath, [VITE, 'build', '--logLevel', 'warn', '--base', './'], site);
      dist = join(site, 'dist');
    }, 120_000);

    it('holds no Node-only code', () => {
      const js = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'));
      expect(js.length).toBeGreaterThan(0);
      for (const f of js) {
        const code = readFileSync(join(dist, 'assets', f), 'utf8');
        for (const banned of ['node:', 'createRequire', 'process.env', 'EGL_PLATFORM'])
          expect(code.includes(banned), `${f} contains ${banned}`).toBe(false);
      }
    });

    const missing = chromiumMissing();
    const required = process.env['GEN_TS_REQUIRE_BROWSER'] === '1';
    it.skipIf(missing !== null && !required)(
      `trains in Chromium${missing !== null ? ` — unavailable here: ${missing}` : ''}`,
      async () => {
        expect(missing).toBeNull();
        const served = await serve(dist);
        const browser = await launchChromium();
        try {
          const page = await browser.context.newPage();
          await page.goto(served.url);
          await page.waitForFunction("document.querySelector('#out').textContent !== ''", null, {
            timeout: 120_000,
          });
          const r = JSON.parse((await page.textContent('#out'))!) as {
            backend: string;
            ranOn: string[];
            losses: number[];
          };
          expect(['gpujs:webgpu', 'gpujs:webgl2']).toContain(r.backend);
          expect(r.ranOn).toEqual([r.backend === 'gpujs:webgpu' ? 'WebGPUKernel' : 'WebGL2Kernel']);
          expect(r.losses).toHaveLength(30);
          expect(r.losses.every(Number.isFinite)).toBe(true);
          expect(r.losses[29]!).toBeLessThan(r.losses[0]!); // it trains; the numbers are test/browser's
        } finally {
          await browser.close();
          await served.close();
        }
      },
      180_000,
    );
  });
});
