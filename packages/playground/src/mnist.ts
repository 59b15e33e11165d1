/**
 * A small MLP (784-hidden-10, ReLU; `mlp` of @gen-ts/nn, its cross-entropy and accuracy) trained
 * on the bundled digits with `trainStep`: the gradient on one minibatch, GeN's probes on the next
 * (a fresh batch, as the gen package advises). Each step runs inside the backend's `tidy` where it
 * has one (the gpu.js backends), and the previous params and state are disposed, so memory stays
 * flat however long the page trains.
 */
import {
  foldIn,
  getBackend,
  key,
  permutation,
  tensor,
  withBackend,
  type Backend,
  type Tensor,
} from '@gen-ts/core';
import {
  adam,
  dog,
  findGeNState,
  genAdam,
  genSgd,
  prodigy,
  sgd,
  trainStep,
  type GradientTransformation,
} from '@gen-ts/gen';
import { accuracy, mlp, softmaxCrossEntropy, type LinearParams } from '@gen-ts/nn';
import { DIGIT_PIXELS, type DigitSplit, type Digits } from './digits.js';
import { retire, tidyOn } from './memory.js';
import { rateIn, rateKind, type OptimizerId } from './optimizers.js';
import type { FloatDType } from './problems.js';

/** The MLP's parameters: `{ kernel, bias }` per layer. */
export type MlpParams = LinearParams[];

/** A training run's settings. */
export interface MnistOptions {
  readonly optimizer: OptimizerId;
  /** The (initial, for GeN) learning rate. */
  readonly lr: number;
  readonly hidden: number;
  readonly batch: number;
  readonly seed: number;
  readonly dtype: FloatDType;
  /** Default: the current backend. */
  readonly backend?: Backend;
}

/** One training step on the host. */
export interface TrainRecord {
  readonly t: number;
  /** The loss on the step's minibatch, before the step. */
  readonly loss: number;
  /** The learning rate after the step (GeN's current one, or the constant). */
  readonly lr: number;
}

/** The network: `hidden` ReLU units, then 10 logits (LeCun-normal kernels, zero biases). */
export function network(hidden: number, dtype: FloatDType) {
  return mlp([hidden, 10], { dtype });
}

/** Optimizer `id` as the gen package builds it (GeN with its default rule). */
function optimizerFor(id: OptimizerId, lr: number): GradientTransformation<unknown, any> {
  const made = {
    'gen-adam': () => genAdam({ lr }),
    'gen-sgd': () => genSgd({ lr }),
    adam: () => adam({ lr }),
    sgd: () => sgd({ lr }),
    prodigy: () => prodigy(),
    dog: () => dog(),
  }[id];
  return made() as GradientTransformation<unknown, any>;
}

/** A training run in progress: `step()` trains one minibatch, `evaluate()` scores the test split. */
export class MnistSession {
  readonly records: TrainRecord[] = [];
  private readonly backend: Backend;
  private readonly net: ReturnType<typeof network>;
  private readonly opt: GradientTransformation<unknown, any>;
  private readonly stepFn: ReturnType<typeof trainStep<MlpParams, Batch, unknown>>;
  private params: MlpParams;
  private state: unknown;
  private order: Int32Array | null = null;
  private epoch = -1;

  constructor(
    private readonly data: Digits,
    readonly options: MnistOptions,
  ) {
    const { hidden, dtype, seed } = options;
    if (options.batch * 2 > data.train.n)
      throw new RangeError(`MnistSession: batch ${options.batch} needs at least ${2 * options.batch} digits`);
    this.backend = options.backend ?? getBackend();
    this.net = network(hidden, dtype);
    // the initializers draw on the current backend: make it this run's
    this.params = withBackend(
      this.backend,
      () => this.net.init(key(seed), [options.batch, DIGIT_PIXELS]).params,
    );
    this.opt = optimizerFor(options.optimizer, options.lr);
    this.state = this.opt.init(this.params);
    const net = this.net;
    this.stepFn = trainStep(
      (p: MlpParams, b: Batch) => softmaxCrossEntropy(net.apply(p, b.x), b.y),
      this.opt,
    );
  }

  /** Batches per pass over the training split. */
  get batchesPerEpoch(): number {
    return Math.floor(this.data.train.n / this.options.batch);
  }

  /** Trains on minibatch `t` (probing on minibatch `t + 1`) and returns the record. */
  async step(): Promise<TrainRecord> {
    const t = this.records.length;
    const batch = await this.batch(t);
    const probe = await this.batch(t + 1);
    const r = this.tidy(() => this.stepFn(this.params, this.state, batch, probe));
    const rate = this.rate(r.state);
    const [loss, lr] = await Promise.all([r.loss.item(), rate ? rate.item() : this.options.lr]);
    retire([this.params, this.state, batch, probe, r.loss, r.applied], [r.params, r.state]);
    this.params = r.params;
    this.state = r.state;
    const rec = { t, loss, lr };
    this.records.push(rec);
    return rec;
  }

  /** Accuracy and mean loss on the test split. */
  async evaluate(): Promise<{ accuracy: number; loss: number }> {
    const test = this.upload(this.data.test, null);
    const [hits, loss] = this.tidy(() => {
      const logits = this.net.apply(this.params, test.x);
      return [accuracy(logits, test.y), softmaxCrossEntropy(logits, test.y)];
    });
    const [acc, l] = await Promise.all([hits.item(), loss.item()]);
    retire([test, hits, loss], []);
    return { accuracy: acc, loss: l };
  }

  /** The step size in `state`: GeN's rate, a peer's (see `rateIn`), or null for a constant. */
  private rate(state: unknown): Tensor | null {
    const id = this.options.optimizer;
    if (rateKind(id) === 'gen') return findGeNState(state)!.lr;
    return rateIn(id, state);
  }

  private tidy<T>(fn: () => T): T {
    return tidyOn(this.backend, fn);
  }

  /** Minibatch `t`: epochs walk the training split in an order drawn from the seed. */
  private async batch(t: number): Promise<Batch> {
    const per = this.batchesPerEpoch;
    const epoch = Math.floor(t / per);
    if (epoch !== this.epoch || this.order === null) {
      const k = foldIn(key(this.options.seed + 1), epoch);
      const perm = permutation(k, this.data.train.n, { backend: this.backend });
      this.order = (await perm.data()) as Int32Array;
      perm.dispose();
      this.epoch = epoch;
    }
    const from = (t % per) * this.options.batch;
    return this.upload(this.data.train, this.order.subarray(from, from + this.options.batch));
  }

  private upload(s: DigitSplit, rows: Int32Array | null): Batch {
    const n = rows ? rows.length : s.n;
    let x = s.x;
    let labels = s.labels;
    if (rows) {
      x = new Float32Array(n * DIGIT_PIXELS);
      labels = new Int32Array(n);
      rows.forEach((r, i) => {
        x.set(s.x.subarray(r * DIGIT_PIXELS, (r + 1) * DIGIT_PIXELS), i * DIGIT_PIXELS);
        labels[i] = s.labels[r]!;
      });
    }
    const on = { backend: this.backend };
    return {
      x: tensor(x, { ...on, dtype: this.options.dtype, shape: [n, DIGIT_PIXELS] }),
      y: tensor(labels, { ...on, dtype: 'int32' }),
    };
  }
}

interface Batch {
  x: Tensor;
  y: Tensor;
}
