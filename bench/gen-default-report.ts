/**
 * The tables of `bench/gen-default.ts --report`: per base optimizer and epochs, each GeN method's
 * test accuracy per initial rate against the cosine peak chosen on validation accuracy (mean over
 * seeds), a compact table of the same, the worst and mean gaps, and for runs trained past their
 * horizon the training loss's largest rise and the probes accepted.
 */
import { existsSync, readFileSync } from 'node:fs';

export type Base = 'sgd' | 'momentum' | 'adam' | 'adamw';

/** One finished run, as written to the JSON-lines file. */
export interface Run {
  readonly id: string;
  readonly base: Base;
  readonly method: string;
  readonly lr: number;
  readonly epochs: number;
  readonly past: number;
  readonly seed: number;
  readonly size: string;
  /** Mean minibatch loss of each epoch (free: the step returns it). */
  readonly epochLoss: number[];
  /** Validation loss and accuracy after each epoch. */
  readonly valLoss: number[];
  readonly valAcc: number[];
  /** Test accuracy at the end. */
  readonly testAcc: number;
  /** GeN only: the rate at the end of each epoch, its maximum, accepted / fitted per epoch, forwards. */
  readonly lrEnd?: number[];
  readonly lrMax?: number;
  readonly accepted?: number[];
  readonly fitted?: number[];
  readonly forwards?: number;
  readonly probeSteps?: number;
  readonly steps: number;
  readonly seconds: number;
  readonly load: number;
}

export function readRuns(files: readonly string[]): Run[] {
  const out: Run[] = [];
  for (const f of files) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n'))
      if (line.trim() !== '') out.push(JSON.parse(line) as Run);
  }
  return out;
}

const stats = (xs: number[]) => {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return { m, sd, min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
};
export const pct = (x: number) => (100 * x).toFixed(2);

/** Largest rise of the epoch loss above its running minimum (0: never rose). */
function rise(r: Run): number {
  let best = r.epochLoss[0]!;
  let worst = 0;
  for (const l of r.epochLoss.slice(1)) {
    worst = Math.max(worst, l / best - 1);
    best = Math.min(best, l);
  }
  return worst;
}

export function report(runs: readonly Run[], only?: readonly string[]): void {
  const summary = new Map<string, Map<string, { gaps: number[]; rise: number; n: number }>>();
  const bases = [...new Set(runs.map((r) => r.base))];
  const sizes = [...new Set(runs.map((r) => r.size))];
  const loads = runs.map((r) => r.load);
  console.log(
    `runs ${runs.length}, sizes ${sizes.join('; ')}, load ${stats(loads).min.toFixed(1)}-${stats(loads).max.toFixed(1)}`,
  );
  for (const base of bases) {
    for (const past of [...new Set(runs.map((r) => r.past))]) {
      for (const epochs of [...new Set(runs.filter((r) => r.base === base).map((r) => r.epochs))].sort(
        (x, y) => x - y,
      )) {
        const here = runs.filter((r) => r.base === base && r.epochs === epochs && r.past === past);
        if (here.length === 0) continue;
        console.log(`\n## ${base}, ${epochs} epochs${past > 1 ? ` trained ${past}x past the horizon` : ''}`);
        // The cosine peak chosen on validation accuracy (mean over seeds).
        const cos = here.filter((r) => r.method === 'cosine');
        const peaks = [...new Set(cos.map((r) => r.lr))].sort((x, y) => x - y);
        let best: { lr: number; val: number; test: ReturnType<typeof stats> } | undefined;
        for (const lr of peaks) {
          const rs = cos.filter((r) => r.lr === lr);
          const val = stats(rs.map((r) => r.valAcc.at(-1)!)).m;
          const test = stats(rs.map((r) => r.testAcc));
          console.log(
            `cosine peak ${lr}: val ${pct(val)}  test ${pct(test.m)} ± ${pct(test.sd)} [${pct(test.min)}, ${pct(test.max)}] (n ${test.n})`,
          );
          if (best === undefined || val > best.val) best = { lr, val, test };
        }
        if (best !== undefined)
          console.log(
            `best cosine (on validation): peak ${best.lr}, test ${pct(best.test.m)} ± ${pct(best.test.sd)}` +
              (best.lr === peaks[0] || best.lr === peaks.at(-1)
                ? " (at the grid's edge: extend the grid)"
                : ''),
          );
        console.log(
          '| method | eta0 | test acc mean ± sd [min, max] | vs best cosine | val acc | final loss | max rise | rate end (max) | fwd / probe step | probe steps / step |',
        );
        console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
        const methods = only ?? [...new Set(here.map((r) => r.method))];
        for (const m of methods.filter((x) => x !== 'cosine')) {
          const gm = here.filter((r) => r.method === m);
          for (const lr of [...new Set(gm.map((r) => r.lr))].sort((x, y) => x - y)) {
            const rs = gm.filter((r) => r.lr === lr);
            const t = stats(rs.map((r) => r.testAcc));
            const v = stats(rs.map((r) => r.valAcc.at(-1)!));
            const fl = stats(rs.map((r) => r.epochLoss.at(-1)!));
            const ri = Math.max(...rs.map(rise));
            const le = stats(rs.map((r) => r.lrEnd!.at(-1)!));
            const lm = stats(rs.map((r) => r.lrMax!));
            const fw = rs.reduce((s, r) => s + r.forwards!, 0) / rs.reduce((s, r) => s + r.probeSteps!, 0);
            const ps = rs.reduce((s, r) => s + r.probeSteps!, 0) / rs.reduce((s, r) => s + r.steps, 0);
            const gap = best === undefined ? '' : (100 * (t.m - best.test.m)).toFixed(2);
            if (best !== undefined) {
              const key = `${m}`;
              const row = summary.get(key) ?? new Map<string, { gaps: number[]; rise: number; n: number }>();
              const col = `${base} ${epochs}${past > 1 ? `x${past}` : ''}`;
              const cell = row.get(col) ?? { gaps: [], rise: 0, n: 0 };
              cell.gaps.push(100 * (t.m - best.test.m));
              cell.rise = Math.max(cell.rise, ri);
              cell.n += t.n;
              row.set(col, cell);
              summary.set(key, row);
            }
            console.log(
              `| ${m} | ${lr} | ${pct(t.m)} ± ${pct(t.sd)} [${pct(t.min)}, ${pct(t.max)}] (n ${t.n}) | ${gap} | ${pct(v.m)} | ${fl.m.toFixed(3)} | ${(100 * ri).toFixed(0)}% | ${le.m.toPrecision(2)} (${lm.m.toPrecision(2)}) | ${fw.toFixed(2)} | ${ps.toFixed(3)} |`,
            );
          }
        }
      }
    }
  }
  const cols = [...new Set([...summary.values()].flatMap((r) => [...r.keys()]))];
  console.log(
    '\n## Summary: gap to the best cosine in points, worst / mean over eta0 (max rise of the epoch loss)',
  );
  console.log(`| method | ${cols.join(' | ')} |`);
  console.log(`| --- | ${cols.map(() => '---').join(' | ')} |`);
  for (const [m, row] of summary)
    console.log(
      `| ${m} | ${cols
        .map((c) => {
          const x = row.get(c);
          if (x === undefined) return '';
          const worst = Math.min(...x.gaps);
          const mean = x.gaps.reduce((p, q) => p + q, 0) / x.gaps.length;
          return `${worst.toFixed(2)} / ${mean.toFixed(2)} (${(100 * x.rise).toFixed(0)}%)${x.gaps.length < 4 || x.n < 12 ? ' partial' : ''}`;
        })
        .join(' | ')} |`,
    );
  compact(runs, only);
  safety(runs);
}

const cell = (xs: number[]) => {
  const t = stats(xs);
  return `${pct(t.m)} ± ${pct(t.sd)} [${pct(t.min)}, ${pct(t.max)}]`;
};

/** One row per base, epochs and eta0: each GeN method's test accuracy and its gap to the best cosine. */
function compact(runs: readonly Run[], only?: readonly string[]): void {
  const inPlan = runs.filter((r) => r.past === 1);
  const methods = (only ?? [...new Set(inPlan.map((r) => r.method))]).filter((m) => m !== 'cosine');
  console.log(
    '\n## Compact: test accuracy mean ± sd [min, max] over seeds, gap to the best cosine in points',
  );
  console.log(
    `| base | epochs | best cosine (peak) | eta0 | ${methods.map((m) => `${m} | gap`).join(' | ')} |`,
  );
  console.log(`| --- | --- | --- | --- | ${methods.map(() => '--- | ---').join(' | ')} |`);
  for (const base of [...new Set(inPlan.map((r) => r.base))])
    for (const epochs of [...new Set(inPlan.map((r) => r.epochs))].sort((x, y) => x - y)) {
      const here = inPlan.filter((r) => r.base === base && r.epochs === epochs);
      const cos = here.filter((r) => r.method === 'cosine');
      const peaks = [...new Set(cos.map((r) => r.lr))];
      const val = (lr: number) => stats(cos.filter((r) => r.lr === lr).map((r) => r.valAcc.at(-1)!)).m;
      if (peaks.length === 0) continue;
      const peak = peaks.reduce((p, q) => (val(q) > val(p) ? q : p));
      const best = cos.filter((r) => r.lr === peak).map((r) => r.testAcc);
      const bestMean = stats(best).m;
      const lrs = [...new Set(here.filter((r) => r.method !== 'cosine').map((r) => r.lr))].sort(
        (x, y) => x - y,
      );
      lrs.forEach((lr, i) => {
        const cols = methods.map((m) => {
          const xs = here.filter((r) => r.method === m && r.lr === lr).map((r) => r.testAcc);
          return xs.length === 0 ? ' | ' : `${cell(xs)} | ${(100 * (stats(xs).m - bestMean)).toFixed(2)}`;
        });
        const head = i === 0 ? `${base} | ${epochs} | ${cell(best)} (${peak})` : ' | | ';
        console.log(`| ${head} | ${lr} | ${cols.join(' | ')} |`);
      });
    }
}

/**
 * Runs trained past their horizon: the largest rise of the epoch loss above its running minimum,
 * the probe steps accepted before and after the horizon, and the loss at the horizon and at the end.
 */
function safety(runs: readonly Run[]): void {
  const past = runs.filter((r) => r.past > 1 && r.accepted !== undefined);
  if (past.length === 0) return;
  console.log('\n## Past the horizon: training loss (epoch mean) and probes');
  console.log(
    '| base | method | runs | max rise of the loss | accepted / fitted up to the horizon | after it | loss at the horizon -> end | rate at the end (max) | non-finite |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const base of [...new Set(past.map((r) => r.base))])
    for (const m of [...new Set(past.map((r) => r.method))]) {
      const rs = past.filter((r) => r.base === base && r.method === m);
      if (rs.length === 0) continue;
      const sumOf = (f: (r: Run) => number[]) => rs.reduce((s, r) => s + f(r).reduce((p, q) => p + q, 0), 0);
      const within = `${sumOf((r) => r.accepted!.slice(0, r.epochs))} / ${sumOf((r) => r.fitted!.slice(0, r.epochs))}`;
      const after = `${sumOf((r) => r.accepted!.slice(r.epochs))} / ${sumOf((r) => r.fitted!.slice(r.epochs))}`;
      const atH = stats(rs.map((r) => r.epochLoss[r.epochs - 1]!)).m;
      const end = stats(rs.map((r) => r.epochLoss.at(-1)!)).m;
      const lrEnd = Math.max(...rs.map((r) => r.lrEnd!.at(-1)!));
      const nonFinite = rs.filter((r) => r.epochLoss.some((l) => !Number.isFinite(l))).length;
      console.log(
        `| ${base} | ${m} | ${rs.length} | ${(100 * Math.max(...rs.map(rise))).toFixed(1)}% | ${within} | ${after} | ` +
          `${atH.toFixed(3)} -> ${end.toFixed(3)} | ${lrEnd.toPrecision(2)} (${Math.max(...rs.map((r) => r.lrMax!)).toPrecision(2)}) | ${nonFinite} |`,
      );
    }
}
