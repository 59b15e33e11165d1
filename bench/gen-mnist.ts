/**
 * GeN on MNIST: a small-scale reproduction of the paper's claim (docs/gen.md, check 8). A 784-64-10
 * ReLU MLP with softmax cross-entropy, float32 on the cpu backend, is trained for the same number of
 * epochs, on the same batches from the same initialisation, by
 *
 * - GeN-SGD and GeN-Adam without tuning, from eta_0 = 1e-3: the authors' rule (the library's
 *   defaults: phi = 4, gamma = 0.9) probing a fresh batch (the next one of the loader), and the
 *   recommended configuration (`preset: 'auto'` with the run's steps as its horizon: the lagged
 *   fit on the next step's own batch, a warm-up, the cosine horizon);
 * - constant-LR SGD and Adam over small grids, and a cosine schedule at each grid's best LR
 *   ("best" = lowest final training loss: the grid is tuned on training data, not on the test set).
 *
 * It prints final training loss, test accuracy, wall time, GeN's speed relative to its base
 * optimizer (against the cost model 3 / (3 + evals / phi)) and GeN's learning-rate trace, whose
 * rise from eta_0 is the self-warm-up.
 *
 * Run: npx tsx bench/gen-mnist.ts [--epochs 8] [--train 8000] [--test 2000] [--batch 128] [--phi 4]
 *      [--gen-lr 1e-3] [--gen-options '{"clipRatio":4}'] [--sgd-lrs 0.1,0.3,1] [--adam-lrs 1e-3,3e-3,1e-2] [--probe fresh,auto,own,own-slope] [--no-cosine]
 */
import { pathToFileURL } from 'node:url';
import {
  add,
  argmax,
  equal,
  foldIn,
  key,
  logSoftmax,
  matmul,
  mean,
  neg,
  normal,
  permutation,
  relu,
  reshape,
  split,
  take,
  tensor,
  zeros,
  cast,
  type PRNGKey,
  type Tensor,
} from '@gen-ts/core';
import {
  adam,
  cosineDecaySchedule,
  findGeNState,
  GEN_AUTO,
  GEN_DEFAULTS,
  genAdam,
  genSgd,
  sgd,
  trainStep,
  type GeNOptions,
  type GradientTransformation,
} from '@gen-ts/gen';
import { loadMnist, MNIST_CLASSES, MNIST_PIXELS, type MnistSplit as NnMnistSplit } from '@gen-ts/nn';

/** A split with its labels on the host too (gather indices are built without reading back). */
type MnistSplit = NnMnistSplit & { readonly labels: Int32Array };
const withLabels = (s: NnMnistSplit): MnistSplit => ({ ...s, labels: s.y.dataSync() as Int32Array });

/** The data GeN probes, and how (see `DemoOptions.probes`). */
export type Probe = 'fresh' | 'own' | 'own-slope' | 'auto';

/**
 * GeN's options for a probe choice: `'own-slope'` takes the slope from the gradient, with one probe;
 * `'auto'` is the recommended configuration for `T` steps (its own phi).
 */
const genFor = (phi: number, probe: Probe, T: number): GeNOptions =>
  probe === 'auto'
    ? { preset: 'auto', horizon: T }
    : { phi, ...(probe === 'own-slope' ? { slope: 'gradient' as const, factors: [0, 1] } : {}) };

/** Options of the demo (every field has a default in `DEFAULTS`). */
export interface DemoOptions {
  /** Training images (train + test at most 10,000). */
  train: number;
  /** Test images. */
  test: number;
  /** Epochs, equal for every method. */
  epochs: number;
  /** Minibatch size (the last partial batch of an epoch is dropped). */
  batch: number;
  /** Hidden units of the MLP. */
  hidden: number;
  /** Seed of the data split, the initialisation and the batch order. */
  seed: number;
  /** Constant learning rates of the SGD grid. */
  sgdLrs: readonly number[];
  /** Constant learning rates of the Adam grid. */
  adamLrs: readonly number[];
  /** GeN's initial learning rate `eta_0` (both GeN runs). */
  genLr: number;
  /**
   * More GeN options for both GeN runs (default none: the authors' rule), e.g. a faster warm-up
   * `{ clipRatio: 4 }`. `lr`, `phi`, `slope` and `factors` come from the fields above.
   */
  genOptions: GeNOptions;
  /** GeN's lazy frequency; one GeN-SGD and one GeN-Adam run per entry (and per `probes` entry). */
  phis: readonly number[];
  /**
   * The data GeN probes: `'fresh'`, the next batch of the loader (the default, docs/gen.md), `'own'`,
   * the gradient's own batch (the paper's; it can run away), or `'own-slope'`, the own batch with
   * the slope from the gradient and one probe (`slope: 'gradient', factors: [0, 1]`: one forward
   * per probe step), or `'auto'`, the recommended configuration (`preset: 'auto'`, the run's steps as
   * its horizon; it sets its own phi, so one run whatever `phis`). One run per entry.
   */
  probes: readonly Probe[];
  /** Also run a cosine schedule at each grid's best learning rate. */
  cosine: boolean;
  /** Steps of the interleaved speed measurement (GeN vs its base, step by step; 0 = skip). */
  speedSteps: number;
  /** Progress lines (one per finished run); silent when absent. */
  log?: (line: string) => void;
}

/** The defaults: 10 runs of 496 steps, about 2 minutes on one core of an idle CPU. */
export const DEFAULTS: DemoOptions = {
  train: 8000,
  test: 2000,
  epochs: 8,
  batch: 128,
  hidden: 64,
  seed: 0,
  sgdLrs: [0.1, 0.3, 1],
  adamLrs: [1e-3, 3e-3, 1e-2],
  genLr: GEN_DEFAULTS.lr,
  genOptions: {},
  phis: [GEN_DEFAULTS.phi],
  probes: ['fresh', 'auto'],
  cosine: true,
  speedSteps: 160,
};

/** The result of one training run. */
export interface MethodResult {
  /** Display name, e.g. `GeN-SGD` or `SGD lr=0.1`. */
  readonly name: string;
  /** Base optimizer. */
  readonly family: 'SGD' | 'Adam';
  /** How the learning rate is set. */
  readonly kind: 'GeN' | 'constant' | 'cosine';
  /** The constant / peak learning rate, or GeN's `eta_0`. */
  readonly lr: number;
  /** GeN's lazy frequency (GeN runs only). */
  readonly phi?: number;
  /** The data GeN probed (GeN runs only). */
  readonly probe?: Probe;
  /** Training loss on the whole training set, at the start and at the end. */
  readonly trainLoss: readonly [number, number];
  /** Mean minibatch loss of each epoch (free: `trainStep` returns it). */
  readonly epochLoss: readonly number[];
  /** Test accuracy after each epoch. */
  readonly testAcc: readonly number[];
  /** Training steps taken. */
  readonly steps: number;
  /** Wall time of the training steps in seconds (evaluation excluded). */
  readonly seconds: number;
  /** The learning rate after each step (GeN runs only). */
  readonly lrTrace?: readonly number[];
  /** Probe steps and how many of their fits were accepted (GeN runs only). */
  readonly probes?: { readonly total: number; readonly accepted: number };
  /** Step of GeN's last fit (`state.fit.step`; -1 if it never probed). */
  readonly fitStep?: number;
}

/** GeN's cost: its steps and its base optimizer's, timed alternately on the same batches. */
export interface SpeedResult {
  /** Base optimizer. */
  readonly family: 'SGD' | 'Adam';
  /** GeN's lazy frequency. */
  readonly phi: number;
  /** Mean milliseconds per step of the base optimizer (constant LR). */
  readonly baseMs: number;
  /** Mean milliseconds per step of GeN on that base. */
  readonly genMs: number;
  /** Loss evaluations (forward passes) per probe step. */
  readonly evals: number;
}

/** Everything the demo measured. */
export interface DemoResult {
  /** The options used. */
  readonly options: Omit<DemoOptions, 'log'>;
  /** Runs in the order they were made. */
  readonly methods: readonly MethodResult[];
  /** Best constant learning rate of each grid (by final training loss). */
  readonly best: { readonly SGD: number; readonly Adam: number };
  /** Speed of GeN relative to its base optimizer, per family and `phi` (empty if `speedSteps` is 0). */
  readonly speed: readonly SpeedResult[];
}

/** MLP parameters. */
export interface Params {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}

/** A minibatch: images and, for the loss, the flat indices `i * 10 + label_i` into the logits. */
interface Batch {
  x: Tensor;
  pick: Tensor;
}

/** He-normal weights, zero biases. */
export function initMlp(k: PRNGKey, hidden: number): Params {
  const [k1, k2] = split(k, 2);
  return {
    w1: normal(k1!, [MNIST_PIXELS, hidden], { stddev: Math.sqrt(2 / MNIST_PIXELS) }),
    b1: zeros([hidden]),
    w2: normal(k2!, [hidden, MNIST_CLASSES], { stddev: Math.sqrt(2 / hidden) }),
    b2: zeros([MNIST_CLASSES]),
  };
}

/** Logits `[n, 10]`. */
export function mlp(p: Params, x: Tensor): Tensor {
  return add(matmul(relu(add(matmul(x, p.w1), p.b1)), p.w2), p.b2);
}

/** Mean softmax cross-entropy: `-mean_i log softmax(logits_i)[label_i]`, the picks by one `take`. */
function loss(p: Params, b: Batch): Tensor {
  return neg(mean(take(reshape(logSoftmax(mlp(p, b.x)), [-1]), b.pick)));
}

function pickIndices(labels: ArrayLike<number>, rows: ArrayLike<number> | null, n: number): Tensor {
  const pick = new Int32Array(n);
  for (let i = 0; i < n; i++) pick[i] = i * MNIST_CLASSES + labels[rows === null ? i : rows[i]!]!;
  return tensor(pick, { dtype: 'int32' });
}

/** The epoch's batches, in an order drawn from `k`. */
function epochBatches(k: PRNGKey, data: MnistSplit, size: number): Batch[] {
  const n = data.labels.length;
  const order = permutation(k, n).dataSync() as Int32Array;
  const out: Batch[] = [];
  for (let s = 0; s + size <= n; s += size) {
    const rows = order.subarray(s, s + size);
    out.push({
      x: take(data.x, tensor(rows, { dtype: 'int32' })),
      pick: pickIndices(data.labels, rows, size),
    });
  }
  return out;
}

interface Method {
  name: string;
  family: 'SGD' | 'Adam';
  kind: 'GeN' | 'constant' | 'cosine';
  lr: number;
  phi?: number;
  probe?: Probe;
  make: (totalSteps: number) => GradientTransformation<any, any>;
}

function checkOptions(o: DemoOptions): void {
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`gen-mnist: option ${name} must be an integer >= ${min}, got ${v}`);
  };
  int('train', o.train, 1);
  int('test', o.test, 1);
  int('epochs', o.epochs, 1);
  int('batch', o.batch, 1);
  int('hidden', o.hidden, 1);
  if (o.batch > o.train) throw new RangeError(`gen-mnist: option batch ${o.batch} exceeds train ${o.train}`);
  for (const [name, lrs] of [
    ['sgdLrs', o.sgdLrs],
    ['adamLrs', o.adamLrs],
  ] as const) {
    if (lrs.length === 0 || !lrs.every((v) => v > 0 && Number.isFinite(v)))
      throw new RangeError(`gen-mnist: option ${name} must be a non-empty list of positive numbers`);
  }
  int('speedSteps', o.speedSteps, 0);
  if (o.phis.length === 0) throw new RangeError('gen-mnist: option phis must not be empty');
  if (o.probes.length === 0 || !o.probes.every((p) => ['fresh', 'own', 'own-slope', 'auto'].includes(p)))
    throw new RangeError(
      `gen-mnist: option probes must list 'fresh', 'auto', 'own' and/or 'own-slope', got [${o.probes.join(', ')}]`,
    );
  o.phis.forEach((p) => int('phis[]', p, 1));
}

/** Trains the MLP with every method (same init, same batches) and returns what was measured. */
export function run(options: Partial<DemoOptions> = {}): DemoResult {
  const o: DemoOptions = { ...DEFAULTS, ...options };
  checkOptions(o);
  const log = o.log ?? (() => {});
  const loaded = loadMnist({ train: o.train, test: o.test, seed: o.seed });
  const data = { train: withLabels(loaded.train), test: withLabels(loaded.test) };
  const [kInit, kData] = split(key(o.seed + 1), 2);
  const params0 = initMlp(kInit!, o.hidden);
  const fullTrain: Batch = { x: data.train.x, pick: pickIndices(data.train.labels, null, o.train) };
  const accuracy = (p: Params): number => {
    const predicted = argmax(mlp(p, data.test.x), -1);
    return mean(cast(equal(predicted, data.test.y), 'float32')).itemSync();
  };
  const initLoss = loss(params0, fullTrain).itemSync();
  const perEpoch = Math.floor(o.train / o.batch);
  const totalSteps = perEpoch * o.epochs;

  const train = (m: Method): MethodResult => {
    const opt = m.make(totalSteps);
    const gen = m.kind === 'GeN';
    const fresh = gen && m.probe === 'fresh';
    const step = trainStep(loss, opt, { probe: fresh || !gen ? 'fresh' : 'own' });
    let params = params0;
    let state = opt.init(params);
    const epochLoss: number[] = [];
    const testAcc: number[] = [];
    const lrTrace: number[] = [];
    let probes = 0;
    let accepted = 0;
    let seconds = 0;
    for (let e = 0; e < o.epochs; e++) {
      const batches = epochBatches(foldIn(kData!, e), data.train, o.batch);
      const t0 = performance.now();
      let sum = 0;
      for (let b = 0; b < batches.length; b++) {
        // 'fresh': GeN probes the next batch of the loader, data its gradient did not see
        const probeBatch = fresh ? batches[(b + 1) % batches.length] : undefined;
        const out = step(params, state, batches[b]!, probeBatch);
        ({ params, state } = out);
        sum += out.loss.itemSync();
        if (gen) {
          const g = findGeNState(state)!;
          lrTrace.push(g.lr.itemSync());
          if (g.fit.step === g.count - 1) {
            probes++;
            if (g.fit.accepted.itemSync()) accepted++;
          }
        }
      }
      seconds += (performance.now() - t0) / 1000;
      epochLoss.push(sum / batches.length);
      testAcc.push(accuracy(params));
    }
    const result: MethodResult = {
      name: m.name,
      family: m.family,
      kind: m.kind,
      lr: m.lr,
      trainLoss: [initLoss, loss(params, fullTrain).itemSync()],
      epochLoss,
      testAcc,
      steps: totalSteps,
      seconds,
      ...(gen
        ? {
            phi: m.phi,
            probe: m.probe,
            lrTrace,
            probes: { total: probes, accepted },
            fitStep: findGeNState(state)!.fit.step,
          }
        : {}),
    };
    log(
      `  ${m.name.padEnd(22)} loss ${fmtLoss(result.trainLoss[1])}  test acc ${pct(testAcc.at(-1)!)}  ${seconds.toFixed(1)} s`,
    );
    return result;
  };

  // JIT warm-up, so that the first timed run is not charged for compilation
  const warm = epochBatches(foldIn(kData!, -1), data.train, o.batch).slice(0, 8);
  for (const opt of [
    sgd({ lr: 0.01 }),
    genSgd({ lr: o.genLr }),
    adam({ lr: 1e-3 }),
    genAdam({ lr: o.genLr }),
  ]) {
    const step = trainStep(loss, opt);
    let params = params0;
    let state = opt.init(params);
    warm.forEach((b, i) => ({ params, state } = step(params, state, b, warm[(i + 1) % warm.length])));
  }

  const methods: MethodResult[] = [];
  const best = { SGD: NaN, Adam: NaN };
  const families = [
    {
      family: 'SGD' as const,
      lrs: o.sgdLrs,
      constant: (lr: number) => sgd({ lr }),
      cosine: (lr: number, T: number) => sgd({ lr: cosineDecaySchedule(lr, T) }),
      gen: (phi: number, probe: Probe = 'fresh', T = totalSteps) =>
        genSgd({ ...o.genOptions, lr: o.genLr, ...genFor(phi, probe, T) }),
    },
    {
      family: 'Adam' as const,
      lrs: o.adamLrs,
      constant: (lr: number) => adam({ lr }),
      cosine: (lr: number, T: number) => adam({ lr: cosineDecaySchedule(lr, T) }),
      gen: (phi: number, probe: Probe = 'fresh', T = totalSteps) =>
        genAdam({ ...o.genOptions, lr: o.genLr, ...genFor(phi, probe, T) }),
    },
  ];
  for (const f of families) {
    for (const phi of o.phis) {
      for (const probe of o.probes) {
        if (probe === 'auto' && phi !== o.phis[0]) continue; // auto sets its own phi
        const own = { fresh: '', own: 'own batch', 'own-slope': 'own batch, gradient slope', auto: 'auto' }[
          probe
        ];
        const tags = [o.phis.length > 1 && probe !== 'auto' ? `phi=${phi}` : '', own];
        const tag = tags.filter((x) => x !== '').join(', ');
        const name = `GeN-${f.family}${tag === '' ? '' : ` (${tag})`}`;
        const make = (T: number) => f.gen(phi, probe, T);
        const usedPhi = probe === 'auto' ? GEN_AUTO.phi! : phi;
        methods.push(train({ name, family: f.family, kind: 'GeN', lr: o.genLr, phi: usedPhi, probe, make }));
      }
    }
    const grid = f.lrs.map((lr) =>
      train({
        name: `${f.family} lr=${lr}`,
        family: f.family,
        kind: 'constant',
        lr,
        make: () => f.constant(lr),
      }),
    );
    methods.push(...grid);
    const top = grid.reduce((a, r) => (finalLoss(r) < finalLoss(a) ? r : a));
    best[f.family] = top.lr;
    if (o.cosine) {
      methods.push(
        train({
          name: `${f.family} cosine lr=${top.lr}`,
          family: f.family,
          kind: 'cosine',
          lr: top.lr,
          make: (T) => f.cosine(top.lr, T),
        }),
      );
    }
  }
  const speed: SpeedResult[] = [];
  if (o.speedSteps > 0) {
    const batches = epochBatches(foldIn(kData!, -2), data.train, o.batch);
    for (const f of families) {
      for (const phi of o.phis) {
        const s = measureSpeed(f.constant(best[f.family]), f.gen(phi), batches, params0, o.speedSteps);
        speed.push({ family: f.family, phi, ...s });
        log(`  speed GeN-${f.family} (phi=${phi}) vs ${f.family}: ${(s.baseMs / s.genMs).toFixed(2)}`);
      }
    }
  }
  const { log: _log, ...used } = o;
  return { options: used, methods, best, speed };
}

/**
 * Times `steps` steps of `base` and of `gen`, alternating one step of each on the same batch (GeN
 * probing the next one), so that a load change on the machine hits both alike.
 */
function measureSpeed(
  base: GradientTransformation<any, any>,
  gen: GradientTransformation<any, any>,
  batches: readonly Batch[],
  params0: Params,
  steps: number,
): { baseMs: number; genMs: number; evals: number } {
  const stepBase = trainStep(loss, base);
  const stepGen = trainStep(loss, gen);
  let pb = params0;
  let pg = params0;
  let sb = base.init(pb);
  let sg = gen.init(pg);
  let tb = 0;
  let tg = 0;
  for (let i = 0; i < steps; i++) {
    const b = batches[i % batches.length]!;
    let t = performance.now();
    ({ params: pb, state: sb } = stepBase(pb, sb, b));
    tb += performance.now() - t;
    t = performance.now();
    ({ params: pg, state: sg } = stepGen(pg, sg, b, batches[(i + 1) % batches.length]));
    tg += performance.now() - t;
  }
  return { baseMs: tb / steps, genMs: tg / steps, evals: findGeNState(sg)!.fit.evals };
}

/** Final training loss, with a diverged (NaN) run ranked last. */
function finalLoss(r: MethodResult): number {
  const v = r.trainLoss[1];
  return Number.isNaN(v) ? Infinity : v;
}

const fmtLoss = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : String(v));
const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

/** A log-scale sparkline of `values` squeezed to `width` columns (each the mean of its bucket). */
export function sparkline(values: readonly number[], width = 60): string {
  const bars = '▁▂▃▄▅▆▇█';
  const cols = Math.min(width, values.length);
  const pts: number[] = [];
  for (let c = 0; c < cols; c++) {
    const lo = Math.floor((c * values.length) / cols);
    const hi = Math.max(lo + 1, Math.floor(((c + 1) * values.length) / cols));
    let s = 0;
    for (let i = lo; i < hi; i++) s += Math.log10(values[i]!);
    pts.push(s / (hi - lo));
  }
  const min = Math.min(...pts);
  const span = Math.max(...pts) - min || 1;
  return pts.map((v) => bars[Math.round(((v - min) / span) * (bars.length - 1))]).join('');
}

/** The report printed by `main`. */
export function report(r: DemoResult): string {
  const o = r.options;
  const lines: string[] = [];
  const perStep = (m: MethodResult) => m.seconds / m.steps;
  const speedOf = (m: MethodResult) =>
    m.probe === 'fresh' ? r.speed.find((s) => s.family === m.family && s.phi === m.phi) : undefined;
  lines.push(
    `MNIST MLP ${MNIST_PIXELS}-${o.hidden}-${MNIST_CLASSES} (ReLU, softmax cross-entropy), float32, cpu backend`,
    `${o.train} train / ${o.test} test digits, batch ${o.batch}, ${o.epochs} epochs ` +
      `(${r.methods[0]!.steps} steps) per method, same init and batches; seed ${o.seed}`,
    `GeN untuned: eta_0 = ${o.genLr}, gamma ${o.genOptions.gamma ?? GEN_DEFAULTS.gamma}, ` +
      `clip ratio ${o.genOptions.clipRatio ?? GEN_DEFAULTS.clipRatio}, ` +
      `factors [${GEN_DEFAULTS.factors.join(', ')}], probes on the next batch unless marked; ` +
      `grids tuned by final training loss` +
      (Object.keys(o.genOptions).length > 0 ? `\nGeN options: ${JSON.stringify(o.genOptions)}` : ''),
    '',
  );
  const head = ['method', 'train loss', 'test acc', 'time (s)', 'ms/step', 'GeN speed vs base'];
  const rows = r.methods.map((m) => {
    const tag = m.kind === 'constant' && r.best[m.family] === m.lr ? ' *' : '';
    const sp = m.kind === 'GeN' ? speedOf(m) : undefined;
    const speed = sp === undefined ? '' : (sp.baseMs / sp.genMs).toFixed(2);
    return [
      m.name + tag,
      fmtLoss(m.trainLoss[1]),
      pct(m.testAcc.at(-1)!),
      m.seconds.toFixed(1),
      (1000 * perStep(m)).toFixed(1),
      speed,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmtRow = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  lines.push(fmtRow(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmtRow));
  lines.push(
    `* best constant LR of its grid (initial training loss ${fmtLoss(r.methods[0]!.trainLoss[0]!)})`,
    '',
  );
  for (const m of r.methods.filter((x) => x.kind === 'GeN')) {
    const trace = m.lrTrace!;
    const at = (frac: number) => trace[Math.min(trace.length - 1, Math.round(frac * (trace.length - 1)))]!;
    lines.push(
      `${m.name} learning rate (log scale, ${trace.length} steps, fits accepted ${m.probes!.accepted}/${m.probes!.total}):`,
      `  ${sparkline(trace)}`,
      `  eta_0 ${o.genLr}  ->  ${[0.1, 0.25, 0.5, 0.75, 1].map((f) => `${Math.round(f * 100)}%: ${at(f).toPrecision(3)}`).join('  ')}`,
    );
  }
  if (r.speed.length > 0) lines.push('');
  for (const s of r.speed) {
    // a backward pass ~ 2 forward passes, so a step ~ 3; GeN adds `evals` forwards every phi steps
    lines.push(
      `speed GeN-${s.family} (phi=${s.phi}) vs ${s.family}, ${o.speedSteps} alternating steps: ` +
        `${s.genMs.toFixed(1)} vs ${s.baseMs.toFixed(1)} ms/step = ${(s.baseMs / s.genMs).toFixed(2)}; ` +
        `cost model 3/(3 + ${s.evals}/phi) = ${(3 / (3 + s.evals / s.phi)).toFixed(2)} ` +
        `(${s.evals} forwards per probe: the probe batch's own loss and 2 probes; ` +
        `the paper's model 3/(3 + 2/phi) = ${(3 / (3 + 2 / s.phi)).toFixed(2)})`,
    );
  }
  return lines.join('\n');
}

/** What `--help` prints (and a bad flag, after saying what was wrong). */
export const USAGE = `Usage: npx tsx bench/gen-mnist.ts [flags]

Trains a 784-64-10 MLP on MNIST with untuned GeN-SGD and GeN-Adam next to grid-tuned constant and
cosine learning rates, and prints loss, test accuracy, speed and GeN's learning-rate trace.

  --epochs N          epochs for every method (default ${DEFAULTS.epochs})
  --train N           training images (default ${DEFAULTS.train}; train + test at most 10000)
  --test N            test images (default ${DEFAULTS.test})
  --batch N           minibatch size (default ${DEFAULTS.batch})
  --hidden N          hidden units (default ${DEFAULTS.hidden})
  --seed N            seed of the split, initialisation and batch order (default ${DEFAULTS.seed})
  --phi A,B,...       GeN's probe intervals (default ${DEFAULTS.phis.join(',')})
  --gen-lr X          GeN's initial learning rate (default ${DEFAULTS.genLr})
  --gen-options JSON  more GeN options, e.g. '{"clipRatio":4}'
  --probe P,...       what GeN probes: fresh, own, own-slope (default ${DEFAULTS.probes.join(',')})
  --sgd-lrs A,B,...   the SGD grid (default ${DEFAULTS.sgdLrs.join(',')})
  --adam-lrs A,B,...  the Adam grid (default ${DEFAULTS.adamLrs.join(',')})
  --speed-steps N     alternating steps of the speed comparison (default ${DEFAULTS.speedSteps})
  --no-cosine         skip the cosine schedules
  -h, --help          print this and exit`;

/** The demo's flags as options, or `'help'`; a bad flag or value throws naming it. */
export function parseArgs(argv: readonly string[]): Partial<DemoOptions> | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const out: Partial<DemoOptions> = {};
  const num = (flag: string, v: string): number => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x))
      throw new Error(`gen-mnist: ${flag} needs a number, got '${v}'`);
    return x;
  };
  const list = (flag: string, v: string) => v.split(',').map((e) => num(flag, e));
  const json = (flag: string, v: string): GeNOptions => {
    try {
      return JSON.parse(v) as GeNOptions;
    } catch {
      throw new Error(`gen-mnist: ${flag} needs a JSON object, got '${v}'`);
    }
  };
  const setters: Record<string, (v: string) => void> = {
    '--epochs': (v) => (out.epochs = num('--epochs', v)),
    '--train': (v) => (out.train = num('--train', v)),
    '--test': (v) => (out.test = num('--test', v)),
    '--batch': (v) => (out.batch = num('--batch', v)),
    '--hidden': (v) => (out.hidden = num('--hidden', v)),
    '--seed': (v) => (out.seed = num('--seed', v)),
    '--gen-lr': (v) => (out.genLr = num('--gen-lr', v)),
    '--gen-options': (v) => (out.genOptions = json('--gen-options', v)),
    '--phi': (v) => (out.phis = list('--phi', v)),
    '--probe': (v) => (out.probes = v.split(',') as DemoOptions['probes']),
    '--sgd-lrs': (v) => (out.sgdLrs = list('--sgd-lrs', v)),
    '--adam-lrs': (v) => (out.adamLrs = list('--adam-lrs', v)),
    '--speed-steps': (v) => (out.speedSteps = num('--speed-steps', v)),
    '--no-cosine': () => (out.cosine = false),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const set = setters[flag];
    if (set === undefined) throw new Error(`gen-mnist: unknown flag ${flag}`);
    if (flag === '--no-cosine') set('');
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`gen-mnist: flag ${flag} needs a value`);
      set(v);
    }
  }
  return out;
}

function main(): void {
  let opts: Partial<DemoOptions> | 'help';
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (opts === 'help') {
    console.log(USAGE);
    return;
  }
  console.log('training (one line per run) ...');
  const r = run({ ...opts, log: (line) => console.log(line) });
  console.log(`\n${report(r)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
