/**
 * The demo as CI runs it: `pnpm demo --quick` (the package script's program, at CI size), then
 * - the report exists: index.html, REPORT.md, results.json and every chart REPORT.md links;
 * - it parses: results.json is JSON with every planned job finished, every Markdown table has as
 *   many cells per row as columns, index.html is well-formed (every tag closed) and self-contained
 *   (no script, no external resource);
 * - its tables have every method: per task every GeN initial rate, both tuned schedules and every
 *   peer; the Phi, probe-policy, speed and quadratic tables have all their rows;
 * - in headless Chromium (the browser test's setup), every chart renders: each SVG has a drawn
 *   series path with a non-empty `d` and a non-zero box; a screenshot is saved under
 *   `test/browser/output/`. Without Chromium that part is skipped with the reason in its name,
 *   except under GEN_TS_REQUIRE_BROWSER=1 (set by `.ci/run` once it installed chromium): then it fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium } from '../test/browser/chromium.js';
import { BASE_NAME, GEN_VARIANTS, PEERS, methodLabel, type GenVariantId } from './methods.js';
import { plan } from './plan.js';
import { SIZES, STUDY_IDS, type StudyId } from './sizes.js';

const ROOT = join(import.meta.dirname, '..');
const OUT = mkdtempSync(join(tmpdir(), 'gen-ts-demo-'));
const SHOTS = join(ROOT, 'test', 'browser', 'output');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const STUDIES: readonly StudyId[] = STUDY_IDS;
const ARGS = ['--quick', '--out', OUT];
const VARIANTS = Object.keys(GEN_VARIANTS) as GenVariantId[];

let run: ReturnType<typeof spawnSync>;
beforeAll(() => {
  run = spawnSync(TSX, ['demo/main.ts', ...ARGS], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
}, 320_000);
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

const read = (f: string) => readFileSync(join(OUT, f), 'utf8');

/** The Markdown tables of REPORT.md: caption, header and rows of cells. */
function tables(md: string): { caption: string; columns: string[]; rows: string[][] }[] {
  const out: { caption: string; columns: string[]; rows: string[][] }[] = [];
  const lines = md.split('\n');
  const cells = (l: string) =>
    l
      .slice(2, -2)
      .split(/(?<!\\) \| /)
      .map((c) => c.replace(/\\\|/g, '|'));
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('| ') || !lines[i + 1]?.startsWith('| ---')) continue;
    const caption = lines[i - 2]?.replace(/^\*\*|\*\*$/g, '') ?? '';
    const columns = cells(lines[i]!);
    const rows: string[][] = [];
    for (i += 2; i < lines.length && lines[i]!.startsWith('| '); i++) rows.push(cells(lines[i]!));
    out.push({ caption, columns, rows });
  }
  return out;
}

/** Every opened tag is closed in order (void elements and `/>` aside). */
function wellFormed(html: string): string | null {
  const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);
  const stack: string[] = [];
  for (const m of html.replace(/<!DOCTYPE[^>]*>/i, '').matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    const tag = name!.toLowerCase();
    if (self || VOID.has(tag)) continue;
    if (!close) stack.push(tag);
    else if (stack.pop() !== tag) return `</${tag}> at ${m.index} closes <${stack.at(-1) ?? 'nothing'}>`;
  }
  return stack.length ? `unclosed <${stack.join('>, <')}>` : null;
}

describe('pnpm demo --quick', () => {
  it('is the package script, exits 0 and writes the report files', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.demo).toBe('tsx demo/main.ts');
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    for (const f of ['index.html', 'REPORT.md', 'results.json'])
      expect(existsSync(join(OUT, f)), f).toBe(true);
    for (const [, chart] of read('REPORT.md').matchAll(/\]\((charts\/[\w-]+\.svg)\)/g))
      expect(read(chart!)).toMatch(/^<svg [^>]*>.*<\/svg>$/s);
  });

  it('results.json holds every planned job, finished, with what it measured', () => {
    const r = JSON.parse(read('results.json'));
    const jobs = plan({ size: 'quick', studies: STUDIES, seeds: [0, 1] });
    expect(Object.keys(r.outcomes).sort()).toEqual(jobs.map((j) => j.id).sort());
    for (const [id, o] of Object.entries(r.outcomes) as [
      string,
      { ok: boolean; result: { kind: string } },
    ][]) {
      expect(o.ok, id).toBe(true);
      expect(o.result.kind, id).toBe(id === 'speed' ? 'speed' : id === 'quadratic' ? 'quadratic' : 'train');
    }
  });

  it('--from results.json renders the same report again without training', () => {
    const again = join(OUT, 'again');
    const r = spawnSync(TSX, ['demo/main.ts', '--from', join(OUT, 'results.json'), '--out', again], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(again, 'REPORT.md'), 'utf8')).toBe(read('REPORT.md'));
    expect(readFileSync(join(again, 'index.html'), 'utf8')).toBe(read('index.html'));
  });

  it('REPORT.md: every table parses, and the task tables have every method', () => {
    const ts = tables(read('REPORT.md'));
    for (const t of ts)
      for (const row of t.rows) expect(row.length, `${t.caption}: ${row[0]}`).toBe(t.columns.length);
    const q = SIZES.quick;
    const titles = { mlp: 'MNIST MLP', cnn: 'MNIST CNN', char: 'Character-level transformer (Brown Corpus)' };
    for (const task of ['mlp', 'cnn', 'char'] as const) {
      const p = q[task];
      const title = titles[task];
      const final = ts.find((t) => t.caption.startsWith(`${title}: final results`))!;
      const verdict = ts.find((t) => t.caption.startsWith(`${title}: untuned GeN against`))!;
      expect(final, title).toBeDefined();
      const names = final.rows.map((r) => r[0]!);
      // every rule from every initial rate, each named with its rule (there are several)
      const want = [
        ...p.bases.flatMap((base) =>
          VARIANTS.flatMap((variant) =>
            p.genLr0[base]!.map((lr0) =>
              methodLabel(
                { kind: 'gen', base, variant, lr0, probe: GEN_VARIANTS[variant].probe },
                { variant: true },
              ),
            ),
          ),
        ),
        ...p.peers.map((x) => PEERS[x].label),
      ];
      expect(names.filter((n) => want.includes(n)).sort()).toEqual([...want].sort());
      for (const b of p.bases)
        for (const kind of p.schedules)
          expect(
            names.some((n) => n.startsWith(`${BASE_NAME[b]} ${kind}, tuned (`)),
            `${title} ${b} ${kind}`,
          ).toBe(true);
      expect(verdict.rows.map((r) => r[0]).sort()).toEqual(want.filter((n) => n.startsWith('GeN')).sort());
      expect(verdict.columns).toEqual(expect.arrayContaining(p.peers.map((x) => `vs ${PEERS[x].label}`)));
    }
    const rows = (prefix: string) => ts.find((t) => t.caption.startsWith(prefix))!.rows;
    expect(rows('Phi sweep: final test accuracy')).toHaveLength(q.mlp.bases.length * q.phi.phis.length);
    // per base: the base itself, the authors' rule at each Phi on both batches, and 'auto'
    expect(rows('Step time of GeN')).toHaveLength(q.mlp.bases.length * (2 + 2 * q.phi.phis.length));
    expect(rows('Probe policies')).toHaveLength(q.mlp.bases.length * 2);
    const checks = rows('Quadratic checks');
    expect(checks).toHaveLength(6);
    for (const c of checks) expect(c.at(-1), c[0]).toBe('ok');
    const overview = rows('Where untuned GeN lands');
    expect(overview).toHaveLength(
      VARIANTS.length *
        [q.mlp, q.cnn, q.char].reduce((n, p) => n + p.bases.reduce((m, b) => m + p.genLr0[b]!.length, 0), 0),
    );
    for (const v of VARIANTS)
      expect(overview.filter((r) => r[2] === GEN_VARIANTS[v].label).length, v).toBe(
        overview.length / VARIANTS.length,
      );
  });

  it('index.html is well-formed and self-contained', () => {
    const html = read('index.html');
    expect(wellFormed(html)).toBeNull();
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(\s*['"]?(https?:)?\/\//i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html.match(/<svg /g)?.length).toBe(read('REPORT.md').match(/\]\(charts\//g)?.length);
  });
});

const missing = chromiumMissing();
const required = process.env['GEN_TS_REQUIRE_BROWSER'] === '1';
if (missing !== null && !required) {
  describe.skip(`the report in Chromium — unavailable here: ${missing}`, () => undefined);
} else {
  describe('the report in Chromium', () => {
    it('renders every chart: non-empty SVG paths with a box, and saves a screenshot', async () => {
      expect(missing, 'GEN_TS_REQUIRE_BROWSER=1').toBeNull();
      expect(run.status).toBe(0);
      const browser = await launchChromium();
      try {
        const page = await browser.context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(pathToFileURL(join(OUT, 'index.html')).href);
        const charts = await page.$$eval('figure > svg', (svgs) =>
          svgs.map((svg) => {
            const size = (el: unknown) => {
              const b = (el as unknown as { getBBox(): { width: number; height: number } }).getBBox();
              return b.width + b.height;
            };
            // a drawn path starts at a point and goes somewhere: M x y L x y ...
            const paths = [...svg.querySelectorAll('path.series')];
            const broken = paths.filter(
              (el) => !/^M-?[\d.]+ -?[\d.]+L-?[\d.]/.test(el.getAttribute('d') ?? '') || size(el) === 0,
            );
            const marks = [...svg.querySelectorAll('circle.mark')].filter((el) => size(el) > 0);
            const r = svg.getBoundingClientRect();
            return {
              id: svg.parentElement!.id,
              paths: paths.length,
              broken: broken.length,
              marks: marks.length,
              area: r.width * r.height,
            };
          }),
        );
        expect(errors).toEqual([]);
        expect(charts.length).toBeGreaterThan(15);
        for (const c of charts) {
          expect(c.paths + c.marks, c.id).toBeGreaterThan(0);
          expect(c.broken, c.id).toBe(0);
          expect(c.area, c.id).toBeGreaterThan(0);
        }
        mkdirSync(SHOTS, { recursive: true });
        await page.screenshot({ path: join(SHOTS, 'demo-report.png'), fullPage: true });
        expect(existsSync(join(SHOTS, 'demo-report.png'))).toBe(true);
      } finally {
        await browser.close();
      }
    }, 120_000);
  });
}
