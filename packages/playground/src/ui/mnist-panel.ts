/**
 * Part (b): the MLP trained in the page on the bundled digits, with the minibatch loss, the test
 * accuracy and the learning rate drawn as they come. Training runs one step per action, so the
 * page stays responsive and other actions interleave.
 */
import { OPTIMIZERS, type OptimizerId } from '../optimizers.js';
import { decodeDigits, type Digits } from '../digits.js';
import { MnistSession } from '../mnist.js';
import type { FloatDType } from '../problems.js';
import { LineChart, type Series } from './chart.js';
import { $, fill, num, type Busy } from './dom.js';

/** Test accuracy is measured every this many steps. */
const EVAL_EVERY = 10;

/** The panel. */
export class MnistPanel {
  private data: Digits | null = null;
  private session: MnistSession | null = null;
  private training = false;
  private readonly evals: { t: number; accuracy: number; loss: number }[] = [];
  private readonly charts: { loss: Series; testLoss: Series; accuracy: Series; lr: Series; all: LineChart[] };

  constructor(
    private readonly busy: Busy,
    private readonly dtype: () => FloatDType,
  ) {
    fill(
      $('#mnist-optimizer'),
      OPTIMIZERS.map((o) => [o.id, o.label]),
    );
    const loss = new LineChart($('#mnist-loss'), { title: 'loss', xLabel: 'step', yLabel: 'cross-entropy' });
    const acc = new LineChart($('#mnist-accuracy'), {
      title: `test accuracy (every ${EVAL_EVERY} steps)`,
      xLabel: 'step',
      yLabel: 'accuracy',
      yRange: [0, 1],
    });
    const lr = new LineChart($('#mnist-lr'), {
      title: 'learning rate',
      xLabel: 'step',
      yLabel: 'lr',
      logY: true,
    });
    this.charts = {
      loss: loss.add('minibatch', '#2b6cb0'),
      testLoss: loss.add('test', '#d9480f'),
      accuracy: acc.add('test', '#2f9e44'),
      lr: lr.add('lr', '#7048e8'),
      all: [loss, acc, lr],
    };
    $('#mnist-step').addEventListener('click', () => void this.busy.run(() => this.steps(1)));
    $('#mnist-train').addEventListener('click', () => this.toggle());
    $('#mnist-reset').addEventListener('click', () => void this.busy.run(() => this.reset()));
    for (const id of ['#mnist-optimizer', '#mnist-lr-input', '#mnist-hidden'])
      $(id).addEventListener('change', () => void this.busy.run(() => this.reset()));
  }

  /** A fresh model on the current backend (the digits are fetched once). */
  async reset(): Promise<void> {
    this.stop();
    if (!this.data) {
      const res = await fetch(new URL('digits.bin', document.baseURI));
      if (!res.ok) throw new Error(`digits.bin: HTTP ${res.status}`);
      this.data = decodeDigits(new Uint8Array(await res.arrayBuffer()));
      $('#mnist-data').textContent =
        `${this.data.train.n} training and ${this.data.test.n} test digits (bundled subset of MNIST)`;
    }
    this.session = new MnistSession(this.data, {
      optimizer: $<HTMLSelectElement>('#mnist-optimizer').value as OptimizerId,
      lr: num('#mnist-lr-input', 'learning rate', { min: 1e-8, max: 10 }),
      hidden: num('#mnist-hidden', 'hidden units', { min: 1, max: 1024, integer: true }),
      batch: 64,
      seed: 0,
      dtype: this.dtype(),
    });
    this.evals.length = 0;
    for (const c of this.charts.all) c.clear();
    await this.evaluate();
    this.report();
  }

  /** Trains `n` steps. */
  async steps(n: number): Promise<void> {
    if (!this.session) await this.reset();
    const s = this.session!;
    for (let i = 0; i < n; i++) {
      const r = await s.step();
      this.charts.loss.points.push([r.t + 1, r.loss]);
      this.charts.lr.points.push([r.t + 1, r.lr]);
      if ((r.t + 1) % EVAL_EVERY === 0) await this.evaluate();
    }
    this.report();
  }

  /** Stops continuous training (when switching backends, say). */
  stop(): void {
    this.training = false;
    $('#mnist-train').textContent = 'Train';
  }

  private toggle(): void {
    if (this.training) return this.stop();
    this.training = true;
    $('#mnist-train').textContent = 'Pause';
    const tick = (): void => {
      if (!this.training) return;
      void this.busy.run(() => this.steps(1)).then(() => setTimeout(tick, 0));
    };
    tick();
  }

  private async evaluate(): Promise<void> {
    const s = this.session!;
    const e = await s.evaluate();
    const t = s.records.length;
    this.evals.push({ t, ...e });
    this.charts.accuracy.points.push([t, e.accuracy]);
    this.charts.testLoss.points.push([t, e.loss]);
  }

  private report(): void {
    for (const c of this.charts.all) c.draw();
    const recs = this.session?.records ?? [];
    const out = $('#mnist-readout');
    out.dataset['records'] = JSON.stringify({ train: recs, evals: this.evals });
    const last = recs[recs.length - 1];
    const ev = this.evals[this.evals.length - 1];
    out.textContent =
      (last
        ? `step ${last.t + 1}: loss ${last.loss.toFixed(4)}, lr ${last.lr.toPrecision(3)}`
        : 'not trained yet') +
      (ev ? `; test accuracy ${(100 * ev.accuracy).toFixed(1)}% at step ${ev.t}` : '');
  }
}
