/**
 * When GeN's fast warm-up lands (`landing`): validation, `'first'` (the default) unchanged, and
 * `'confirmed'`, which lands only on the second estimate in a row inside the clip range, the
 * warm-up's unsmoothed rule applying to both (float64, quadratics where `eta*` is known exactly).
 */
import { describe, expect, it } from 'vitest';
import { mul, sum, square, tensor, valueAndGrad, type Tensor } from '@gen-ts/core';
import {
  applyUpdates,
  findGeNState,
  GEN_AUTO,
  GEN_AUTO_MOMENTUM,
  GEN_DEFAULTS,
  genAdam,
  genConfig,
  genMomentum,
  scaleByBlockGeN,
  scaleByGeN,
  type GeNOptions,
} from '@gen-ts/gen';
import { F64 } from './helpers.js';

describe('landing is validated; the default is the first estimate in range', () => {
  it("defaults to 'first'; genMomentum's preset 'auto' confirms, the other bases do not", () => {
    expect(GEN_DEFAULTS.landing).toBe('first');
    expect(GEN_AUTO_MOMENTUM).toEqual({ ...GEN_AUTO, landing: 'confirmed' });
    expect(genConfig({ preset: 'auto', horizon: 10 }).landing).toBe('first');
    const w = tensor([1, 2], F64);
    expect(findGeNState(genMomentum({ preset: 'auto', horizon: 10 }).init(w))!.inRange).toBeDefined();
    expect(findGeNState(genAdam({ preset: 'auto', horizon: 10 }).init(w))!.inRange).toBeUndefined();
    // without a warm-up there is nothing to land: no flag
    expect(scaleByGeN({ landing: 'confirmed' }).init(w).inRange).toBeUndefined();
  });

  it('bad values name the option; scaleByBlockGeN does not take it', () => {
    expect(() => scaleByGeN({ landing: 'second' as never })).toThrow(
      /option landing must be 'first' or 'confirmed', got second/,
    );
    expect(() => scaleByBlockGeN(() => 'all', { landing: 'first' } as never)).toThrow(
      /scaleByBlockGeN: option landing is not supported/,
    );
  });
});

// GD with GeN on 0.5 * sum(h_i w_i^2) along the gradient: eta* = |g|^2 / g^T H g exactly (fit mode,
// three probes, float64). With gamma 0 the warm-up's rule takes clip(eta*) at once.
const h = tensor([1, 0.8, 0.6], F64);
const loss = (w: Tensor) => mul(sum(mul(h, square(w))), 0.5);

function warmTrace(options: GeNOptions, steps: number) {
  const t = scaleByGeN({ phi: 1, warmupSteps: 10, gamma: 0, ...options });
  const vg = valueAndGrad(loss);
  let w = tensor([1, -2, 3], F64);
  let s = t.init(w);
  const out: { lr: number; etaStar: number; warm: boolean }[] = [];
  for (let i = 0; i < steps; i++) {
    const [v, g] = vg(w) as [Tensor, Tensor];
    const [u, next] = t.update(g, s, w, { value: v, grad: g, valueFn: loss });
    w = applyUpdates(w, u);
    s = next;
    out.push({ lr: s.lr.itemSync(), etaStar: s.fit.etaStar.itemSync(), warm: s.warm!.itemSync() === 1 });
  }
  return out;
}

describe("landing 'confirmed' waits for a second estimate in range", () => {
  it("from a rate within x2 of eta*, 'first' lands at step 0 and 'confirmed' at step 1", () => {
    const first = warmTrace({ lr: 1 }, 3);
    expect(first[0]!.warm).toBe(false);
    const conf = warmTrace({ lr: 1, landing: 'confirmed' }, 3);
    expect(conf[0]!.warm).toBe(true);
    expect(conf[1]!.warm).toBe(false);
    // the warm-up's rule on both: the rate is the (in-range) estimate itself, unsmoothed
    expect(conf[0]!.lr).toBeCloseTo(conf[0]!.etaStar, 10);
    expect(conf[1]!.lr).toBeCloseTo(conf[1]!.etaStar, 10);
  });

  it('from far below, the doubling is the same; an in-range estimate then needs one more', () => {
    const first = warmTrace({ lr: 1e-3 }, 14);
    const conf = warmTrace({ lr: 1e-3, landing: 'confirmed' }, 14);
    const k = first.findIndex((x) => !x.warm);
    expect(k).toBeGreaterThan(2);
    for (let i = 0; i < k; i++) expect(conf[i]!.lr).toBe(first[i]!.lr);
    expect(conf[k]!.warm).toBe(true);
    expect(conf.findIndex((x) => !x.warm)).toBe(k + 1);
  });

  it('an estimate out of range between two in range starts the count again', () => {
    // lr 1 lands the first estimate in range; a rate forced far off between steps breaks the run
    const t = scaleByGeN({ phi: 1, warmupSteps: 10, gamma: 0, lr: 1, landing: 'confirmed' });
    const vg = valueAndGrad(loss);
    const w = tensor([1, -2, 3], F64);
    const [v, g] = vg(w) as [Tensor, Tensor];
    const extra = { value: v, grad: g, valueFn: loss };
    let s = t.update(g, t.init(w), w, extra)[1];
    expect(s.inRange!.itemSync()).toBe(1);
    // a rate 100x the estimate: the next estimate is out of the clip range, no landing
    s = { ...s, lr: tensor(100 * s.fit.etaStar.itemSync(), F64).reshape([]) };
    s = t.update(g, s, w, extra)[1];
    expect(s.inRange!.itemSync()).toBe(0);
    expect(s.warm!.itemSync()).toBe(1);
  });
});
