/** The chart module: scales and ticks, and what the SVG draws (and leaves out). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeScale, niceStep, tickLabel } from './scale.js';
import { dotPlot, lineChart } from './svg.js';

/** The `d` of every `path.series` element that is a line (not a band). */
const lines = (svg: string) =>
  [...svg.matchAll(/<path class="series" data-series="([^"]*)" d="([^"]*)"/g)].map((m) => ({
    label: m[1]!,
    d: m[2]!,
  }));

describe('scales', () => {
  it('nice steps are 1, 2 or 5 times a power of ten', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.integer({ min: 2, max: 10 }),
        (span, n) => {
          const s = niceStep(span, n);
          const m = s / 10 ** Math.floor(Math.log10(s) + 1e-12);
          expect([1, 2, 5, 10].some((v) => Math.abs(m - v) < 1e-9)).toBe(true);
        },
      ),
    );
  });

  it('a linear domain covers the data, its ends are ticks, and it maps onto the pixel range', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (vs) => {
          const s = makeScale(vs, 0, 100);
          expect(s.domain[0]).toBeLessThanOrEqual(Math.min(...vs));
          expect(s.domain[1]).toBeGreaterThanOrEqual(Math.max(...vs));
          expect(s.ticks[0]).toBeCloseTo(s.domain[0], 9);
          expect(s.ticks.at(-1)).toBeCloseTo(s.domain[1], 9);
          expect(s.map(s.domain[0])).toBeCloseTo(0, 9);
          expect(s.map(s.domain[1])).toBeCloseTo(100, 9);
        },
      ),
    );
  });

  it('a log scale ticks at decades, ignores values it cannot draw and maps them to NaN', () => {
    const s = makeScale([3e-4, 0.02, 0, -1, NaN, Infinity], 0, 90, { log: true });
    expect(s.domain).toEqual([1e-4, 0.1]);
    expect(s.ticks).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
    expect(s.map(1e-3)).toBeCloseTo(30, 9);
    expect(s.map(0)).toBeNaN();
    expect(s.map(-1)).toBeNaN();
    expect(makeScale([1, 5], 0, 1, { log: true }).ticks).toEqual([1, 2, 5, 10]);
  });

  it('a fixed range keeps its ends and only the ticks inside', () => {
    const s = makeScale([0.3], 0, 1, { fixed: [0, 100] });
    expect(s.domain).toEqual([0, 100]);
    expect(s.ticks).toEqual([0, 20, 40, 60, 80, 100]);
  });

  it('tick labels are short', () => {
    expect(tickLabel(0.30000000000000004, false)).toBe('0.3');
    expect(tickLabel(1e-5, true)).toBe('1e-5');
    expect(tickLabel(1e4, true)).toBe('1e4');
    expect(tickLabel(0.001, true)).toBe('0.001');
    expect(tickLabel(2e-7, false)).toBe('2.0e-7');
  });
});

describe('lineChart', () => {
  const base = { title: 'T & <t>', xLabel: 'x', yLabel: 'y' };

  it('draws one path per series through every point, in the plot area, and a legend entry each', () => {
    const svg = lineChart({
      ...base,
      series: [
        { label: 'a', x: [0, 1, 2], y: [1, 2, 3] },
        { label: 'b', x: [0, 1, 2], y: [3, 2, 1], dashed: true },
      ],
    });
    const ls = lines(svg);
    expect(ls.map((l) => l.label)).toEqual(['a', 'b']);
    for (const l of ls) expect(l.d.match(/[ML]/g)).toEqual(['M', 'L', 'L']);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('T &amp; &lt;t&gt;');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>.*<\/svg>$/s);
    const xs = [...ls[0]!.d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => Number(m[1]));
    expect(xs[0]).toBeLessThan(xs[2]!);
  });

  it('breaks the line at values it cannot draw (NaN; zero on a log axis)', () => {
    const svg = lineChart({
      ...base,
      yLog: true,
      series: [{ label: 'a', x: [0, 1, 2, 3, 4], y: [1, 2, 0, 4, 5] }],
    });
    expect(lines(svg)[0]!.d.match(/[ML]/g)).toEqual(['M', 'L', 'M', 'L']);
    const nan = lineChart({ ...base, series: [{ label: 'a', x: [0, 1, 2], y: [NaN, NaN, NaN] }] });
    expect(lines(nan)).toEqual([]);
    // a point alone (no neighbour to join) becomes a dot
    const lone = lineChart({ ...base, series: [{ label: 'a', x: [0, 1, 2, 3], y: [1, NaN, 2, 3] }] });
    expect(lines(lone)[0]!.d.match(/[ML]/g)).toEqual(['M', 'L']);
    expect(lone.match(/<circle class="mark"/g)).toHaveLength(1);
  });

  it('draws a band between lo and hi as a closed path, and markers as circles', () => {
    const svg = lineChart({
      ...base,
      series: [{ label: 'a', x: [0, 1, 2], y: [1, 2, 3], lo: [0, 1, 2], hi: [2, 3, 4], markers: true }],
    });
    const bands = [...svg.matchAll(/<path class="series band" d="([^"]*)"/g)].map((m) => m[1]!);
    expect(bands).toHaveLength(1);
    expect(bands[0]!.match(/[ML]/g)).toHaveLength(6);
    expect(bands[0]!.endsWith('Z')).toBe(true);
    expect(svg.match(/<circle class="mark"/g)).toHaveLength(3);
  });

  it('marker-only series draw no line', () => {
    const svg = lineChart({ ...base, series: [{ label: 'p', x: [1, 2], y: [1, 2], markers: 'only' }] });
    expect(lines(svg)).toEqual([]);
    expect(svg.match(/<circle class="mark"/g)).toHaveLength(2);
  });
});

describe('dotPlot', () => {
  it('draws a dot per finite row, a whisker from lo to hi, and the reference line', () => {
    const svg = dotPlot({
      title: 'final',
      xLabel: 'acc',
      rows: [
        { label: 'a', mean: 90, lo: 89, hi: 91 },
        { label: 'b', mean: NaN, lo: NaN, hi: NaN },
      ],
      reference: { value: 90.5, label: 'cosine' },
    });
    expect(svg.match(/<circle class="mark"/g)).toHaveLength(1);
    expect(svg).toContain('not finite');
    expect(svg.match(/<path class="series"/g)).toHaveLength(2);
    expect(svg).toContain('cosine');
  });
});

describe('dotPlot with a range', () => {
  it('writes a row beyond the range as an arrow at that edge with its value, and clamps whiskers', () => {
    const svg = dotPlot({
      title: 'final',
      xLabel: 'acc',
      rows: [
        { label: 'far', mean: 13.1, lo: 9.9, hi: 17.5 },
        { label: 'near', mean: 92, lo: 91, hi: 93 },
      ],
      xRange: [80, 95],
    });
    expect(svg.match(/<circle class="mark"/g)).toHaveLength(1);
    // the arrow's tip is on the plot area's left edge
    const left = Number(/<rect x="([\d.]+)" y="40"/.exec(svg)![1]);
    expect(svg).toMatch(new RegExp(`<path class="series" d="M${left} \\d+(\\.\\d)?L${left + 7} `));
    expect(svg).toContain('>13.1</text>');
    // the far row's whisker lies wholly left of the range: clamped to nothing
    expect(svg.match(/<path class="series" d="M[\d.]+ [\d.]+L[\d.]+ [\d.]+" stroke/g)).toHaveLength(1);
  });
});

describe('dotPlot labels', () => {
  it('makes the label column as wide as the longest label, so none is cut at the left edge', () => {
    const long = "GeN-AdamW from 1e-4 (recommended 'auto')";
    const svg = dotPlot({
      title: 'final',
      xLabel: 'acc',
      rows: [
        { label: 'short', mean: 1, lo: 0, hi: 2 },
        { label: long, mean: 1, lo: 0, hi: 2 },
      ],
    });
    const left = Number(/<rect x="([\d.]+)" y="40"/.exec(svg)![1]);
    // labels end 8 px left of the plot area, at about 6.3 px a character (11 px system-ui)
    expect(left - 8).toBeGreaterThanOrEqual(6 * long.length);
    expect(svg).toContain(`>${long}</text>`);
  });
});
