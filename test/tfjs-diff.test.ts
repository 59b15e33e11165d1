/**
 * Differential test against an independent implementation: random compositions of ops are built
 * once as a plan (shapes, axes, op names, input values) and run three ways: gen-ts in float32,
 * @tensorflow/tfjs (cpu backend) in float32, and gen-ts in float64 as the reference. The scalar
 * loss and the gradients with respect to every float input must agree.
 *
 * Tolerance, derived rather than tuned. Float32's unit roundoff is u = 2^-24 ~ 6e-8, and what an
 * error is relative to is the magnitude of the terms a result is made of, not the result (a sum of
 * +-1 that cancels to 1e-3 carries an error of ~u, not ~1e-3 u). A float64 pass beside the reference
 * (`magLib`) computes the classical first-order componentwise bounds, in units of u: the forward
 * bound of the loss and, by differentiating a linear map built from |local derivative terms|, the
 * backward bound M_i of every gradient entry. The float32 error is at most c * u * M_i, with c
 * counting the roundings on a path: <= ~15 ops plus reductions of <= 64 terms (tfjs sums in
 * float32), so c < 200. RTOL = 1e-4 (~1700 u) covers that with margin, and the check is
 * |a - b| <= 1e-4 * (|ref| + M). M is within a small factor of |ref| unless the computation cancels,
 * so a wrong derivative (an O(1) relative error) cannot pass.
 *
 * Derivatives jump at kinks (relu at 0, maximum/minimum and max-reductions at ties). Where a kink's
 * gap is within the error bound of its operands (or is an exact tie of values that carry
 * derivatives), float32 runs may legitimately take different branches; such cases are discarded
 * (fc.pre). Exact ties of exact constants (zeros out of an earlier relu) are not kinks.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as g from '@gen-ts/core';

type Unary = 'tanh' | 'exp' | 'log' | 'logsq' | 'sigmoid' | 'relu';
type Binary = 'add' | 'sub' | 'rsub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'rpow';
type Reduce = 'sum' | 'mean' | 'max';

/** One step of a plan; `input` indexes the plan's inputs (inputs[0] is the initial state). */
type Step =
  | { kind: 'unary'; op: Unary }
  | { kind: 'binary'; op: Binary; input: number }
  | { kind: 'matmul'; side: 'right' | 'left'; input: number; batch: number[] }
  | { kind: 'reduce'; op: Reduce; axes: number[] | undefined; keepDims: boolean }
  | { kind: 'transpose'; perm: number[] }
  | { kind: 'reshape'; shape: number[] };

type Head =
  | { kind: 'weighted'; weights: Float64Array; shape: number[] }
  | { kind: 'ce'; labels: Int32Array; classes: number; gen: 'oneHot' | 'take'; tfjs: 'loss' | 'gather' };

interface Plan {
  inputs: { shape: number[]; values: Float64Array }[];
  steps: Step[];
  head: Head;
}

type StepKind = Step['kind'];

/** The random choices a plan is built from; fast-check shrinks these. */
interface Spec {
  shape: number[];
  choices: { kind: StepKind; a: number; b: number; c: number }[];
  seed: number;
  ce: boolean;
  ceGen: boolean;
  ceTfjs: boolean;
}

const MAX_SIZE = 64;
const RTOL = 1e-4;

/** mulberry32: a small seeded generator for input values (independent of gen-ts's PRNG). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[i - (n - a.length)] ?? 1;
    const db = b[i - (n - b.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`test bug: ${a} vs ${b}`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * A shape that broadcasts with `s`: each axis kept, set to 1, or (where `s` has 1) widened, some
 * leading axes dropped or one added while the rank stays <= `maxRank` (some tfjs gradients stop at
 * rank 4).
 */
function partnerShape(s: readonly number[], pick: (n: number) => number, maxRank = 4): number[] {
  let y = s.map((d) => (d === 1 ? 1 + pick(3) : pick(2) === 0 ? d : 1));
  const drop = pick(y.length + 1); // drop some leading axes, or add one
  if (drop > 0) y = y.slice(drop);
  else if (s.length < maxRank && pick(3) === 0) y = [1 + pick(3), ...y];
  if (size(broadcast(s, y)) > MAX_SIZE) y = s.map(() => 1);
  return y;
}

/** Builds a concrete plan from the random choices, tracking a bound on |values| to keep exp/pow tame. */
function buildPlan(spec: Spec): Plan {
  const r = rng(spec.seed);
  const pick = (n: number) => Math.floor(r() * n);
  const uni = (n: number, lo: number, hi: number) =>
    Float64Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * r()));
  const inputs: Plan['inputs'] = [{ shape: spec.shape, values: uni(size(spec.shape), -1, 1) }];
  const steps: Step[] = [];
  let s = spec.shape.slice();
  let bound = 1; // max |value| of the state
  let low = 0; // > 0 when the state is known to be >= low > 0
  const addInput = (shape: number[], lo: number, hi: number, signed = false): number => {
    const v = uni(size(shape), lo, hi);
    if (signed) for (let i = 0; i < v.length; i++) if (r() < 0.5) v[i] = -v[i]!;
    inputs.push({ shape, values: v });
    return inputs.length - 1;
  };
  for (const { kind, a, b, c } of spec.choices) {
    const rank = s.length;
    if (kind === 'unary') {
      const ops: Unary[] = ['tanh', 'exp', 'log', 'sigmoid', 'relu'];
      let op = ops[a % ops.length]!;
      if (bound > 8 || (op === 'exp' && bound > 3)) op = 'tanh';
      if (op === 'log' && low === 0) op = 'logsq';
      steps.push({ kind, op });
      if (op === 'tanh') [bound, low] = [1, 0];
      else if (op === 'sigmoid') [bound, low] = [1, 1 / (1 + Math.exp(bound))];
      else if (op === 'exp') [bound, low] = [Math.exp(bound), Math.exp(-bound)];
      else if (op === 'log') [bound, low] = [Math.max(Math.abs(Math.log(low)), Math.abs(Math.log(bound))), 0];
      else if (op === 'logsq') [bound, low] = [Math.log(bound * bound + 1), 0];
      else low = 0;
    } else if (kind === 'binary') {
      const ops: Binary[] = ['add', 'sub', 'rsub', 'mul', 'div', 'maximum', 'minimum', 'rpow'];
      let op = ops[a % ops.length]!;
      if (op === 'rpow' && bound > 3) op = 'mul';
      const y = partnerShape(s, pick);
      const input =
        op === 'div' ? addInput(y, 0.5, 1.5, true) : op === 'rpow' ? addInput(y, 0.5, 2) : addInput(y, -1, 1);
      steps.push({ kind, op, input });
      s = broadcast(s, y);
      if (op === 'add' || op === 'sub' || op === 'rsub') [bound, low] = [bound + 1, 0];
      else if (op === 'div') [bound, low] = [2 * bound, 0];
      else if (op === 'maximum' || op === 'minimum') [bound, low] = [Math.max(bound, 1), 0];
      else if (op === 'rpow') [bound, low] = [2 ** bound, 2 ** -bound];
      else low = 0;
    } else if (kind === 'matmul') {
      const n = 1 + (b % 3);
      if (rank <= 1) {
        // 1-d state: a row vector on the left, or a column vector on the right
        const k = s[0] ?? 1;
        if (rank === 0) {
          steps.push({ kind: 'reshape', shape: [1] });
          s = [1];
        }
        const right = a % 2 === 0;
        steps.push({
          kind,
          side: right ? 'right' : 'left',
          input: addInput(right ? [k, n] : [n, k], -1, 1),
          batch: [],
        });
        s = [n];
        bound *= k;
      } else {
        const batchS = s.slice(0, -2);
        const right = a % 2 === 0;
        const [m, k] = [s[rank - 2]!, s[rank - 1]!];
        let batchW = partnerShape(batchS, pick, 2);
        if (size(broadcast(batchS, batchW)) * n * (right ? m : k) > MAX_SIZE) batchW = [];
        const batch = broadcast(batchS, batchW);
        const wShape = right ? [...batchW, k, n] : [...batchW, n, m];
        steps.push({ kind, side: right ? 'right' : 'left', input: addInput(wShape, -1, 1), batch });
        s = right ? [...batch, m, n] : [...batch, n, k];
        bound *= right ? k : m;
      }
      low = 0;
    } else if (kind === 'reduce') {
      const op = (['sum', 'mean', 'max'] as const)[a % 3]!;
      let axes: number[] | undefined;
      if (rank > 0 && b % 4 !== 0) {
        const mask = 1 + (b % ((1 << rank) - 1));
        axes = s.map((_, i) => i).filter((i) => (mask >> i) & 1);
        if (c % 2 === 1) axes = axes.map((i) => i - rank); // negative axes too
      }
      const keepDims = c % 4 >= 2;
      steps.push({ kind, op, axes, keepDims });
      const red = axes === undefined ? s.map((_, i) => i) : axes.map((i) => (i < 0 ? i + rank : i));
      if (op === 'sum') bound *= size(red.map((i) => s[i]!));
      // sum, mean and max of values >= low stay >= low
      s = keepDims ? s.map((d, i) => (red.includes(i) ? 1 : d)) : s.filter((_, i) => !red.includes(i));
    } else if (kind === 'transpose') {
      // a permutation from the choices (Fisher-Yates driven by a, b)
      const perm = s.map((_, i) => i);
      let x = a * 7919 + b;
      for (let i = perm.length - 1; i > 0; i--) {
        const j = x % (i + 1);
        x = Math.floor(x / (i + 1)) + 13;
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      steps.push({ kind, perm });
      s = perm.map((p) => s[p]!);
    } else {
      // reshape: a random factorisation of the size into 1..4 axes
      const n = size(s);
      const newRank = 1 + (a % 4);
      const shape: number[] = [];
      let rest = n;
      for (let i = 0; i < newRank - 1; i++) {
        const divs = Array.from({ length: rest }, (_, d) => d + 1).filter((d) => rest % d === 0);
        const d = divs[(b + c * i) % divs.length]!;
        shape.push(d);
        rest /= d;
      }
      shape.push(rest);
      steps.push({ kind: 'reshape', shape });
      s = shape;
    }
  }
  let head: Head;
  if (spec.ce && s.length >= 1 && s[s.length - 1]! >= 2) {
    const classes = s[s.length - 1]!;
    const rows = size(s) / classes;
    const labels = Int32Array.from({ length: rows }, () => pick(classes));
    head = {
      kind: 'ce',
      labels,
      classes,
      gen: spec.ceGen ? 'oneHot' : 'take',
      tfjs: spec.ceTfjs ? 'loss' : 'gather',
    };
  } else {
    head = { kind: 'weighted', weights: uni(size(s), -1, 1), shape: s };
  }
  return { inputs, steps, head };
}

/** What the interpreter needs from a library. */
interface Lib<T> {
  input(i: number): T;
  unary(op: Unary, x: T): T;
  binary(op: Binary, x: T, y: T): T;
  matmul(a: T, b: T, batch: number[]): T;
  reduce(op: Reduce, x: T, axes: number[] | undefined, keepDims: boolean): T;
  transpose(x: T, perm: number[]): T;
  reshape(x: T, shape: number[]): T;
  head(x: T, h: Head): T;
}

function run<T>(plan: Plan, lib: Lib<T>): T {
  let x = lib.input(0);
  for (const st of plan.steps) {
    switch (st.kind) {
      case 'unary':
        x = lib.unary(st.op, x);
        break;
      case 'binary':
        x = lib.binary(st.op, x, lib.input(st.input));
        break;
      case 'matmul': {
        const w = lib.input(st.input);
        x = st.side === 'right' ? lib.matmul(x, w, st.batch) : lib.matmul(w, x, st.batch);
        break;
      }
      case 'reduce':
        x = lib.reduce(st.op, x, st.axes, st.keepDims);
        break;
      case 'transpose':
        x = lib.transpose(x, st.perm);
        break;
      case 'reshape':
        x = lib.reshape(x, st.shape);
        break;
    }
  }
  return lib.head(x, plan.head);
}

function genLib(inputs: g.Tensor[], dtype: 'float32' | 'float64'): Lib<g.Tensor> {
  return {
    input: (i) => inputs[i]!,
    unary(op, x) {
      switch (op) {
        case 'tanh':
          return g.tanh(x);
        case 'exp':
          return g.exp(x);
        case 'log':
          return g.log(x);
        case 'logsq':
          return g.log(g.add(g.mul(x, x), 1));
        case 'sigmoid':
          return g.sigmoid(x);
        case 'relu':
          return g.relu(x);
      }
    },
    binary(op, x, y) {
      switch (op) {
        case 'add':
          return g.add(x, y);
        case 'sub':
          return g.sub(x, y);
        case 'rsub':
          return g.sub(y, x);
        case 'mul':
          return x.mul(y);
        case 'div':
          return g.div(x, y);
        case 'maximum':
          return g.maximum(x, y);
        case 'minimum':
          return g.minimum(x, y);
        case 'rpow':
          return g.pow(y, x);
      }
    },
    matmul: (a, b) => g.matmul(a, b),
    reduce(op, x, axes, keepDims) {
      return op === 'sum'
        ? g.sum(x, axes, keepDims)
        : op === 'mean'
          ? g.mean(x, axes, keepDims)
          : g.max(x, axes, keepDims);
    },
    transpose: (x, perm) => g.transpose(x, perm),
    reshape: (x, shape) => g.reshape(x, shape),
    head(x, h) {
      if (h.kind === 'weighted') return g.sum(g.mul(x, g.tensor(h.weights, { dtype, shape: h.shape })));
      const rows = h.labels.length;
      const logp = g.logSoftmax(g.reshape(x, [rows, h.classes]));
      const labels = g.tensor(h.labels, { dtype: 'int32' });
      let picked: g.Tensor;
      if (h.gen === 'oneHot') picked = g.sum(g.mul(logp, g.oneHot(labels, h.classes, dtype)));
      else {
        const flat = Int32Array.from(h.labels, (l, i) => i * h.classes + l);
        picked = g.sum(g.take(g.reshape(logp, [-1]), g.tensor(flat, { dtype: 'int32' })));
      }
      return g.mul(picked, -1 / rows);
    },
  };
}

function tfLib(inputs: tf.Tensor[]): Lib<tf.Tensor> {
  return {
    input: (i) => inputs[i]!,
    unary(op, x) {
      switch (op) {
        case 'tanh':
          return tf.tanh(x);
        case 'exp':
          return tf.exp(x);
        case 'log':
          return tf.log(x);
        case 'logsq':
          return tf.log(tf.add(tf.square(x), 1));
        case 'sigmoid':
          return tf.sigmoid(x);
        case 'relu':
          return tf.relu(x);
      }
    },
    binary(op, x, y) {
      switch (op) {
        case 'add':
          return tf.add(x, y);
        case 'sub':
          return tf.sub(x, y);
        case 'rsub':
          return tf.sub(y, x);
        case 'mul':
          return tf.mul(x, y);
        case 'div':
          return tf.div(x, y);
        case 'maximum':
        case 'minimum': {
          // tfjs's Maximum/Minimum gradients do not sum over broadcast axes: broadcast explicitly
          const shape = broadcast(x.shape, y.shape);
          const [bx, by] = [tf.broadcastTo(x, shape), tf.broadcastTo(y, shape)];
          return op === 'maximum' ? tf.maximum(bx, by) : tf.minimum(bx, by);
        }
        case 'rpow':
          return tf.pow(y, x);
      }
    },
    matmul(a, b, batch) {
      // tfjs's matMul gradient does not sum over broadcast batch axes, so broadcast explicitly
      // (broadcastTo's gradient does the summing); 1-d operands become a row / a column.
      const va = a.rank === 1;
      const vb = b.rank === 1;
      let x = va ? tf.expandDims(a, 0) : a;
      let y = vb ? tf.expandDims(b, 1) : b;
      x = tf.broadcastTo(x, [...batch, ...x.shape.slice(-2)]);
      y = tf.broadcastTo(y, [...batch, ...y.shape.slice(-2)]);
      let out = tf.matMul(x, y);
      if (vb) out = tf.squeeze(out, [out.rank - 1]);
      if (va) out = tf.squeeze(out, [out.rank - (vb ? 1 : 2)]);
      return out;
    },
    reduce(op, x, axes, keepDims) {
      const ax = axes === undefined ? undefined : axes.map((i) => (i < 0 ? i + x.rank : i));
      return op === 'sum'
        ? tf.sum(x, ax, keepDims)
        : op === 'mean'
          ? tf.mean(x, ax, keepDims)
          : tf.max(x, ax, keepDims);
    },
    transpose: (x, perm) => tf.transpose(x, perm),
    reshape: (x, shape) => tf.reshape(x, shape),
    head(x, h) {
      if (h.kind === 'weighted') return tf.sum(tf.mul(x, tf.tensor(Float32Array.from(h.weights), h.shape)));
      const rows = h.labels.length;
      const logits = tf.reshape(x, [rows, h.classes]);
      if (h.tfjs === 'loss') {
        const onehot = tf.oneHot(tf.tensor1d(h.labels, 'int32'), h.classes);
        return tf.div(tf.losses.softmaxCrossEntropy(onehot, logits, undefined, 0, tf.Reduction.SUM), rows);
      }
      const flat = Int32Array.from(h.labels, (l, i) => i * h.classes + l);
      const picked = tf.gather(tf.reshape(tf.logSoftmax(logits), [-1]), tf.tensor1d(flat, 'int32'));
      return tf.mul(tf.sum(picked), -1 / rows);
    },
  };
}

interface Result {
  loss: number;
  grads: Float64Array[];
}

function runGen(plan: Plan, dtype: 'float32' | 'float64'): Result {
  const xs = plan.inputs.map((p) => g.tensor(p.values, { dtype, shape: p.shape }));
  const [loss, grads] = g.valueAndGrad((args: g.Tensor[]) => run(plan, genLib(args, dtype)))(xs);
  return {
    loss: (loss as g.Tensor).itemSync(),
    grads: (grads as g.Tensor[]).map((t, i) => {
      expect(t.shape).toEqual(plan.inputs[i]!.shape);
      expect(t.dtype).toBe(dtype);
      return Float64Array.from(t.dataSync());
    }),
  };
}

function runTfjs(plan: Plan): Result {
  let res: Result | undefined;
  tf.tidy(() => {
    const xs = plan.inputs.map((p) => tf.tensor(Float32Array.from(p.values), p.shape, 'float32'));
    const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => run(plan, tfLib(args)))(xs);
    res = {
      loss: value.dataSync()[0]!,
      grads: grads.map((t, i) => {
        expect(t.shape).toEqual(plan.inputs[i]!.shape);
        return Float64Array.from(t.dataSync());
      }),
    };
  });
  return res!;
}

/**
 * The error-bound pass. Alongside the float64 value `v` of every intermediate it carries `f`, the
 * first-order forward error bound in units of u (|fl(v) - v| <~ u f: the local derivative times the
 * inputs' bounds plus |v| for the final rounding), and `lin`, a linear function of the inputs whose
 * coefficients are the magnitude bounds of every local derivative *as computed*: the terms of
 * 1 - y^2 rather than its value, plus the derivative's sensitivity to the forward error of the
 * values it reads. The gradient of `lin` at the head is then the classical componentwise bound on
 * the backward pass's float32 error (in units of u); as a linear map it is differentiated exactly.
 */
interface Mag {
  v: g.Tensor;
  f: g.Tensor;
  lin: g.Tensor;
}

/** Smallest `gap / bound` seen at a kink. */
interface KinkProbe {
  worst: number;
}

/**
 * Notes the gaps at a kink against their error bounds. An exact zero with a zero bound is a constant
 * (a zero out of an earlier relu, whose derivative is zero whichever branch is taken), not a kink.
 */
function noteKink(probe: KinkProbe, gap: g.Tensor, bound: g.Tensor, value: g.Tensor): void {
  const [gv, bv] = [gap.dataSync(), bound.dataSync()];
  const vv = g.broadcastTo(value, gap.shape).dataSync();
  for (let i = 0; i < gv.length; i++) {
    if (gv[i] === 0 && bv[i] === 0 && vv[i] === 0) continue;
    probe.worst = Math.min(probe.worst, gv[i]! / bv[i]!);
  }
}

function magLib(inputs: g.Tensor[], lin: g.Tensor[], probe: KinkProbe): Lib<Mag> {
  const { abs, add, mul, div, sub, where, cast } = g;
  const num = (b: g.Tensor) => cast(b, 'float64');
  return {
    input: (i) => ({ v: inputs[i]!, f: g.zerosLike(inputs[i]!), lin: lin[i]! }), // inputs are exact in float32
    unary(op, { v, f, lin }) {
      let y: g.Tensor, F: g.Tensor, D: g.Tensor;
      switch (op) {
        case 'tanh': {
          y = g.tanh(v);
          const y2 = mul(y, y);
          F = add(mul(sub(1, y2), f), abs(y));
          D = add(add(1, y2), mul(mul(abs(y), F), 2)); // terms of 1 - y^2, and its y-sensitivity
          break;
        }
        case 'exp':
          y = g.exp(v);
          F = add(mul(y, f), y);
          D = add(y, F);
          break;
        case 'log':
          y = g.log(v);
          F = add(div(f, v), abs(y));
          D = add(div(1, v), div(f, mul(v, v)));
          break;
        case 'logsq': {
          const q = add(mul(v, v), 1);
          y = g.log(q);
          F = add(add(mul(abs(div(mul(v, 2), q)), f), y), 1); // + 1: rounding of 1 + v^2 inside the log
          D = add(1, mul(f, 2)); // |d| <= 1, |d'| <= 2
          break;
        }
        case 'sigmoid': {
          y = g.sigmoid(v);
          F = add(mul(f, 0.25), y);
          D = add(add(mul(y, add(y, 1)), 0.5), mul(f, 0.25)); // terms of s(1-s) and of (1 - tanh^2)/4
          break;
        }
        case 'relu': {
          noteKink(probe, abs(v), f, v);
          const m = num(g.greater(v, 0));
          y = g.relu(v);
          F = mul(m, f);
          D = m;
          break;
        }
      }
      return { v: y, f: F, lin: mul(lin, D) };
    },
    binary(op, a, b) {
      const [va, vb, fa, fb] = [a.v, b.v, a.f, b.f];
      switch (op) {
        case 'add':
        case 'sub':
        case 'rsub': {
          const v = op === 'add' ? add(va, vb) : op === 'sub' ? sub(va, vb) : sub(vb, va);
          return { v, f: add(add(fa, fb), abs(v)), lin: add(a.lin, b.lin) }; // + |v|: its own rounding
        }
        case 'mul': {
          const v = mul(va, vb);
          const f = add(add(mul(abs(vb), fa), mul(abs(va), fb)), abs(v));
          return { v, f, lin: add(mul(a.lin, add(abs(vb), fb)), mul(b.lin, add(abs(va), fa))) };
        }
        case 'div': {
          const v = div(va, vb);
          const b2 = mul(vb, vb);
          const f = add(add(div(fa, abs(vb)), div(mul(abs(va), fb), b2)), abs(v));
          const da = add(div(1, abs(vb)), div(fb, b2));
          const db = add(div(add(abs(va), fa), b2), div(mul(mul(abs(va), fb), 2), mul(b2, abs(vb))));
          return { v, f, lin: add(mul(a.lin, da), mul(b.lin, db)) };
        }
        case 'maximum':
        case 'minimum': {
          const gap = abs(sub(va, vb));
          noteKink(probe, gap, g.broadcastTo(add(fa, fb), gap.shape), va);
          const w = num(op === 'maximum' ? g.greater(va, vb) : g.less(va, vb));
          const bw = g.equal(w, 1);
          return {
            v: where(bw, va, vb),
            f: where(bw, fa, fb),
            lin: add(mul(a.lin, w), mul(b.lin, sub(1, w))),
          };
        }
        case 'rpow': {
          // y^s with y = b > 0 the input and s = a the state: d/ds = y^s log y, d/dy = s y^(s-1)
          const v = g.pow(vb, va);
          const ly = abs(g.log(vb));
          const rel = add(add(1, mul(ly, fa)), div(mul(abs(va), fb), vb)); // relative error of y^s
          const f = mul(abs(v), rel);
          const ds = mul(mul(abs(v), ly), add(rel, 1));
          const dy = mul(div(abs(v), vb), add(abs(va), fa));
          return { v, f, lin: add(mul(a.lin, ds), mul(b.lin, dy)) };
        }
      }
    },
    matmul(a, b) {
      const [aa, ab] = [abs(a.v), abs(b.v)];
      const f = add(add(g.matmul(aa, b.f), g.matmul(a.f, ab)), g.matmul(aa, ab));
      return {
        v: g.matmul(a.v, b.v),
        f,
        lin: add(g.matmul(a.lin, add(ab, b.f)), g.matmul(add(aa, a.f), b.lin)),
      };
    },
    reduce(op, x, axes, keepDims) {
      if (op !== 'max') {
        const r = op === 'sum' ? g.sum : g.mean;
        // every partial sum rounds: the bound is the magnitude of the terms (c counts the roundings)
        const f = r(add(x.f, abs(x.v)), axes, keepDims);
        return { v: r(x.v, axes, keepDims), f, lin: r(x.lin, axes, keepDims) };
      }
      // the winner's bound and derivative; the gap to the runner-up is the kink margin
      const top = g.max(x.v, axes, true);
      const hit = g.equal(x.v, top);
      const mask = num(hit);
      const fTop = g.max(mul(mask, x.f), axes, true);
      const second = g.max(where(hit, -Infinity, x.v), axes, true); // -Infinity when the group is one value
      const ties = g.greater(g.sum(mask, axes, true), 1); // several hits: an exact tie, a kink unless exact
      const gap = where(ties, 0, sub(top, second));
      noteKink(probe, gap, where(ties, fTop, add(fTop, g.max(where(hit, 0, x.f), axes, true))), top);
      const f = g.sum(mul(mask, x.f), axes, keepDims);
      return { v: g.max(x.v, axes, keepDims), f, lin: g.sum(mul(x.lin, mask), axes, keepDims) };
    },
    transpose: (x, perm) => ({
      v: g.transpose(x.v, perm),
      f: g.transpose(x.f, perm),
      lin: g.transpose(x.lin, perm),
    }),
    reshape: (x, shape) => ({
      v: g.reshape(x.v, shape),
      f: g.reshape(x.f, shape),
      lin: g.reshape(x.lin, shape),
    }),
    head(x, h) {
      if (h.kind === 'weighted') {
        const w = g.tensor(h.weights, { dtype: 'float64', shape: h.shape });
        // the products and partial sums round: the bound is the magnitude of the terms
        const f = g.sum(mul(add(x.f, abs(x.v)), abs(w)));
        return { v: g.sum(mul(x.v, w)), f, lin: g.sum(mul(x.lin, abs(w))) };
      }
      const rows = h.labels.length;
      const [z, fz, lz] = [x.v, x.f, x.lin].map((t) => g.reshape(t, [rows, h.classes])) as [
        g.Tensor,
        g.Tensor,
        g.Tensor,
      ];
      const oh = g.oneHot(g.tensor(h.labels, { dtype: 'int32' }), h.classes, 'float64');
      const p = g.softmax(z);
      const lse = g.logsumexp(z, -1, true);
      const pf = g.sum(mul(p, fz), -1, true); // the error lse inherits from the logits
      // loss = mean(lse - z[label]); d/dz = (p - onehot) / rows, with p's error p * (fz + pf)
      const f = g.div(g.sum(add(add(mul(oh, add(abs(z), fz)), abs(lse)), pf)), rows);
      const D = div(add(add(p, oh), mul(p, add(fz, pf))), rows);
      return { v: g.mean(g.sub(lse, g.sum(mul(z, oh), -1, true))), f, lin: g.sum(mul(lz, D)) };
    },
  };
}

/** Float64 value, forward bound, backward bounds (per input) and the worst kink margin. */
function bounds(plan: Plan): { loss: number; lossBound: number; gradBounds: Float64Array[]; worst: number } {
  const xs = plan.inputs.map((p) => g.tensor(p.values, { dtype: 'float64', shape: p.shape }));
  const probe: KinkProbe = { worst: Infinity };
  let out: Mag | null = null;
  const gradBounds = g.grad((lin: g.Tensor[]) => {
    probe.worst = Infinity;
    out = run(plan, magLib(xs, lin, probe));
    return out.lin;
  })(xs) as g.Tensor[];
  const o = out! as Mag;
  return {
    loss: o.v.itemSync(),
    lossBound: o.f.itemSync(),
    gradBounds: gradBounds.map((t) => Float64Array.from(t.dataSync())),
    worst: probe.worst,
  };
}

function close(name: string, got: ArrayLike<number>, ref: ArrayLike<number>, bound: ArrayLike<number>): void {
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i]! - ref[i]!);
    const tol = RTOL * (Math.abs(ref[i]!) + bound[i]!);
    if (!(err <= tol)) {
      throw new Error(
        `${name}[${i}]: ${got[i]} vs ${ref[i]} (|diff| ${err.toExponential(2)} > tol ${tol.toExponential(2)})`,
      );
    }
  }
}

/** Runs the plan three ways and checks loss and gradients against the derived tolerance. */
function check(plan: Plan): void {
  const b = bounds(plan);
  // a kink whose gap is within the error bound of its operands: the branch float32 takes is undetermined
  fc.pre(b.worst > RTOL);
  const ref = runGen(plan, 'float64');
  const ours = runGen(plan, 'float32');
  const theirs = runTfjs(plan);
  expect(Number.isFinite(ref.loss)).toBe(true);
  // the bound pass computes the same loss (by other formulas, e.g. logsumexp for the CE)
  expect(Math.abs(ref.loss - b.loss)).toBeLessThanOrEqual(1e-12 * (Math.abs(ref.loss) + b.lossBound));
  const lossBound = [b.lossBound];
  for (const [who, res] of [
    ['gen-ts float32', ours],
    ['tfjs', theirs],
  ] as const) {
    close(`${who} loss`, [res.loss], [ref.loss], lossBound);
    res.grads.forEach((gr, i) => close(`${who} grad of input ${i}`, gr, ref.grads[i]!, b.gradBounds[i]!));
  }
  close('gen-ts float32 vs tfjs loss', [ours.loss], [theirs.loss], lossBound);
  ours.grads.forEach((gr, i) =>
    close(`gen-ts float32 vs tfjs grad of input ${i}`, gr, theirs.grads[i]!, b.gradBounds[i]!),
  );
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });

function specArb(
  kinds: StepKind[],
  opts: { first?: StepKind; min?: number; max?: number; ce?: boolean } = {},
): fc.Arbitrary<Spec> {
  const choice = (k: fc.Arbitrary<StepKind>) =>
    fc.record({ kind: k, a: fc.nat(1000), b: fc.nat(1000), c: fc.nat(1000) });
  const rest = fc.array(choice(fc.constantFrom(...kinds)), {
    minLength: opts.min ?? 1,
    maxLength: opts.max ?? 6,
  });
  const choices = opts.first
    ? fc.tuple(choice(fc.constant(opts.first)), rest).map(([f, r]) => [f, ...r])
    : rest;
  return fc.record({
    shape: shapeArb,
    choices,
    seed: fc.nat(),
    ce: opts.ce === undefined ? fc.boolean() : fc.constant(opts.ce),
    ceGen: fc.boolean(),
    ceTfjs: fc.boolean(),
  });
}

const RUNS = { numRuns: 25 };

beforeAll(async () => {
  tf.env().set('PROD', true); // silences the "install tfjs-node" notice (PROD only gates warnings)
  await tf.setBackend('cpu');
  expect(tf.getBackend()).toBe('cpu');
});

describe('differential test against tfjs (cpu backend), float32, with gen-ts float64 as reference', () => {
  it('matmul with batch broadcasting, followed by a unary chain', () => {
    fc.assert(
      fc.property(specArb(['matmul', 'unary'], { first: 'matmul', max: 4, ce: false }), (spec) =>
        check(buildPlan(spec)),
      ),
      RUNS,
    );
  });

  it('elementwise binary ops with broadcasting, then reductions over random axes', () => {
    fc.assert(
      fc.property(specArb(['binary', 'reduce', 'unary'], { first: 'binary', ce: false }), (spec) =>
        check(buildPlan(spec)),
      ),
      RUNS,
    );
  });

  it('reductions sum/mean/max over random axes with keepDims', () => {
    fc.assert(
      fc.property(specArb(['reduce', 'unary', 'binary'], { first: 'reduce', max: 3, ce: false }), (spec) =>
        check(buildPlan(spec)),
      ),
      RUNS,
    );
  });

  it('tanh/exp/log/sigmoid/relu chains through reshape and transpose', () => {
    fc.assert(
      fc.property(specArb(['unary', 'reshape', 'transpose'], { min: 2, max: 8 }), (spec) =>
        check(buildPlan(spec)),
      ),
      RUNS,
    );
  });

  it('softmax cross-entropy with integer labels (logSoftmax + take or oneHot)', () => {
    fc.assert(
      fc.property(specArb(['matmul', 'binary', 'unary'], { first: 'matmul', max: 3, ce: true }), (spec) => {
        const plan = buildPlan(spec);
        fc.pre(plan.head.kind === 'ce');
        check(plan);
      }),
      RUNS,
    );
  });

  it('random mixed compositions of all of the above', () => {
    fc.assert(
      fc.property(
        specArb(['unary', 'binary', 'matmul', 'reduce', 'transpose', 'reshape'], { max: 7 }),
        (spec) => check(buildPlan(spec)),
      ),
      RUNS,
    );
  });
});
