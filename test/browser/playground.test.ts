/**
 * The playground in headless Chromium: the test builds it (Vite), serves `dist/` on 127.0.0.1 and,
 * on each backend (webgpu, webgl2, webasm, cpu), loads the page, takes GeN-Adam steps on
 * Rosenbrock and trains the MNIST MLP for ten steps by clicking the page's buttons, then checks
 * - the backend that ran: the Backend's name and the gpu.js kernel class of every kernel;
 * - the numbers: every point, loss and learning rate against the same runs made here with the
 *   playground's modules on the cpu backend in float64, to float32's tolerance (1e-4 relative;
 *   the test accuracy to one digit of 500, since a near-tie's argmax may flip);
 * and saves a screenshot of each page under `test/browser/output/`. The page is served under a
 * strict Content-Security-Policy (no 'unsafe-eval'; WebAssembly may compile), where the cpu
 * backend must take its loops without `new Function`; the cpu backend also runs without the
 * policy, on its compiled loops.
 *
 * The 2-D run uses GeN's default (the authors') rule: its fit is a central difference at the
 * rate's own scale. The safe rule's one-sided fit at a shrunk rate cancels the first-order term,
 * so its float32 curvature differs from float64's by far more than 1e-4 (measured up to 2.5e-2 on
 * the cpu backend): comparing its trajectories would test that conditioning, not the backends.
 *
 * Without Chromium the suite is skipped with the reason in its name, except under
 * GEN_TS_REQUIRE_BROWSER=1 (set by `.ci/run` once it installed `chromium`): then it fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDigits, type Digits } from '../../packages/playground/src/digits.js';
import { problemById } from '../../packages/playground/src/problems.js';
import { chromiumMissing, launchChromium } from './chromium.js';
import { descentReference, mnistReference } from './reference.js';
import { serve, type Served } from './serve.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PLAYGROUND = join(ROOT, 'packages', 'playground');
const DIST = join(PLAYGROUND, 'dist');
const OUTPUT = join(import.meta.dirname, 'output');
const D2_STEPS = 8;
const MNIST_STEPS = 10;
const RTOL = 1e-4;

/** What each backend must report: the Backend's name and the kernel classes that ran. */
// Every backend runs under a strict policy, which only takes away (a page that passes under it
// passes without it); the cpu backend runs both ways, since it takes a different loop path.
const RUNS = [
  { id: 'webgpu', csp: true, name: 'gpujs:webgpu', ranOn: ['WebGPUKernel'], detail: /^adapter: / },
  { id: 'webgl2', csp: true, name: 'gpujs:webgl2', ranOn: ['WebGL2Kernel'], detail: /SwiftShader/ },
  { id: 'webasm', csp: true, name: 'gpujs:webasm', ranOn: ['WebAssemblyKernel'], detail: /webasm/ },
  {
    id: 'cpu',
    csp: false,
    name: 'cpu',
    ranOn: ['cpu'],
    detail: /products on wasm-simd, elementwise loops compiled$/,
  },
  {
    id: 'cpu',
    csp: true,
    name: 'cpu',
    ranOn: ['cpu'],
    detail: /products on wasm-simd, elementwise loops closures$/,
  },
] as const;

/** A strict policy: scripts from the page's origin only, no eval (WebAssembly may compile). */
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:";

const D2 = { optimizer: 'gen-adam', rule: 'authors', lr: 1e-3 } as const;
const MNIST = { optimizer: 'gen-adam', lr: 1e-3, hidden: 64, batch: 64, seed: 0 } as const;

const missing = chromiumMissing();
const required = process.env['GEN_TS_REQUIRE_BROWSER'] === '1';

/** `|got - want| <= rtol * max(|want|, scale)`, with the index in the message. */
function expectClose(got: readonly number[], want: readonly number[], what: string, scale = 0): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect(Math.abs(g - w), `${what}[${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(
      RTOL * Math.max(Math.abs(w), scale),
    );
  });
}

/** Waits until the page has finished its actions. */
async function idle(page: Page): Promise<void> {
  // a selector, not a predicate: Playwright evaluates predicates with eval, which the CSP run forbids
  await page.waitForSelector('body:not([data-busy])', { state: 'attached', timeout: 120_000 });
}

async function clickTimes(page: Page, sel: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await page.click(sel);
    await idle(page);
  }
}

async function records<T>(page: Page, sel: string): Promise<T> {
  return JSON.parse((await page.getAttribute(sel, 'data-records')) ?? 'null') as T;
}

async function pageError(page: Page): Promise<string | null> {
  const box = page.locator('#error');
  return (await box.isHidden()) ? null : box.textContent();
}

if (missing !== null && !required) {
  describe.skip(`playground in Chromium — unavailable here: ${missing}`, () => undefined);
} else {
  describe('playground in Chromium', () => {
    let served: Served;
    let strict: Served;
    let browser: Awaited<ReturnType<typeof launchChromium>>;
    let digits: Digits;

    beforeAll(async () => {
      if (missing !== null) return;
      const vite = join(PLAYGROUND, 'node_modules', 'vite', 'bin', 'vite.js');
      const built = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
        cwd: PLAYGROUND,
        encoding: 'utf8',
      });
      if (built.status !== 0) throw new Error(`vite build failed:\n${built.stdout}\n${built.stderr}`);
      digits = decodeDigits(new Uint8Array(readFileSync(join(DIST, 'digits.bin'))));
      mkdirSync(OUTPUT, { recursive: true });
      served = await serve(DIST);
      strict = await serve(DIST, { 'Content-Security-Policy': CSP });
      browser = await launchChromium();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await served?.close();
      await strict?.close();
    });

    it('has Chromium (GEN_TS_REQUIRE_BROWSER=1)', () => {
      expect(missing).toBeNull();
    });

    for (const b of RUNS) {
      const title = `${b.id}${b.csp ? ' under a strict Content-Security-Policy' : ''}`;
      it(`runs on ${title}: the backend that ran, and the numbers against float64`, async () => {
        expect(missing, 'GEN_TS_REQUIRE_BROWSER=1').toBeNull();
        const page = await browser.context.newPage();
        const logs: string[] = [];
        page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
        try {
          await page.goto(`${(b.csp ? strict : served).url}?backend=${b.id}`);
          await idle(page);
          expect(await pageError(page), logs.join('\n')).toBeNull();
          await page.selectOption('#d2-rule', D2.rule);
          await idle(page);
          await clickTimes(page, '#d2-step', D2_STEPS);
          await clickTimes(page, '#mnist-step', MNIST_STEPS);
          expect(await pageError(page), logs.join('\n')).toBeNull();

          const status = page.locator('#backend-status');
          expect(await status.getAttribute('data-backend')).toBe(b.name);
          expect(JSON.parse((await status.getAttribute('data-ran-on')) ?? '[]')).toEqual(b.ranOn);
          expect(await status.getAttribute('data-detail')).toMatch(b.detail);
          await page.screenshot({ path: join(OUTPUT, `${b.id}${b.csp ? '-csp' : ''}.png`), fullPage: true });

          const d2 = await records<{ w: number[]; loss: number; lr: number }[]>(page, '#d2-readout');
          const problem = problemById('rosenbrock');
          const ref = await descentReference({ problem, ...D2 }, D2_STEPS);
          expectClose(
            d2.map((r) => r.w[0]!),
            ref.map((r) => r.w[0]),
            'x',
            1,
          );
          expectClose(
            d2.map((r) => r.w[1]!),
            ref.map((r) => r.w[1]),
            'y',
            1,
          );
          expectClose(
            d2.map((r) => r.loss),
            ref.map((r) => r.loss),
            'loss',
          );
          expectClose(
            d2.map((r) => r.lr),
            ref.map((r) => r.lr),
            'lr',
          );

          type Mnist = {
            train: { loss: number; lr: number }[];
            evals: { t: number; accuracy: number; loss: number }[];
          };
          const mn = await records<Mnist>(page, '#mnist-readout');
          const mref = await mnistReference(digits, MNIST, MNIST_STEPS);
          expectClose(
            mn.train.map((r) => r.loss),
            mref.train.map((r) => r.loss),
            'mnist loss',
          );
          expectClose(
            mn.train.map((r) => r.lr),
            mref.train.map((r) => r.lr),
            'mnist lr',
          );
          expect(mn.evals.map((e) => e.t)).toEqual(mref.evals.map((e) => e.t));
          expectClose(
            mn.evals.map((e) => e.loss),
            mref.evals.map((e) => e.loss),
            'test loss',
          );
          mn.evals.forEach((e, i) =>
            expect(
              Math.abs(e.accuracy - mref.evals[i]!.accuracy) * digits.test.n,
              `accuracy at ${e.t}`,
            ).toBeLessThanOrEqual(1 + 1e-9),
          );
        } finally {
          await page.close();
        }
      }, 240_000);
    }
  });
}
