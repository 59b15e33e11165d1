/**
 * What `fit` prints. On a terminal, one progress-bar line redrawn in place (epoch, step, bar, loss,
 * learning rate, steps per second, ETA), at most 10 times a second; elsewhere (a log file, CI) plain
 * lines every `logEvery` steps, so output stays readable and greppable. Evaluation results and the
 * end of each epoch get lines of their own in both modes.
 */

/** Where progress goes: `process.stderr` by default, or anything with `write`. */
export interface ProgressOutput {
  /** Writes text as is (lines end with a newline; the bar starts with a carriage return). */
  write(text: string): unknown;
  /** A terminal: the bar is redrawn in place. */
  readonly isTTY?: boolean;
  /** Terminal width, to fit the bar. */
  readonly columns?: number;
}

/** How `fit` reports: `'auto'` (a bar on a TTY, lines otherwise), `'bar'`, `'lines'` or `'silent'`. */
export type Verbosity = 'auto' | 'bar' | 'lines' | 'silent';

/** Numbers as `fit` prints them: 4 significant digits, exponent form when very small or large. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e5 ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}

/** Seconds as `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One step as the reporter sees it. */
export interface ProgressStep {
  /** Steps completed, counting this one (1-based, absolute over a resumed run). */
  readonly done: number;
  readonly total: number;
  /** 0-based epoch of this step's batch, and its index in the epoch. */
  readonly epoch: number;
  readonly batch: number;
  readonly batchesPerEpoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly lr: number;
}

const MIN_REDRAW_MS = 100;

/** Renders progress; `now()` is the clock in milliseconds (replaceable for tests). */
export class Progress {
  private readonly start: number;
  private readonly startDone: number;
  private lastDraw = -Infinity;
  private barShown = false;
  /** How many times the bar was drawn (tests check the rate). */
  draws = 0;

  constructor(
    private readonly out: ProgressOutput | undefined,
    private readonly mode: 'bar' | 'lines' | 'silent',
    private readonly logEvery: number,
    private readonly now: () => number,
    startDone: number,
  ) {
    this.start = now();
    this.startDone = startDone;
  }

  private rate(done: number): number {
    const seconds = (this.now() - this.start) / 1000;
    return seconds > 0 ? (done - this.startDone) / seconds : NaN;
  }

  private fields(s: ProgressStep): string {
    const rate = this.rate(s.done);
    const eta = (s.total - s.done) / rate;
    const lr = Number.isNaN(s.lr) ? '' : `  lr ${formatNumber(s.lr)}`;
    return `loss ${formatNumber(s.loss)}${lr}  ${Number.isNaN(rate) ? '-' : formatNumber(rate)} steps/s  ETA ${formatDuration(eta)}`;
  }

  private epochLabel(s: ProgressStep): string {
    return Number.isFinite(s.epochs) ? `epoch ${s.epoch + 1}/${s.epochs}` : `epoch ${s.epoch + 1}`;
  }

  /** After each step (in order). */
  step(s: ProgressStep): void {
    if (this.mode === 'silent' || !this.out) return;
    const epochEnd = s.batch === s.batchesPerEpoch - 1 || s.done === s.total;
    if (this.mode === 'lines') {
      if (s.done % this.logEvery === 0 || epochEnd)
        this.out.write(`step ${s.done}/${s.total}  ${this.epochLabel(s)}  ${this.fields(s)}\n`);
      return;
    }
    const t = this.now();
    if (!epochEnd && t - this.lastDraw < MIN_REDRAW_MS) return;
    this.lastDraw = t;
    this.draws++;
    const inEpoch = Number.isFinite(s.batchesPerEpoch)
      ? `${s.batch + 1}/${s.batchesPerEpoch}`
      : `${s.done}/${s.total}`;
    const frac = Number.isFinite(s.batchesPerEpoch) ? (s.batch + 1) / s.batchesPerEpoch : s.done / s.total;
    const head = `${this.epochLabel(s)} ${inEpoch} `;
    const tail = ` ${this.fields(s)}`;
    const width = Math.max(10, Math.min(30, (this.out.columns ?? 100) - head.length - tail.length - 3));
    const filled = Math.round(frac * width);
    this.out.write(`\r${head}[${'='.repeat(filled)}${' '.repeat(width - filled)}]${tail}\x1b[K`);
    this.barShown = true;
    if (epochEnd) this.endLine();
  }

  private endLine(): void {
    if (this.barShown) this.out!.write('\n');
    this.barShown = false;
  }

  /** A line of its own (evaluation results, a stop reason). */
  line(text: string): void {
    if (this.mode === 'silent' || !this.out) return;
    if (this.mode === 'bar') this.endLine();
    this.out.write(`${text}\n`);
  }

  /** At the end of training. */
  finish(): void {
    if (this.mode === 'bar' && this.out) this.endLine();
  }
}

/** The evaluation line: `eval step 100  epoch 2: loss 0.41  accuracy 0.93`. */
export function evalLine(step: number, epoch: number, metrics: Readonly<Record<string, number>>): string {
  const parts = Object.entries(metrics).map(([k, v]) => `${k} ${formatNumber(v)}`);
  return `eval step ${step}  epoch ${epoch + 1}: ${parts.join('  ')}`;
}
