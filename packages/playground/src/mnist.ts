/**
 * A small MLP (784-hidden-10, ReLU) trained on the bundled digits with `trainStep`: the gradient
 * on one minibatch, GeN's probes on the next (a fresh batch, as the gen package advises). Each
 * step runs inside the backend's `tidy` where it has one (the gpu.js backends), and the previous
 * params and state are disposed, so memory stays flat however long the page trains.
 */
import {
  add,
  argmax,
  cast,
  equal,
  foldIn,
  getBackend,
  key,
  logSoftmax,
  matmul,
  mean,
  mul,
  neg,
  normal,
  oneHot,
  permutation,
  relu,
  split,
  sum,
  tensor,
  zeros,
  type Backend,
  type Tensor,
} from '@gen-ts/core';
import {
  adam,
  genAdam,
  genSgd,
  findGeNState,
  sgd,
  trainStep,
  type GradientTransformation,
} from '@gen-ts/gen';
import type { OptimizerId } from './descent.js';
import { DIGIT_PIXELS, type DigitSplit, type Digits } from './digits.js';
import { retire, tidyOn } from './memory.js';
import type { FloatDType } from './problems.js';

/** The MLP's parameters. */
export interface MlpParams {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}

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

/** Mean softmax cross-entropy of the MLP's logits. */
export function mlpLoss(p: MlpParams, x: Tensor, labels: Tensor): Tensor {
  const logits = mlpLogits(p, x);
  const onehot = oneHot(labels, logits.shape[1]!, logits.dtype);
  return mean(neg(sum(mul(logSoftmax(logits, -1), onehot), -1)));
}

function mlpLogits(p: MlpParams, x: Tensor): Tensor {
  return add(matmul(relu(add(matmul(x, p.w1), p.b1)), p.w2), p.b2);
}

function optimizerFor(id: OptimizerId, lr: number): GradientTransformation<unknown, any> {
  const made = { 'gen-adam': genAdam, 'gen-sgd': genSgd, adam, sgd }[id];
  return made({ lr }) as GradientTransformation<unknown, any>;
}

/** A training run in progress: `step()` trains one minibatch, `evaluate()` scores the test split. */
export class MnistSession {
  readonly records: TrainRecord[] = [];
  private readonly backend: Backend;
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
    const [k1, k2] = split(key(seed));
    const on = { dtype, backend: this.backend };
    this.params = {
      w1: mul(normal(k1!, [DIGIT_PIXELS, hidden], on), Math.sqrt(2 / DIGIT_PIXELS)),
      b1: zeros([hidden], on),
      w2: mul(normal(k2!, [hidden, 10], on), Math.sqrt(1 / hidden)),
      b2: zeros([10], on),
    };
    this.opt = optimizerFor(options.optimizer, options.lr);
    this.state = this.opt.init(this.params);
    this.stepFn = trainStep((p: MlpParams, b: Batch) => mlpLoss(p, b.x, b.y), this.opt);
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
    const gen = findGeNState(r.state);
    const [loss, lr] = await Promise.all([r.loss.item(), gen ? gen.lr.item() : this.options.lr]);
    retire([this.params, this.state, batch, probe, r.loss], [r.params, r.state]);
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
      const right = equal(argmax(mlpLogits(this.params, test.x), -1), test.y);
      return [mean(cast(right, this.options.dtype)), mlpLoss(this.params, test.x, test.y)];
    });
    const [accuracy, l] = await Promise.all([hits.item(), loss.item()]);
    retire([test, hits, loss], []);
    return { accuracy, loss: l };
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
