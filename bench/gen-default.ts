/**
 * The study behind GeN's recommended configuration (`preset: 'auto'`): untuned GeN from every
 * initial rate against the best grid-tuned cosine schedule of the same base optimizer, at equal
 * epochs, over several seeds, on an MNIST MLP (784-H-10, ReLU, softmax cross-entropy, float32, cpu
 * backend) with a train / validation / test split. Grid choices (the cosine peak) are made on the
 * validation split; test accuracy is reported.
 *
 * Each finished run is appended to a JSON-lines file, so long sweeps can run in the background and
 * be resumed (a run already in the file is skipped); `--report` prints the tables from such files.
 *
 * Run:
 *   npx tsx bench/gen-default.ts --out runs.jsonl [--bases sgd,momentum,adam,adamw] [--epochs 5,15]
 *     [--seeds 0,1,2] [--methods paper,auto,cosine] [--eta0-sgd 1e-4,1e-3,1e-2,1e-1]
 *     [--eta0-momentum ...] [--eta0-adam 1e-5,1e-4,1e-3,1e-2] (AdamW takes Adam's)
 *     [--cosine-sgd 0.03,...] [--cosine-momentum ...] [--cosine-adam 3e-4,...]
 *     [--variant 'name|probe|{json}']... [--train 4000] [--val 1000] [--test 2000] [--hidden 64]
 *     [--batch 128] [--past 1] [--model mlp|cnn]
 *   npx tsx bench/gen-default.ts --report runs.jsonl[,more.jsonl] [--methods ...]
 *
 * A GeN method is `name|probe|options`: probe `fresh` (the next batch of the epoch), `own` (the
 * gradient's batch, `trainStep`'s `probe: 'own'`), options a JSON object of GeN options where
 * `"horizon": true` stands for the run's number of steps. Built in: `paper` (`{}`, fresh: the
 * authors' rule) and `auto` (`{ preset: 'auto', horizon }`, own). `--past k` trains `k` times the
 * planned steps with the horizon still set to the plan (the rate past the plan, and runaway).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { argmax, equal, foldIn, key, mean, permutation, take, tensor, cast, type Tensor } from '@gen-ts/core';
import {
  adam,
  adamw,
  cosineDecaySchedule,
  findGeNState,
  genAdam,
  genAdamW,
  genMomentum,
  genSgd,
  momentum,
  sgd,
  trainStep,
  type GeNOptions,
  type GradientTransformation,
} from '@gen-ts/gen';
import { loadMnist, mlp, softmaxCrossEntropy, type MnistSplit } from '@gen-ts/nn';
import { cnnModel } from '../demo/tasks/cnn.js';
import { pct, readRuns, report, type Base, type Run } from './gen-default-report.js';

type Family = 'sgd' | 'momentum' | 'adam';
type Probe = 'fresh' | 'own';

interface Args {
  out?: string;
  report?: string[];
  bases: Base[];
  epochs: number[];
  seeds: number[];
  methods: string[];
  eta0: Record<Family, number[]>;
  cosine: Record<Family, number[]>;
  variants: Map<string, { probe: Probe; options: Record<string, unknown> }>;
  train: number;
  val: number;
  test: number;
  hidden: number;
  model: 'mlp' | 'cnn';
  batch: number;
  past: number;
}

const nums = (s: string) => s.split(',').map(Number);

function parseArgs(argv: string[]): Args {
  const a: Args = {
    bases: ['sgd', 'adam'],
    epochs: [5, 15],
    seeds: [0, 1, 2],
    methods: ['paper', 'auto', 'cosine'],
    eta0: {
      sgd: [1e-4, 1e-3, 1e-2, 1e-1],
      momentum: [1e-4, 1e-3, 1e-2, 1e-1],
      adam: [1e-5, 1e-4, 1e-3, 1e-2],
    },
    cosine: {
      // wide enough that the peak chosen on validation is inside the grid at 5 and 15 epochs
      sgd: [0.03, 0.1, 0.3, 0.5, 0.7, 1, 1.5, 2, 3],
      momentum: [0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7],
      adam: [3e-4, 1e-3, 3e-3, 1e-2, 2e-2, 3e-2, 0.06, 0.1],
    },
    variants: new Map([
      ['paper', { probe: 'fresh', options: {} }],
      ['auto', { probe: 'own', options: { preset: 'auto', horizon: true } }],
    ]),
    train: 4000,
    val: 1000,
    test: 2000,
    hidden: 64,
    model: 'mlp',
    batch: 128,
    past: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[++i];
    if (v === undefined) throw new Error(`gen-default: ${k} needs a value`);
    if (k === '--out') a.out = v;
    else if (k === '--report') a.report = v.split(',');
    else if (k === '--bases') a.bases = v.split(',') as Base[];
    else if (k === '--epochs') a.epochs = nums(v);
    else if (k === '--seeds') a.seeds = nums(v);
    else if (k === '--methods') {
      a.methods = v.split(',');
      methodsGiven = true;
    } else if (k === '--eta0-sgd') a.eta0.sgd = nums(v);
    else if (k === '--eta0-adam') a.eta0.adam = nums(v);
    else if (k === '--cosine-sgd') a.cosine.sgd = nums(v);
    else if (k === '--cosine-adam') a.cosine.adam = nums(v);
    else if (k === '--cosine-momentum') a.cosine.momentum = nums(v);
    else if (k === '--eta0-momentum') a.eta0.momentum = nums(v);
    else if (k === '--variant') {
      const [name, probe, json] = v.split('|');
      if (name === undefined || (probe !== 'fresh' && probe !== 'own') || json === undefined)
        throw new Error(`gen-default: --variant wants 'name|fresh|{json}' or 'name|own|{json}', got ${v}`);
      a.variants.set(name, { probe, options: JSON.parse(json) as Record<string, unknown> });
    } else if (k === '--train') a.train = Number(v);
    else if (k === '--val') a.val = Number(v);
    else if (k === '--test') a.test = Number(v);
    else if (k === '--hidden') a.hidden = Number(v);
    else if (k === '--model') {
      if (v !== 'mlp' && v !== 'cnn') throw new Error(`gen-default: --model is mlp or cnn, got ${v}`);
      a.model = v;
    } else if (k === '--batch') a.batch = Number(v);
    else if (k === '--past') a.past = Number(v);
    else throw new Error(`gen-default: unknown argument ${k}`);
  }
  if (a.report === undefined)
    for (const m of a.methods)
      if (m !== 'cosine' && !a.variants.has(m)) throw new Error(`gen-default: unknown method ${m}`);
  return a;
}

type Params = any; // the MLP's or the CNN's params tree
interface Batch {
  x: Tensor;
  y: Tensor;
}

function batches(k: ReturnType<typeof key>, data: MnistSplit, size: number): Batch[] {
  const n = data.y.shape[0]!;
  const order = permutation(k, n).dataSync() as Int32Array;
  const out: Batch[] = [];
  for (let s = 0; s + size <= n; s += size) {
    const rows = tensor(order.subarray(s, s + size), { dtype: 'int32' });
    out.push({ x: take(data.x, rows), y: take(data.y, rows) });
  }
  return out;
}

/**
 * The model: the MLP 784-H-10 (ReLU), or the demo's small CNN on 28x28x1 images (`cnnModel`
 * at full size: conv 3x3 to 8 channels stride 2, ReLU, conv 3x3 to 16 stride 2, ReLU, 2x2 max
 * pool, dense 10; 28 -> 14 -> 7 -> 3).
 */
function model(a: Args) {
  return a.model === 'mlp' ? mlp([a.hidden, 10]) : cnnModel(8, 16);
}

/** The run's data and model sizes, part of its id. */
const sizeOf = (a: Args) =>
  `${a.train}/${a.val}/${a.test} ${a.model === 'mlp' ? `h${a.hidden}` : 'cnn 8-16'} b${a.batch}`;

function makeOptimizer(
  base: Base,
  method: string,
  lr: number,
  steps: number,
  a: Args,
): { opt: GradientTransformation<any, any>; probe?: Probe } {
  if (method === 'cosine') {
    const sched = cosineDecaySchedule(lr, steps);
    const opt =
      base === 'sgd'
        ? sgd({ lr: sched })
        : base === 'momentum'
          ? momentum({ lr: sched })
          : base === 'adam'
            ? adam({ lr: sched })
            : adamw({ lr: sched });
    return { opt };
  }
  const v = a.variants.get(method)!;
  const o = { ...v.options, lr } as Record<string, unknown>;
  if (o['horizon'] === true) o['horizon'] = steps;
  const gen = o as GeNOptions;
  const opt =
    base === 'sgd'
      ? genSgd(gen)
      : base === 'momentum'
        ? genMomentum(gen)
        : base === 'adam'
          ? genAdam(gen)
          : genAdamW(gen);
  return { opt, probe: v.probe };
}

function load(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

function runOne(
  a: Args,
  data: { train: MnistSplit; val: MnistSplit; test: MnistSplit },
  base: Base,
  method: string,
  lr: number,
  epochs: number,
  seed: number,
  id: string,
): Run {
  const net = model(a);
  const root = key(seed);
  let params = net.init(foldIn(root, 0), [a.batch, ...data.train.x.shape.slice(1)]).params as Params;
  const lossFn = (p: Params, b: Batch) => softmaxCrossEntropy(net.apply(p, b.x) as Tensor, b.y);
  const perEpoch = Math.floor(a.train / a.batch);
  const planned = epochs * perEpoch;
  const { opt, probe } = makeOptimizer(base, method, lr, planned, a);
  const step = trainStep(lossFn, opt, { probe: probe ?? 'own' });
  let state = opt.init(params);
  const evalOn = (d: MnistSplit): [number, number] => {
    const logits = net.apply(params, d.x) as Tensor;
    const l = softmaxCrossEntropy(logits, d.y).itemSync();
    const acc = mean(cast(equal(argmax(logits, -1), d.y), 'float32')).itemSync();
    return [l, acc];
  };
  const run = {
    epochLoss: [] as number[],
    valLoss: [] as number[],
    valAcc: [] as number[],
    lrEnd: [] as number[],
    accepted: [] as number[],
    fitted: [] as number[],
  };
  let lrMax = 0;
  let forwards = 0;
  let probeSteps = 0;
  let seconds = 0;
  const loads: number[] = [];
  for (let e = 0; e < epochs * a.past; e++) {
    const bs = batches(foldIn(root, e + 1), data.train, a.batch);
    let sum = 0;
    let acc = 0;
    let fitted = 0;
    const t0 = performance.now();
    for (let i = 0; i < bs.length; i++) {
      const r =
        probe === 'fresh'
          ? step(params, state, bs[i]!, bs[(i + 1) % bs.length]!)
          : step(params, state, bs[i]!);
      params = r.params;
      state = r.state;
      sum += r.loss.itemSync();
      const g = findGeNState(state);
      if (g !== undefined && g.fit.step === g.count - 1) {
        fitted++;
        probeSteps++;
        forwards += g.fit.evals;
        if (g.fit.accepted.itemSync()) acc++;
        lrMax = Math.max(lrMax, g.lr.itemSync());
      }
    }
    seconds += (performance.now() - t0) / 1000;
    loads.push(load());
    run.epochLoss.push(sum / bs.length);
    const [vl, va] = evalOn(data.val);
    run.valLoss.push(vl);
    run.valAcc.push(va);
    const g = findGeNState(state);
    if (g !== undefined) {
      run.lrEnd.push(g.lr.itemSync());
      run.accepted.push(acc);
      run.fitted.push(fitted);
    }
  }
  const isGeN = method !== 'cosine';
  return {
    id,
    base,
    method,
    lr,
    epochs,
    past: a.past,
    seed,
    size: sizeOf(a),
    epochLoss: run.epochLoss,
    valLoss: run.valLoss,
    valAcc: run.valAcc,
    testAcc: evalOn(data.test)[1],
    ...(isGeN
      ? { lrEnd: run.lrEnd, lrMax, accepted: run.accepted, fitted: run.fitted, forwards, probeSteps }
      : {}),
    steps: planned * a.past,
    seconds,
    load: loads.reduce((s, x) => s + x, 0) / loads.length,
  };
}

let methodsGiven = false;

function main(): void {
  const a = parseArgs(process.argv.slice(2));
  if (a.report !== undefined) return report(readRuns(a.report), methodsGiven ? a.methods : undefined);
  if (a.out === undefined)
    throw new Error('gen-default: give --out FILE (runs are appended) or --report FILES');
  const done = new Set(readRuns([a.out]).map((r) => r.id));
  const layout = a.model === 'cnn' ? 'NHWC' : 'flat';
  const mn = loadMnist({ train: a.train, validation: a.val, test: a.test, seed: 0, layout });
  const data = { train: mn.train, val: mn.validation!, test: mn.test };
  const size = sizeOf(a);
  for (const epochs of a.epochs)
    for (const base of a.bases)
      for (const method of a.methods) {
        const fam: Family = base === 'adamw' ? 'adam' : base;
        const lrs = method === 'cosine' ? a.cosine[fam] : a.eta0[fam];
        for (const lr of lrs)
          for (const seed of a.seeds) {
            const v = a.variants.get(method);
            const id = `${size}|${base}|${method}|${JSON.stringify(v ?? null)}|${lr}|${epochs}|${a.past}|${seed}`;
            if (done.has(id)) continue;
            const r = runOne(a, data, base, method, lr, epochs, seed, id);
            appendFileSync(a.out, JSON.stringify(r) + '\n');
            console.log(
              `${base} ${method} lr ${lr} ${epochs}ep seed ${seed}: test ${pct(r.testAcc)} val ${pct(r.valAcc.at(-1)!)} ` +
                `loss ${r.epochLoss.at(-1)!.toFixed(3)}${r.lrEnd ? ` rate ${r.lrEnd.at(-1)!.toPrecision(3)} max ${r.lrMax!.toPrecision(3)}` : ''} ` +
                `${r.seconds.toFixed(0)} s load ${r.load.toFixed(1)}`,
            );
          }
      }
}

main();
