/**
 * `fit` callbacks: hooks called after each step (in step order; on async backends in groups, when
 * the losses are read back), after each evaluation and at the end, with a context that can stop
 * the run. The built-in ones: `earlyStopping`, `stopOnNonFinite` (on by default) and `lrLogger`
 * (the learning rate and, with GeN, its last fit).
 */
import { findGeNState } from '@gen-ts/gen';
import { formatNumber } from './progress.js';

/** One training step, as callbacks see it. */
export interface StepLog {
  /** Steps completed after this one (1-based, absolute over resumed runs). */
  readonly step: number;
  /** 0-based epoch of the step's batch. */
  readonly epoch: number;
  /** The batch's index in its epoch. */
  readonly batch: number;
  /** The loss on the batch, before the update. */
  readonly loss: number;
  /** The learning rate of the update (GeN's live rate, or `hyperparams.lr` of `injectHyperparams`); NaN when the state holds none. */
  readonly lr: number;
}

/** One evaluation on the validation data. */
export interface EvalLog {
  /** Steps completed when it ran. */
  readonly step: number;
  readonly epoch: number;
  /** `loss` and every metric, means over the validation rows. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** What a callback can see and do. */
export interface FitContext {
  /** Stops training after the current step, with a reason `fit` prints and returns. */
  stop(reason: string): void;
  /** Prints a line through `fit`'s progress output (between bar redraws). */
  log(text: string): void;
  /** The latest optimizer state (may be a few steps past the step being reported on async backends). */
  readonly optState: unknown;
  /** The latest params. */
  readonly params: unknown;
}

/** A `fit` callback; every hook is optional and may be async. */
export interface FitCallback {
  /** After each step, in step order (on async backends in groups, when the losses are read back). */
  onStepEnd?(log: StepLog, ctx: FitContext): void | Promise<void>;
  /** After each evaluation on the validation data. */
  onEvalEnd?(log: EvalLog, ctx: FitContext): void | Promise<void>;
  /** Once, when training ends (completed or stopped). */
  onTrainEnd?(ctx: FitContext): void | Promise<void>;
}

/** Options of `earlyStopping`. */
export interface EarlyStoppingOptions {
  /** The evaluation value watched: `'loss'` (default) or a metric's name. */
  monitor?: string;
  /** Whether lower (`'min'`, default for `loss`) or higher (`'max'`) is better. Default: `'min'`. */
  mode?: 'min' | 'max';
  /** Evaluations without improvement tolerated before stopping (default 0). */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
}

/**
 * Stops when the monitored evaluation value has not improved by `minDelta` for `patience`
 * evaluations.
 *
 * @example
 * ```ts
 * import { earlyStopping } from '@gen-ts/nn';
 *
 * const stop = earlyStopping({ monitor: 'accuracy', mode: 'max', patience: 2 });
 * console.log(typeof stop.onEvalEnd); // 'function': pass it in fit's callbacks
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): FitCallback {
  for (const k of Object.keys(options))
    if (!['monitor', 'mode', 'patience', 'minDelta'].includes(k))
      throw new TypeError(`earlyStopping: unknown option '${k}'`);
  const { monitor = 'loss', mode = 'min', patience = 0, minDelta = 0 } = options;
  if (typeof monitor !== 'string') throw new TypeError("earlyStopping: option 'monitor' must be a string");
  if (mode !== 'min' && mode !== 'max')
    throw new TypeError("earlyStopping: option 'mode' must be 'min' or 'max'");
  if (!Number.isSafeInteger(patience) || patience < 0)
    throw new RangeError("earlyStopping: option 'patience' must be an integer >= 0");
  if (typeof minDelta !== 'number' || !(minDelta >= 0))
    throw new RangeError("earlyStopping: option 'minDelta' must be a number >= 0");
  let best = mode === 'min' ? Infinity : -Infinity;
  let bad = 0;
  return {
    onEvalEnd: (log, ctx) => {
      const v = log.metrics[monitor];
      if (v === undefined)
        throw new Error(
          `earlyStopping: no evaluation value '${monitor}' (have ${Object.keys(log.metrics).join(', ')})`,
        );
      const better = mode === 'min' ? v < best - minDelta : v > best + minDelta;
      if (better) {
        best = v;
        bad = 0;
      } else if (++bad > patience) {
        ctx.stop(
          `early stopping: ${monitor} has not improved on ${formatNumber(best)} for ${bad} evaluation${bad > 1 ? 's' : ''}`,
        );
      }
    },
  };
}

/**
 * Stops at the first non-finite loss, naming the step and the batch (on by default in `fit`).
 *
 * @example
 * ```ts
 * import { stopOnNonFinite } from '@gen-ts/nn';
 *
 * console.log(typeof stopOnNonFinite().onStepEnd); // 'function'
 * ```
 */
export function stopOnNonFinite(): FitCallback {
  return {
    onStepEnd: (log, ctx) => {
      if (!Number.isFinite(log.loss))
        ctx.stop(
          `the loss is ${log.loss} at step ${log.step} (epoch ${log.epoch + 1}, batch ${log.batch}); lower the learning rate or check that batch's data`,
        );
    },
  };
}

/** One record of `lrLogger`. */
export interface LrRecord {
  readonly step: number;
  readonly lr: number;
  /** GeN's last fit (when the optimizer is GeN): curvature, slope, eta* = b / a, R^2, whether accepted, and the step it was made at. */
  readonly gen?: { a: number; b: number; etaStar: number; r2: number; accepted: boolean; fitStep: number };
}

/** Options of `lrLogger`. */
export interface LrLoggerOptions {
  /** Record every this many steps (default 1). GeN's fit is read back then: one small read per record. */
  every?: number;
  /** Also print each record through fit's output (default false). */
  print?: boolean;
}

/**
 * Records the learning rate and, for GeN, its last parabola fit (read from the optimizer state with
 * `findGeNState`). The records are in `logger.records`.
 *
 * @example
 * ```ts
 * import { lrLogger } from '@gen-ts/nn';
 *
 * const logger = lrLogger({ every: 10 });
 * console.log(logger.records.length); // 0 until fit runs with callbacks: [logger]
 * ```
 */
export function lrLogger(options: LrLoggerOptions = {}): FitCallback & { readonly records: LrRecord[] } {
  for (const k of Object.keys(options))
    if (k !== 'every' && k !== 'print') throw new TypeError(`lrLogger: unknown option '${k}'`);
  const every = options.every ?? 1;
  if (!Number.isSafeInteger(every) || every < 1)
    throw new RangeError("lrLogger: option 'every' must be a positive integer");
  const records: LrRecord[] = [];
  return {
    records,
    onStepEnd: async (log, ctx) => {
      if (log.step % every !== 0) return;
      const g = findGeNState(ctx.optState);
      let rec: LrRecord = { step: log.step, lr: log.lr };
      if (g) {
        const f = g.fit;
        const [a, b, etaStar, r2, accepted] = await Promise.all(
          [f.a, f.b, f.etaStar, f.r2, f.accepted].map((t) => t.item()),
        );
        rec = {
          ...rec,
          gen: { a: a!, b: b!, etaStar: etaStar!, r2: r2!, accepted: accepted !== 0, fitStep: f.step },
        };
      }
      records.push(rec);
      if (options.print) {
        const gen = rec.gen
          ? `  GeN fit at step ${rec.gen.fitStep}: eta* ${formatNumber(rec.gen.etaStar)}  a ${formatNumber(rec.gen.a)}  b ${formatNumber(rec.gen.b)}  R^2 ${formatNumber(rec.gen.r2)}  ${rec.gen.accepted ? 'accepted' : 'rejected'}`
          : '';
        ctx.log(`lr at step ${rec.step}: ${formatNumber(rec.lr)}${gen}`);
      }
    },
  };
}
