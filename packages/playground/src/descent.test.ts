/**
 * The 2-D runs show the real optimizers: a `Descent` takes bit for bit the steps of the gen
 * package's own aliases driven by `trainStep` (float64, cpu), and what it records about a probe is
 * the fit GeN made: on the quadratic (where the loss along any line is a parabola) `a` and `b` are
 * the exact curvature `d^T H d` and slope `G^T d`, to the rounding bound of the fit.
 */
import { cpu, grad, tensor, type Tensor } from '@gen-ts/core';
import { gpujs } from '@gen-ts/gpu';
import {
  adam,
  dog,
  genAdam,
  genSgd,
  prodigy,
  sgd,
  trainStep,
  type DogState,
  type GradientTransformation,
  type ProdigyState,
} from '@gen-ts/gen';
import { describe, expect, it } from 'vitest';
import { Descent, GEN_RULES, lossAlong, type GeNRule } from './descent.js';
import type { OptimizerId } from './optimizers.js';
import { pointLoss, problemById, QUADRATIC_HESSIAN as H } from './problems.js';

const backend = cpu();

function alias(id: OptimizerId, rule: GeNRule, lr: number): GradientTransformation<unknown, any> {
  const gen = { ...GEN_RULES[rule], lr };
  const made = {
    'gen-adam': () => genAdam(gen),
    'gen-sgd': () => genSgd(gen),
    adam: () => adam({ lr }),
    sgd: () => sgd({ lr }),
    prodigy: () => prodigy(),
    dog: () => dog(),
  };
  return made[id]() as GradientTransformation<unknown, any>;
}

describe('Descent', () => {
  const cases: [OptimizerId, GeNRule][] = [
    ['gen-adam', 'safe'],
    ['gen-adam', 'authors'],
    ['gen-sgd', 'safe'],
    ['gen-sgd', 'authors'],
    ['adam', 'safe'],
    ['sgd', 'safe'],
    ['prodigy', 'safe'],
    ['dog', 'safe'],
  ];
  it.each(cases)(
    '%s (%s rule) takes the steps of the gen package optimizer under trainStep',
    async (optimizer, rule) => {
      const problem = problemById('rosenbrock');
      const lr = 1e-3;
      const run = new Descent({ problem, optimizer, rule, lr, dtype: 'float64', backend });
      const opt = alias(optimizer, rule, lr);
      // probe 'own': the loss is deterministic, so GeN probes it where the gradient was taken, as Descent does
      const step = trainStep((w: Tensor) => pointLoss(problem)(w), opt, { probe: 'own' });
      let w = tensor([...problem.start], { dtype: 'float64', backend });
      let state = opt.init(w);
      for (let t = 0; t < 12; t++) {
        const rec = await run.step();
        expect(rec.w).toEqual(Array.from(w.dataSync()));
        const r = step(w, state, 0); // the loss ignores its batch
        expect(rec.loss).toBe(r.loss.itemSync());
        ({ params: w, state } = r);
      }
      expect(await run.point()).toEqual(Array.from(w.dataSync()));
      expect(run.records.some((r) => r.probe)).toBe(optimizer.startsWith('gen-'));
      const last = run.records[run.records.length - 1]!;
      // a peer's record carries its own step size, as its state holds it after the step
      if (optimizer === 'prodigy') expect(last.lr).toBe((state as ProdigyState).d.itemSync());
      if (optimizer === 'dog') expect(last.lr).toBe((state as DogState).eta.itemSync());
    },
  );

  it("records GeN's fit: on the quadratic, the exact slope and curvature along d", async () => {
    const problem = problemById('quadratic');
    const run = new Descent({
      problem,
      optimizer: 'gen-sgd',
      rule: 'authors',
      lr: 1e-2,
      dtype: 'float64',
      backend,
    });
    const probes = [];
    for (let t = 0; t < 9; t++) {
      const rec = await run.step();
      if (rec.probe) probes.push(rec.probe);
    }
    expect(probes.length).toBe(3); // phi = 4: steps 0, 4, 8
    for (const p of probes) {
      const [dx, dy] = p.d;
      const at = tensor([...p.w], { dtype: 'float64', backend });
      const g = Array.from((grad(pointLoss(problem))(at) as Tensor).dataSync() as Float64Array);
      const a = H.xx * dx * dx + 2 * H.xy * dx * dy + H.yy * dy * dy;
      const b = g[0]! * dx + g[1]! * dy;
      expect(p.d).toEqual(g); // GeN-SGD: the direction is the gradient
      // central difference of three float64 losses at step h: rounding adds at most 4 eps S / h^2 to
      // a and eps S / h to b, S bounding the losses (the quadratic's truncation term is zero)
      const h = p.probes[1]!;
      const eps = 2 ** -52 * 8 * Math.max(p.L0, ...(await lossAlong(problem, p, p.probes, 'float64')));
      expect(Math.abs(p.a - a)).toBeLessThanOrEqual((4 * eps) / (h * h));
      expect(Math.abs(p.b - b)).toBeLessThanOrEqual(eps / h);
      expect(p.etaStar).toBeCloseTo(p.b / p.a, 12);
      expect(p.probes).toEqual([-p.lrBefore, p.lrBefore]); // the authors' factors [-1, 0, 1]
    }
  });

  it.each(['gen-adam', 'adam'] as const)(
    '%s keeps the live-buffer count flat on gpu.js',
    async (optimizer) => {
      const gpu = gpujs({ mode: 'webasm', threads: 0, finalize: false }); // only dispose/tidy release
      try {
        const run = new Descent({
          problem: problemById('beale'),
          optimizer,
          rule: 'safe',
          lr: 1e-3,
          dtype: 'float32',
          backend: gpu,
        });
        const live: number[] = [];
        for (let t = 0; t < 10; t++) {
          await run.step();
          live.push(gpu.info().liveBuffers);
        }
        expect(new Set(live.slice(1)).size).toBe(1);
      } finally {
        gpu.destroy();
      }
    },
  );

  it('lossAlong evaluates the loss at w - x d', async () => {
    const problem = problemById('beale');
    const probe = { w: [0.5, -0.25], d: [2, 1] } as const;
    const xs = [0, 0.1, -0.3];
    const got = await lossAlong(problem, probe, xs, 'float64');
    xs.forEach((x, i) =>
      expect(got[i]).toBe(
        pointLoss(problem)(tensor([0.5 - 2 * x, -0.25 - x], { dtype: 'float64', backend })).itemSync(),
      ),
    );
  });
});
