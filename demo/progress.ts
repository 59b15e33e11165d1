/**
 * The demo's progress bar: on a terminal one line redrawn in place (bar, percent, runs done,
 * elapsed time and an estimate of what is left, from the work's estimated cost), elsewhere a plain
 * line at every tenth of the work, so CI logs stay short.
 */
import { formatDuration } from '@gen-ts/nn';
import type { PoolStatus } from './pool.js';

export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export class ProgressBar {
  private readonly t0: number;
  private lastDraw = -Infinity;
  private lastTenth = -1;
  private width = 0;
  private ended = false;

  constructor(
    private readonly out: ProgressSink,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.t0 = now();
  }

  /** The line for a status. */
  render(s: PoolStatus, elapsedS: number, columns = 100): string {
    const f = s.costTotal > 0 ? Math.min(1, s.costDone / s.costTotal) : 1;
    const cells = 24;
    const full = Math.round(f * cells);
    const bar = '#'.repeat(full) + '.'.repeat(cells - full);
    const eta = f > 0.02 ? formatDuration((elapsedS * (1 - f)) / f) : '?';
    const failed = s.failed ? `, ${s.failed} failed` : '';
    const head = `[${bar}] ${String(Math.floor(f * 100)).padStart(3)}%  ${s.done}/${s.total} runs${failed}  ${formatDuration(elapsedS)} elapsed, ~${eta} left`;
    const tail = s.running.length ? `  | ${s.running.join(', ')}` : '';
    return (head + tail).slice(0, Math.max(head.length, columns - 1));
  }

  update(s: PoolStatus): void {
    const t = this.now();
    const elapsed = (t - this.t0) / 1000;
    if (this.out.isTTY) {
      if (t - this.lastDraw < 100 && s.done < s.total) return;
      this.lastDraw = t;
      const line = this.render(s, elapsed, this.out.columns ?? 100);
      this.out.write(`\r${line.padEnd(this.width)}`);
      this.width = line.length;
    } else {
      // a line per tenth of the work, and one when the last job is done
      const tenth = Math.floor((s.costTotal > 0 ? s.costDone / s.costTotal : 1) * 10);
      const last = s.done === s.total;
      if (tenth > this.lastTenth || (last && !this.ended)) {
        this.lastTenth = tenth;
        this.ended ||= last;
        this.out.write(`${this.render({ ...s, running: [] }, elapsed)}\n`);
      }
    }
  }

  /** Ends the bar's line. */
  finish(): void {
    if (this.out.isTTY && this.width > 0) this.out.write('\n');
  }
}
