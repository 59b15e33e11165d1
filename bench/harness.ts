/**
 * A tiny benchmark harness: warm up, then time rounds of a function and report the median per
 * call. Competitors run in the same process, interleaved round by round, so drift hits both.
 */
import { performance } from 'node:perf_hooks';

/** One contender: a name and one run of the measured thing (awaited when it returns a promise). */
export interface Contender {
  readonly name: string;
  run(): unknown;
}

/** Median of a list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Times each contender `rounds` times (interleaved), after `warmup` untimed calls each.
 * Returns the median milliseconds per invocation, by name.
 */
export async function compare(
  contenders: readonly Contender[],
  rounds = 15,
  warmup = 3,
): Promise<Map<string, number>> {
  for (const c of contenders) for (let i = 0; i < warmup; i++) await c.run();
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      const t0 = performance.now();
      await c.run();
      times.get(c.name)!.push(performance.now() - t0);
    }
  }
  return new Map([...times].map(([k, v]) => [k, median(v)]));
}

/**
 * As `compare`, timing each call both by the wall clock and by this process's CPU time (user +
 * system, all threads: `process.cpuUsage`). On a shared machine a call's wall time includes the
 * time other jobs held the core; its CPU time does not, so for single-threaded contenders the CPU
 * medians are the steadier comparison (background GC threads count toward each call's CPU).
 */
export async function compareClocks(
  contenders: readonly Contender[],
  rounds = 15,
  warmup = 3,
): Promise<{ wall: Map<string, number>; cpu: Map<string, number> }> {
  for (const c of contenders) for (let i = 0; i < warmup; i++) await c.run();
  const wall = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      const u0 = process.cpuUsage();
      const t0 = performance.now();
      await c.run();
      wall.get(c.name)!.push(performance.now() - t0);
      const u = process.cpuUsage(u0);
      cpu.get(c.name)!.push((u.user + u.system) / 1000);
    }
  }
  const med = (m: Map<string, number[]>) => new Map([...m].map(([k, v]) => [k, median(v)]));
  return { wall: med(wall), cpu: med(cpu) };
}

/** Formats a markdown table row. */
export function row(cells: readonly (string | number)[]): string {
  return `| ${cells.map((c) => (typeof c === 'number' ? fmtNum(c) : c)).join(' | ')} |`;
}

function fmtNum(x: number): string {
  if (x === 0) return '0';
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}
