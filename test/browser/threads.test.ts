/**
 * `wasmThreads` of `@gen-ts/core/web` in headless Chromium. The test builds `threads-page/` with
 * Vite and serves it twice, with and without cross-origin isolation (COOP `same-origin`, COEP
 * `require-corp`), and checks
 * - isolated, in a dedicated Worker: `wasmThreads(2, { minMultiplyAdds: 0 })` starts, the backend
 *   reports 2 threads and threaded products; every float32 and float64 product (odd sizes, batch
 *   broadcast, transposed operands) is bit for bit the single-thread result, and within the
 *   summation-rounding bound of a float64 reference computed here on the plain-loop kernels;
 *   after `terminate()` products throw;
 * - isolated, on the page's main thread: it rejects, saying the thread cannot block (Chromium's
 *   `Atomics.wait` throws there, which the page records raw);
 * - not isolated: it rejects in the Worker and on the main thread, naming the headers.
 *
 * Without Chromium the suite is skipped with the reason in its name, except under
 * GEN_TS_REQUIRE_BROWSER=1: then it fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abs, cpu, matmul, mT, tensor, withBackend, type Tensor } from '@gen-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium } from './chromium.js';
import { serve } from './serve.js';
import { CASES, type PageResult, type WorkerResult } from './threads-page/cases.js';

const ROOT = join(import.meta.dirname, '..', '..');
const VITE = join(ROOT, 'packages', 'playground', 'node_modules', 'vite', 'bin', 'vite.js');
const PAGE = join(import.meta.dirname, 'threads-page');
const ISOLATED = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** A policy that lets the page start its own Worker but not the Blob URL ones of wasmThreads. */
const NO_BLOB_WORKERS = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";

type Browser = Awaited<ReturnType<typeof launchChromium>>;

const missing = chromiumMissing();
const required = process.env['GEN_TS_REQUIRE_BROWSER'] === '1';

/** The page's report when served with `headers`. */
async function loadPage(
  browser: Browser,
  dist: string,
  headers: Record<string, string>,
): Promise<PageResult> {
  const served = await serve(dist, headers);
  const page = await browser.context.newPage();
  try {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(served.url);
    await page.waitForSelector('body[data-result]', { state: 'attached', timeout: 30_000 }).catch(() => {
      throw new Error(`the page reported nothing; page errors: ${errors.join('; ') || 'none'}`);
    });
    return JSON.parse((await page.getAttribute('body', 'data-result'))!) as PageResult;
  } finally {
    await page.close();
    await served.close();
  }
}

function fromWorker(r: PageResult): WorkerResult {
  expect('failed' in r.worker ? r.worker.failed : null, 'the worker script failed').toBeNull();
  return r.worker as WorkerResult;
}

if (missing !== null && !required) {
  describe.skip(`wasmThreads in Chromium — unavailable here: ${missing}`, () => undefined);
} else {
  describe('wasmThreads in Chromium', () => {
    let dist: string;
    let isolated: PageResult;
    let plain: PageResult;
    let strict: PageResult;

    beforeAll(async () => {
      if (missing !== null) return;
      dist = mkdtempSync(join(tmpdir(), 'gen-ts-threads-page-'));
      const args = [
        VITE,
        'build',
        PAGE,
        '--outDir',
        dist,
        '--emptyOutDir',
        '--base',
        './',
        '--logLevel',
        'warn',
      ];
      const built = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`vite build failed:\n${built.stdout}\n${built.stderr}`);
      const browser = await launchChromium();
      try {
        isolated = await loadPage(browser, dist, ISOLATED);
        plain = await loadPage(browser, dist, {});
        strict = await loadPage(browser, dist, { ...ISOLATED, 'Content-Security-Policy': NO_BLOB_WORKERS });
      } finally {
        await browser.close();
      }
    }, 60_000);

    afterAll(() => {
      if (dist) rmSync(dist, { recursive: true, force: true });
    });

    it('has Chromium (GEN_TS_REQUIRE_BROWSER=1)', () => {
      expect(missing).toBeNull();
    });

    it('runs products on 2 threads in a Worker: bit for bit one thread, within rounding of float64', () => {
      expect(isolated.crossOriginIsolated).toBe(true);
      const w = fromWorker(isolated);
      expect(w.status).toBeNull();
      expect(w.error).toBeNull();
      expect(w.info!.threads).toBe(2);
      expect(w.info!.products.threaded).toBeGreaterThan(0);
      expect(w.info!.products.wasm + w.info!.products.threaded, 'all on the SIMD kernels').toBe(CASES.length);
      expect(w.singleInfo).toMatchObject({ threads: 1, products: { threaded: 0, js: 0 } });
      expect(w.cases).toHaveLength(CASES.length);
      const reference = cpu({ kernels: 'js' });
      CASES.forEach((c, i) => {
        const r = w.cases![i]!;
        const what = `${c.dtype} ${c.name}`;
        const first = r.threaded.findIndex((v, j) => !Object.is(v, r.single[j]));
        expect(first, `${what}: first element that differs from one thread`).toBe(-1);
        // Each result and the float64 reference sum k products in some order: each is within
        // k*u*(|A||B|) of the exact sum (u the unit roundoff), plus u for the rounded result.
        const { want, bound, k } = withBackend(reference, () => {
          const op = (x: Tensor, t: boolean) => (t ? mT(x) : x);
          const a = op(tensor(r.a, { shape: c.a, dtype: 'float64' }), c.ta);
          const b = op(tensor(r.b, { shape: c.b, dtype: 'float64' }), c.tb);
          return {
            want: matmul(a, b),
            bound: matmul(abs(a), abs(b)).dataSync(),
            k: a.shape[a.shape.length - 1]!,
          };
        });
        expect(r.shape, what).toEqual([...want.shape]);
        const u = c.dtype === 'float32' ? 2 ** -24 : 2 ** -53;
        const ref = want.dataSync();
        r.threaded.forEach((v, j) => {
          expect(Math.abs(v - ref[j]!), `${what}[${j}]: ${v} vs ${ref[j]}`).toBeLessThanOrEqual(
            (2 * k + 1) * u * bound[j]!,
          );
        });
      });
      expect(w.afterTerminate).toMatch(/worker threads of this backend were terminated/);
    });

    it("refuses the page's main thread, where Chromium's Atomics.wait throws", () => {
      expect(isolated.rawWait).toMatch(/^TypeError: Atomics\.wait cannot be called in this context/);
      for (const said of [isolated.main.error, isolated.main.status]) {
        expect(said).toMatch(/this thread cannot block in Atomics\.wait \(Atomics\.wait cannot be called/);
        expect(said).toMatch(/main thread.*train in a dedicated Worker/);
      }
    });

    it('refuses a page that is not cross-origin isolated, naming the headers', () => {
      expect(plain.crossOriginIsolated).toBe(false);
      const w = fromWorker(plain);
      const headers =
        /crossOriginIsolated is false here.*'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp'/;
      for (const said of [w.error, w.status, plain.main.error, plain.main.status])
        expect(said).toMatch(headers);
      expect(w.cases).toBeUndefined();
    });

    it('says which worker failed to start, and why, when a policy forbids Blob URL workers', () => {
      const w = fromWorker(strict);
      expect(w.status).toBeNull(); // the runtime is fine: starting is what fails
      expect(w.error).toMatch(/^wasmThreads: worker 1 failed to start: .*worker-src blob:/);
      expect(w.cases).toBeUndefined();
    });
  });
}
