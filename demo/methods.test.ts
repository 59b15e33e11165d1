/**
 * The demo's GeN rules build what the library documents: the authors' rule is `genSgd` /
 * `genAdamW` with their defaults, `auto` is `preset: 'auto'` with the run's steps as its horizon
 * (checked step for step against the library's own construction on a small least-squares
 * problem, float64), and each rule probes the data its spec says.
 */
import { key, matmul, mean, normal, split, square, sub, zeros, type Tensor } from '@gen-ts/core';
import { findGeNState, genAdamW, genSgd, trainStep, type GradientTransformation } from '@gen-ts/gen';
import { describe, expect, it } from 'vitest';
import {
  GEN_VARIANTS,
  makeOptimizer,
  methodLabel,
  probeOf,
  type Base,
  type GenVariantId,
} from './methods.js';

type Batch = { x: Tensor; y: Tensor };
const [k1, k2, k3, k4] = split(key(7), 4);
const truth = normal(k4!, [4, 1], { dtype: 'float64' });
const batches: Batch[] = [k1!, k2!, k3!].map((k) => {
  const x = normal(k, [16, 4], { dtype: 'float64' });
  return { x, y: matmul(x, truth) };
});
const mse = (w: Tensor, b: Batch) => mean(square(sub(matmul(b.x, w), b.y)));

/** GeN's rate after each of `steps` steps, and which steps fitted. */
function trace(opt: GradientTransformation<any, any>, probe: 'fresh' | 'own', steps: number) {
  const step = trainStep(mse, opt, { probe });
  let params: Tensor = zeros([4, 1], { dtype: 'float64' });
  let state = opt.init(params);
  const lr: number[] = [];
  const fitted: number[] = [];
  for (let t = 0; t < steps; t++) {
    const b = batches[t % 3]!;
    ({ params, state } =
      probe === 'fresh' ? step(params, state, b, batches[(t + 1) % 3]!) : step(params, state, b));
    const g = findGeNState(state)!;
    lr.push(g.lr.itemSync());
    if (g.fit.step === g.count - 1) fitted.push(t);
  }
  return { lr, fitted };
}

describe('the GeN rules of the demo', () => {
  const steps = 48;
  const library: Record<GenVariantId, Record<Base, () => GradientTransformation<any, any>>> = {
    paper: { sgd: () => genSgd({ lr: 1e-3 }), adamw: () => genAdamW({ lr: 1e-3 }) },
    auto: {
      sgd: () => genSgd({ lr: 1e-3, preset: 'auto', horizon: steps }),
      adamw: () => genAdamW({ lr: 1e-3, preset: 'auto', horizon: steps }),
    },
  };
  for (const variant of Object.keys(GEN_VARIANTS) as GenVariantId[])
    for (const base of ['sgd', 'adamw'] as const)
      it(`${variant} on ${base}: the library's construction, step for step, on the data its spec probes`, () => {
        const spec = { kind: 'gen', base, variant, lr0: 1e-3, probe: GEN_VARIANTS[variant].probe } as const;
        const probe = probeOf(spec);
        expect(probe).toBe(variant === 'auto' ? 'own' : 'fresh');
        const ours = trace(makeOptimizer(spec, { steps }), probe, steps);
        const theirs = trace(library[variant][base](), probe, steps);
        expect(ours.lr).toEqual(theirs.lr);
        expect(ours.fitted).toEqual(theirs.fitted);
        expect(methodLabel(spec, { variant: true })).toContain(GEN_VARIANTS[variant].label);
      });

  it("auto probes every step of its 20-step warm-up, then every 8, and anneals by its horizon; the authors' rule every 4", () => {
    const auto = trace(
      makeOptimizer({ kind: 'gen', base: 'sgd', variant: 'auto', lr0: 1e-3, probe: 'own' }, { steps }),
      'own',
      steps,
    );
    // a lagged fit at step t fits step t - 1's direction: the first one is at step 1
    // the warm-up probes steps 0-19; after it, steps with count % 8 == 0 (24, 32, 40). A lagged fit
    // is made on the step after the probe step (it fits that step's direction on the next batch)
    const probed = [...Array.from({ length: 20 }, (_, i) => i), 24, 32, 40];
    expect(auto.fitted).toEqual(probed.map((t) => t + 1));
    // past the warm-up each estimate is scaled by the cosine horizon, so the rate falls at every probe
    const at = [25, 33, 41].map((t) => auto.lr[t]!);
    expect(at[1]!).toBeLessThan(at[0]!);
    expect(at[2]!).toBeLessThan(at[1]!);
    const paper = trace(
      makeOptimizer({ kind: 'gen', base: 'sgd', variant: 'paper', lr0: 1e-3, probe: 'fresh' }, { steps }),
      'fresh',
      steps,
    );
    expect(paper.fitted).toEqual(Array.from({ length: steps / 4 }, (_, i) => 4 * i));
  });
});
