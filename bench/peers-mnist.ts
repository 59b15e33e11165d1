/**
 * The automatic-learning-rate peers against GeN and a grid-tuned cosine schedule on the demo's
 * MNIST MLP (784-64-10, ReLU, softmax cross-entropy, float32, cpu backend). Every method runs
 * untuned (its authors' defaults), over the same seeds, with the same initialisation and batches
 * per seed. The cosine schedules' peak rates are chosen on a validation split carved out of the
 * training digits (seed 0), never on the test set. Wall time is training steps only; the method
 * order rotates with the seed so a change of load on the machine spreads over the methods.
 *
 * Run: npx tsx bench/peers-mnist.ts [--train 7000] [--val 1000] [--test 2000] [--epochs 8]
 *      [--batch 128] [--seeds 0,1,2] [--only name,name] [--sgd-lrs 0.03,0.1,0.3,1]
 *      [--adam-lrs 3e-4,1e-3,3e-3,1e-2] [--json out.json]
 *    or: npx tsx bench/peers-mnist.ts --speed-only 100   (step times only, every method interleaved)
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import {
  argmax,
  cast,
  equal,
  foldIn,
  key,
  logSoftmax,
  mean,
  neg,
  permutation,
  reshape,
  slice,
  take,
  tensor,
  type PRNGKey,
  type Tensor,
} from '@gen-ts/core';
import * as G from '@gen-ts/gen';
import type { GradientTransformation } from '@gen-ts/gen';
import { loadMnist, MNIST_CLASSES, MNIST_PIXELS, type MnistSplit } from '@gen-ts/nn';
import { initMlp, mlp, type Params } from './gen-mnist.js';
import { median } from './harness.js';

interface Split {
  x: Tensor;
  labels: Int32Array;
}
interface Batch {
  x: Tensor;
  pick: Tensor;
}

const pickOf = (labels: ArrayLike<number>, rows: ArrayLike<number> | null, n: number): Tensor => {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i * MNIST_CLASSES + labels[rows === null ? i : rows[i]!]!;
  return tensor(p, { dtype: 'int32' });
};
const loss = (p: Params, b: Batch): Tensor => neg(mean(take(reshape(logSoftmax(mlp(p, b.x)), [-1]), b.pick)));
const whole = (s: Split): Batch => ({ x: s.x, pick: pickOf(s.labels, null, s.labels.length) });
const accuracy = (p: Params, s: Split): number => {
  const pred = argmax(mlp(p, s.x), 1);
  return mean(cast(equal(pred, tensor(s.labels, { dtype: 'int32' })), 'float32')).itemSync();
};

function batches(k: PRNGKey, s: Split, size: number): Batch[] {
  const n = s.labels.length;
  const order = permutation(k, n).dataSync() as Int32Array;
  const out: Batch[] = [];
  for (let i = 0; i + size <= n; i += size) {
    const rows = order.subarray(i, i + size);
    out.push({ x: take(s.x, tensor(rows, { dtype: 'int32' })), pick: pickOf(s.labels, rows, size) });
  }
  return out;
}

/** How a method is fed: GeN probes the next batch; the loss-reading rules read the gradient's own. */
type Feed = 'plain' | 'fresh-probe' | 'own-loss';
interface Method {
  name: string;
  group: 'peer' | 'GeN' | 'cosine';
  feed: Feed;
  make: (T: number, stepsPerEpoch: number) => GradientTransformation<any, any>;
  /** The step-size statistic to report at the end, read from the state. */
  stat?: (state: any) => string;
  evalAt?: (state: any, params: Params) => Params;
}

const fmt = (t: Tensor | undefined) => (t === undefined ? '' : t.itemSync().toPrecision(3));
const sfEval = (s: any, p: Params) => G.scheduleFreeEvalParams(s, p);

const PEERS: Method[] = [
  { name: 'prodigy', group: 'peer', feed: 'plain', make: () => G.prodigy(), stat: (s) => `d ${fmt(s.d)}` },
  {
    name: 'dAdaptAdam',
    group: 'peer',
    feed: 'plain',
    make: () => G.dAdaptAdam(),
    stat: (s) => `d ${fmt(s.d)}`,
  },
  {
    name: 'dAdaptSgd',
    group: 'peer',
    feed: 'plain',
    make: () => G.dAdaptSgd(),
    stat: (s) => `d ${fmt(s.d)}`,
  },
  { name: 'dog', group: 'peer', feed: 'plain', make: () => G.dog(), stat: (s) => `eta ${fmt(s.eta)}` },
  { name: 'scheduleFreeSgd', group: 'peer', feed: 'plain', make: () => G.scheduleFreeSgd(), evalAt: sfEval },
  {
    name: 'scheduleFreeAdamW',
    group: 'peer',
    feed: 'plain',
    make: () => G.scheduleFreeAdamW(),
    evalAt: sfEval,
  },
  {
    name: 'polyakSgd',
    group: 'peer',
    feed: 'own-loss',
    make: () => G.polyakSgd(),
    stat: (s) => `eta ${fmt(s.lr)}`,
  },
  {
    name: 'sgd + backtracking',
    group: 'peer',
    feed: 'own-loss',
    make: () => G.chain(G.sgd({ lr: 1 }), G.scaleByBacktrackingLinesearch({ maxBacktrackingSteps: 15 })),
    stat: (s) => `eta ${fmt(s[1].learningRate)}`,
  },
  {
    // Adam at its usual 1e-3, the rate cut 10x when an epoch's mean loss stops improving
    name: 'adam 1e-3 + plateau',
    group: 'peer',
    feed: 'own-loss',
    make: (_T, perEpoch) =>
      G.chain(G.adam({ lr: 1e-3 }), G.reduceOnPlateau({ patience: 1, accumulationSize: perEpoch })),
    stat: (s) => `scale ${fmt(s[1].scale)}`,
  },
];

const GEN: Method[] = [
  { name: 'GeN-SGD', group: 'GeN', feed: 'fresh-probe', make: () => G.genSgd(), stat: genLr },
  { name: 'GeN-Adam', group: 'GeN', feed: 'fresh-probe', make: () => G.genAdam(), stat: genLr },
  {
    name: 'GeN on prodigy',
    group: 'GeN',
    feed: 'fresh-probe',
    make: () => G.chain(G.asDirection(G.prodigy()), G.scaleByGeN({ lr: 1 })),
    stat: genLr,
  },
  {
    name: 'GeN on scheduleFreeAdamW',
    group: 'GeN',
    feed: 'fresh-probe',
    make: () => G.chain(G.asDirection(G.scheduleFreeAdamW()), G.scaleByGeN({ lr: 1 })),
    stat: genLr,
    evalAt: sfEval,
  },
];

function genLr(s: unknown): string {
  return `GeN lr ${fmt(G.findGeNState(s)?.lr)}`;
}

interface RunResult {
  method: string;
  seed: number;
  trainLoss: number;
  valLoss: number;
  testAcc: number;
  msPerStep: number;
  stat: string;
}

interface Data {
  train: Split;
  val: Split;
  test: Split;
}

function train(m: Method, d: Data, seed: number, o: Options): RunResult {
  const params0 = initMlp(key(1000 + seed), 64);
  const kData = key(2000 + seed);
  const perEpoch = Math.floor(d.train.labels.length / o.batch);
  const T = perEpoch * o.epochs;
  const opt = m.make(T, perEpoch);
  const step = G.trainStep(loss, opt, { probe: m.feed === 'own-loss' ? 'own' : 'fresh' });
  let params = params0;
  let state = opt.init(params);
  let ms = 0;
  for (let e = 0; e < o.epochs; e++) {
    const bs = batches(foldIn(kData, e), d.train, o.batch);
    const t0 = performance.now();
    for (let b = 0; b < bs.length; b++) {
      const probe = m.feed === 'fresh-probe' ? bs[(b + 1) % bs.length] : undefined;
      const out = step(params, state, bs[b]!, probe);
      ({ params, state } = out);
      out.loss.dataSync(); // finish the step inside the timed region
    }
    ms += performance.now() - t0;
  }
  const p = m.evalAt ? m.evalAt(state, params) : params;
  return {
    method: m.name,
    seed,
    trainLoss: loss(p, whole(d.train)).itemSync(),
    valLoss: loss(p, whole(d.val)).itemSync(),
    testAcc: accuracy(p, d.test),
    msPerStep: ms / T,
    stat: m.stat ? m.stat(state) : '',
  };
}

interface Options {
  train: number;
  val: number;
  test: number;
  epochs: number;
  batch: number;
  seeds: number[];
  only: string[] | null;
  sgdLrs: number[];
  adamLrs: number[];
  json: string | null;
  speedSteps: number;
}

function parse(argv: string[]): Options {
  const o: Options = {
    train: 7000,
    val: 1000,
    test: 2000,
    epochs: 8,
    batch: 128,
    seeds: [0, 1, 2],
    only: null,
    sgdLrs: [0.03, 0.1, 0.3, 1],
    adamLrs: [3e-4, 1e-3, 3e-3, 1e-2],
    json: null,
    speedSteps: 0,
  };
  const nums = (v: string) => v.split(',').map(Number);
  for (let i = 0; i < argv.length; i += 2) {
    const [f, v] = [argv[i]!, argv[i + 1]];
    if (v === undefined) throw new Error(`peers-mnist: flag ${f} needs a value`);
    if (f === '--train') o.train = Number(v);
    else if (f === '--val') o.val = Number(v);
    else if (f === '--test') o.test = Number(v);
    else if (f === '--epochs') o.epochs = Number(v);
    else if (f === '--batch') o.batch = Number(v);
    else if (f === '--seeds') o.seeds = nums(v);
    else if (f === '--only') o.only = v.split(',');
    else if (f === '--sgd-lrs') o.sgdLrs = nums(v);
    else if (f === '--adam-lrs') o.adamLrs = nums(v);
    else if (f === '--json') o.json = v;
    else if (f === '--speed-only') o.speedSteps = Number(v);
    else throw new Error(`peers-mnist: unknown flag ${f}`);
  }
  return o;
}

function split(all: Split, from: number, n: number): Split {
  return { x: slice(all.x, [from, 0], [n, MNIST_PIXELS]), labels: all.labels.slice(from, from + n) };
}

const stats = (xs: number[]) => {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(xs.length - 1, 1));
  return { m, sd, min: Math.min(...xs), max: Math.max(...xs) };
};

/**
 * Every method's step time, side by side: `steps` rounds, each timing one step of every method (in
 * an order that rotates per round) on the same batch, so a change of load hits all alike. Medians
 * of the per-step times, and their ratio to SGD's.
 */
function speed(d: Data, o: Options): void {
  const base: Method[] = [
    { name: 'sgd (constant)', group: 'cosine', feed: 'plain', make: () => G.sgd({ lr: 0.1 }) },
    { name: 'adam (constant)', group: 'cosine', feed: 'plain', make: () => G.adam({ lr: 1e-3 }) },
  ];
  const methods = [...base, ...PEERS, ...GEN];
  const bs = batches(foldIn(key(3000), 0), d.train, o.batch);
  const perEpoch = bs.length;
  const runs = methods.map((m) => {
    const opt = m.make(o.speedSteps, perEpoch);
    const params = initMlp(key(1000), 64);
    return {
      m,
      step: G.trainStep(loss, opt, { probe: m.feed === 'own-loss' ? 'own' : 'fresh' }),
      params,
      state: opt.init(params),
      ms: [] as number[],
    };
  });
  const load0 = loadavg()[0]!;
  for (let i = 0; i < o.speedSteps + 3; i++) {
    const b = bs[i % bs.length]!;
    const next = bs[(i + 1) % bs.length]!;
    for (let j = 0; j < runs.length; j++) {
      const r = runs[(i + j) % runs.length]!;
      const t0 = performance.now();
      const out = r.step(r.params, r.state, b, r.m.feed === 'fresh-probe' ? next : undefined);
      out.loss.dataSync();
      if (i >= 3) r.ms.push(performance.now() - t0); // 3 untimed warm-up rounds
      ({ params: r.params, state: r.state } = out);
    }
  }
  const sgdMs = median(runs[0]!.ms);
  console.log(
    `speed: ${o.speedSteps} interleaved rounds, batch ${o.batch}, load ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log('| method | ms/step (median) | time vs SGD |\n| --- | --- | --- |');
  for (const r of runs)
    console.log(`| ${r.m.name} | ${median(r.ms).toFixed(1)} | ${(median(r.ms) / sgdMs).toFixed(2)} |`);
}

function main(): void {
  const o = parse(process.argv.slice(2));
  const loaded = loadMnist({ train: o.train + o.val, test: o.test, seed: 0 });
  const host = (s: MnistSplit): Split => ({ x: s.x, labels: s.y.dataSync() as Int32Array });
  const mn = { train: host(loaded.train), test: host(loaded.test) };
  const d: Data = { train: split(mn.train, 0, o.train), val: split(mn.train, o.train, o.val), test: mn.test };
  if (o.speedSteps > 0) {
    speed(d, o);
    return;
  }
  const load0 = loadavg()[0]!;
  const t0 = performance.now();
  // the cosine schedules' peak rates, on the validation split of seed 0
  const cosine = (base: 'SGD' | 'Adam', lr: number): Method => ({
    name: `${base} cosine lr=${lr}`,
    group: 'cosine',
    feed: 'plain',
    make: (T) =>
      base === 'SGD'
        ? G.sgd({ lr: G.cosineDecaySchedule(lr, T) })
        : G.adam({ lr: G.cosineDecaySchedule(lr, T) }),
  });
  const chosen: Method[] = [];
  const gridLog: string[] = [];
  const wantGrid = o.only === null || o.only.some((n) => n.includes('cosine'));
  if (wantGrid) {
    for (const [base, lrs] of [
      ['SGD', o.sgdLrs],
      ['Adam', o.adamLrs],
    ] as const) {
      let best: { lr: number; val: number } | undefined;
      for (const lr of lrs) {
        const r = train(cosine(base, lr), d, 0, o);
        const val = Number.isFinite(r.valLoss) ? r.valLoss : Infinity;
        gridLog.push(`${base} cosine lr=${lr}: val loss ${r.valLoss.toFixed(4)}`);
        console.log(`  grid ${gridLog.at(-1)}`);
        if (best === undefined || val < best.val) best = { lr, val };
      }
      chosen.push(cosine(base, best!.lr));
    }
  }
  const methods = [...PEERS, ...GEN, ...chosen].filter(
    (m) => o.only === null || o.only.includes(m.name) || (m.group === 'cosine' && wantGrid),
  );
  const results: RunResult[] = [];
  o.seeds.forEach((seed, si) => {
    const order = methods.map((_, i) => methods[(i + si * 5) % methods.length]!);
    for (const m of order) {
      const r = train(m, d, seed, o);
      results.push(r);
      console.log(
        `  seed ${seed} ${m.name.padEnd(26)} loss ${r.trainLoss.toFixed(4)}  acc ${(100 * r.testAcc).toFixed(2)}%  ` +
          `${r.msPerStep.toFixed(1)} ms/step  ${r.stat}  (load ${loadavg()[0]!.toFixed(2)})`,
      );
    }
  });
  const minutes = (performance.now() - t0) / 60000;
  const lines = [
    `MNIST MLP 784-64-10, ${o.train} train / ${o.val} validation / ${o.test} test digits, batch ${o.batch}, ` +
      `${o.epochs} epochs, seeds ${o.seeds.join(',')}; ${minutes.toFixed(1)} min, load ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}`,
    ...gridLog.map((l) => `grid (seed 0, validation): ${l}`),
    '',
    '| method | test acc (mean ± sd, min-max) | train loss (mean ± sd) | ms/step (median) | last step size (seed 0) |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const m of methods) {
    const rs = results.filter((r) => r.method === m.name);
    const acc = stats(rs.map((r) => 100 * r.testAcc));
    const tl = stats(rs.map((r) => r.trainLoss));
    lines.push(
      `| ${m.name} | ${acc.m.toFixed(2)}% ± ${acc.sd.toFixed(2)} (${acc.min.toFixed(2)}-${acc.max.toFixed(2)}) | ` +
        `${tl.m.toFixed(3)} ± ${tl.sd.toFixed(3)} | ${median(rs.map((r) => r.msPerStep)).toFixed(1)} | ${rs[0]?.stat ?? ''} |`,
    );
  }
  console.log(`\n${lines.join('\n')}`);
  if (o.json !== null) writeFileSync(o.json, JSON.stringify({ options: o, results, grid: gridLog }, null, 2));
}

main();
