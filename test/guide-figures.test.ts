/**
 * The guide's figures are the library's output: the committed SVGs are what
 * `scripts/guide-figures.ts` draws now (rerun it when GeN changes), and what they show agrees with
 * the rule the guide states.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parabolaFigure, probeStep, traceFigure } from '../scripts/guide-figures.js';
import { ROOT } from './support/doc-examples.js';

const committed = (name: string) => readFileSync(join(ROOT, 'docs', 'guide', name), 'utf8');
const rerun = 'the committed figure is stale: run npx tsx scripts/guide-figures.ts and commit the SVGs';

describe('docs/guide figures', () => {
  it('fitted-parabola.svg is what the script draws', () => {
    expect(parabolaFigure() === committed('fitted-parabola.svg'), rerun).toBe(true);
  });

  it('rate-trace.svg is what the script draws', () => {
    expect(traceFigure() === committed('rate-trace.svg'), rerun).toBe(true);
  }, 60_000);

  it("the drawn parabola is GeN's fit: it passes through the three probes, and the new rate follows the authors' rule", () => {
    const s = probeStep(0.5);
    for (const [x, y] of s.probes) {
      const q = s.L0 - s.b * x + (s.a / 2) * x * x;
      // float64: the probe differences are ~1e-2 of L0 ~ 0.7, so the fit is exact to ~1e-14
      expect(Math.abs(q - y)).toBeLessThan(1e-12);
    }
    expect(s.etaStar).toBeCloseTo(s.b / s.a, 12);
    const clipped = Math.min(Math.max(s.etaStar, s.eta / 2), 2 * s.eta);
    expect(s.newLr).toBeCloseTo(0.9 * s.eta + 0.1 * clipped, 12);
    // the page's picture: far beyond the probes the true loss leaves the parabola (the fit is local)
    const far = s.truth.at(-1)!;
    expect(Math.abs(far[1] - s.parabola.at(-1)![1])).toBeGreaterThan(1e-3);
  });
});
