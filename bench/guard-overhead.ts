/**
 * The cost of `trainStep`'s non-finite guard (`skipNonFinite`, on by default): the same training
 * run with the guard on and off, for SGD, Adam and GeN-SGD (phi 8, the one-probe fit on the own
 * batch), on a 784-128-10 MLP, batch 64, float32, cpu backend. The two runs of each optimizer
 * alternate every block of 8 steps (one GeN period), after a warm-up; medians per step.
 * Run: `npx tsx bench/guard-overhead.ts [rounds]`.
 */
import type { Tensor } from '@gen-ts/core';
import { adam, genSgd, sgd, trainStep, type GradientTransformation } from '@gen-ts/gen';
import { batch, initParams, loss, type Params } from '../test/support/mlp.js';
import { compare, type Contender } from './harness.js';

type Batch = { x: Tensor; y: Tensor };
const rounds = Number(process.argv[2] ?? 15);
const batches: Batch[] = [64, 65, 66, 67].map((n) => batch(n, 784, 10)).map(({ x, y }) => ({ x, y }));
const lossFn = (p: Params, b: Batch) => loss(p, b.x, b.y);
const optimizers: [string, GradientTransformation<any, any>, 'fresh' | 'own'][] = [
  ['SGD', sgd({ lr: 0.01 }), 'fresh'],
  ['Adam', adam({ lr: 1e-3 }), 'fresh'],
  [
    'GeN-SGD phi=8 own batch, gradient slope, factors [0, 1]',
    genSgd({ lr: 0.01, phi: 8, slope: 'gradient', factors: [0, 1] }),
    'own',
  ],
];

const lines = ['| optimizer | guard on, ms/step | guard off, ms/step | guard cost |', '|---|---|---|---|'];
for (const [name, opt, probe] of optimizers) {
  const contender = (skipNonFinite: boolean): Contender => {
    const step = trainStep(lossFn, opt, { probe, skipNonFinite });
    let params = initParams([784, 128, 10], 1);
    let state = opt.init(params);
    let i = 0;
    return {
      name: String(skipNonFinite),
      run: async () => {
        for (let k = 0; k < 8; k++, i++) {
          const b = batches[i % batches.length]!;
          const out = step(
            params,
            state,
            b,
            probe === 'fresh' ? batches[(i + 1) % batches.length] : undefined,
          );
          ({ params, state } = out);
          await out.loss.data(); // one readback per step, as a loop logging the loss would
        }
      },
    };
  };
  const t = await compare([contender(true), contender(false)], rounds, 2);
  const [on, off] = [t.get('true')! / 8, t.get('false')! / 8];
  lines.push(`| ${name} | ${on.toFixed(2)} | ${off.toFixed(2)} | ${(100 * (on / off - 1)).toFixed(1)}% |`);
}
console.log(lines.join('\n'));
