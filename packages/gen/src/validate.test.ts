/**
 * Issue 13, bad or unclear errors in @gen-ts/gen: every optimizer validates its options the same
 * way at construction (non-objects, unknown names, bad values: a message naming the factory and
 * the option), and `update` says so when it gets a state its `init` did not make.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor } from '@gen-ts/core';
import * as G from './index.js';

type Factory = (options: any) => unknown;

/** Each factory with valid options and its numeric and boolean options (the ones a value can break). */
const FACTORIES: Record<string, { f: Factory; valid: object; numbers: string[]; booleans: string[] }> = {
  sgd: { f: G.sgd, valid: { lr: 0.1 }, numbers: ['lr', 'momentum'], booleans: ['nesterov'] },
  momentum: { f: G.momentum, valid: { lr: 0.1 }, numbers: ['lr', 'momentum'], booleans: ['nesterov'] },
  adam: {
    f: G.adam,
    valid: { lr: 0.1 },
    numbers: ['lr', 'b1', 'b2', 'eps', 'epsRoot'],
    booleans: ['nesterov'],
  },
  adamw: {
    f: G.adamw,
    valid: { lr: 0.1 },
    numbers: ['lr', 'b1', 'b2', 'eps', 'epsRoot', 'weightDecay'],
    booleans: ['nesterov'],
  },
  rmsprop: {
    f: G.rmsprop,
    valid: { lr: 0.1 },
    numbers: ['lr', 'decay', 'eps', 'initialScale', 'momentum'],
    booleans: ['nesterov'],
  },
  adagrad: {
    f: G.adagrad,
    valid: { lr: 0.1 },
    numbers: ['lr', 'initialAccumulatorValue', 'eps'],
    booleans: [],
  },
  lion: { f: G.lion, valid: { lr: 0.1 }, numbers: ['lr', 'b1', 'b2', 'weightDecay'], booleans: [] },
  scaleByAdam: {
    f: G.scaleByAdam,
    valid: {},
    numbers: ['b1', 'b2', 'eps', 'epsRoot'],
    booleans: ['nesterov'],
  },
  scaleByRms: {
    f: G.scaleByRms,
    valid: {},
    numbers: ['decay', 'eps', 'initialScale'],
    booleans: ['epsInSqrt', 'biasCorrection'],
  },
  newtonDirection: { f: G.newtonDirection, valid: {}, numbers: ['damping', 'maxIter', 'tol'], booleans: [] },
  scaleByGeN: {
    f: G.scaleByGeN,
    valid: {},
    numbers: ['lr', 'phi', 'gamma', 'r2Min', 'clipRatio', 'armijo'],
    booleans: ['fastDecrease', 'verify'],
  },
  genSgd: { f: G.genSgd, valid: {}, numbers: ['lr', 'phi', 'gamma'], booleans: ['verify'] },
  genMomentum: { f: G.genMomentum, valid: {}, numbers: ['lr', 'momentum', 'gamma'], booleans: ['nesterov'] },
  genAdam: { f: G.genAdam, valid: {}, numbers: ['lr', 'b1', 'b2', 'eps', 'phi'], booleans: ['nesterov'] },
  genAdamW: {
    f: G.genAdamW,
    valid: {},
    numbers: ['lr', 'b1', 'weightDecay', 'armijo'],
    booleans: ['fastDecrease'],
  },
};
const NAMES = Object.keys(FACTORIES);
// The automatic-learning-rate peers check their option names and the options' shape the same way.
const PEERS: Record<string, { f: Factory; valid: object; numbers: string[] }> = {
  prodigy: { f: G.prodigy, valid: {}, numbers: [] },
  dAdaptAdam: { f: G.dAdaptAdam, valid: {}, numbers: [] },
  dAdaptSgd: { f: G.dAdaptSgd, valid: {}, numbers: [] },
  dog: { f: G.dog, valid: {}, numbers: [] },
  scheduleFreeSgd: { f: G.scheduleFreeSgd, valid: {}, numbers: [] },
  scheduleFreeAdamW: { f: G.scheduleFreeAdamW, valid: {}, numbers: [] },
  polyakSgd: { f: G.polyakSgd, valid: {}, numbers: [] },
  reduceOnPlateau: { f: G.reduceOnPlateau, valid: {}, numbers: [] },
  scaleByBacktrackingLinesearch: {
    f: G.scaleByBacktrackingLinesearch,
    valid: { maxBacktrackingSteps: 8 },
    numbers: [],
  },
};
const ALL: Record<string, { f: Factory; valid: object; numbers: string[] }> = { ...FACTORIES, ...PEERS };
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Bad for every numeric option above: none takes a negative, NaN, -Infinity, a string or null.
const badNumber = fc.oneof(
  fc.constantFrom<unknown>(NaN, -Infinity, null, '0.1', true, [0.1], {}),
  fc.double({ max: -1e-9, noNaN: true }),
);
const badBoolean = fc.constantFrom<unknown>(0, 1, 'true', null, NaN, {});

describe('every optimizer validates its options at construction (fast-check)', () => {
  it('an unknown option throws, naming the factory and the option', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(ALL)),
        // no option name starts with '_'; '__proto__' and 'constructor' included
        fc.oneof(
          fc.string({ maxLength: 12 }).map((k) => `_${k}`),
          fc.constantFrom('__proto__', 'constructor'),
        ),
        (name, key) => {
          const { f, valid } = ALL[name]!;
          const options = { ...valid };
          Object.defineProperty(options, key, { value: 1, enumerable: true }); // '__proto__' too
          expect(() => f(options)).toThrow(new RegExp(`^${escape(name)}: unknown option ${escape(key)} \\(`));
        },
      ),
    );
  });

  it('a bad number or boolean throws, naming the factory and the option', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES),
        fc.nat(),
        badNumber,
        badBoolean,
        fc.boolean(),
        (name, i, n, b, num) => {
          const { f, valid, numbers, booleans } = FACTORIES[name]!;
          const list = num || booleans.length === 0 ? numbers : booleans;
          const key = list[i % list.length]!;
          const options = { ...valid, [key]: list === numbers ? n : b };
          expect(() => f(options)).toThrow(new RegExp(`^${escape(name)}: option ${escape(key)} `));
        },
      ),
    );
  });

  it('a non-object throws; a bare number says to pass { lr }', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES),
        fc.constantFrom<unknown>(null, 'adam', [1], 0.01, true),
        (name, o) => {
          const { f, numbers } = FACTORIES[name]!;
          const expected =
            typeof o === 'number' && numbers.includes('lr')
              ? new RegExp(
                  `^${escape(name)}: options are one object; pass the learning rate as an option: ${name}\\(\\{ lr: 0.01 \\}\\)`,
                )
              : new RegExp(`^${escape(name)}: options must be an object, got`);
          expect(() => f(o)).toThrow(expected);
        },
      ),
    );
  });
});

describe('the cases issue 13 names', () => {
  it('sgd(), sgd(0.01), genAdam(null), lr 0 or negative, PyTorch names', () => {
    expect(() => (G.sgd as Factory)(undefined)).toThrow(
      /^sgd: needs an options object with the learning rate, e\.g\. sgd\(\{ lr: 1e-3 \}\)/,
    );
    expect(() => G.sgd({} as never)).toThrow(
      /^sgd: option lr \(the learning rate, a number > 0 or a schedule\) is required/,
    );
    expect(() => (G.sgd as Factory)(0.01)).toThrow(/sgd\(\{ lr: 0\.01 \}\)/);
    expect(() => (G.genAdam as Factory)(null)).toThrow(/^genAdam: options must be an object, got null/);
    expect(() => G.adam({ lr: 0 })).toThrow(/^adam: option lr must be > 0, got 0/);
    expect(() => G.rmsprop({ lr: -1e-3 })).toThrow(/^rmsprop: option lr must be > 0/);
    expect(() => G.adam({ lr: 1e-3, beta1: 0.9 } as never)).toThrow(
      /^adam: unknown option beta1 \(did you mean b1\?\)/,
    );
    expect(() => G.adamw({ lr: 1e-3, weight_decay: 0.1 } as never)).toThrow(/did you mean weightDecay\?/);
    expect(() => G.rmsprop({ lr: 1e-3, alpha: 0.99 } as never)).toThrow(/did you mean decay\?/);
    expect(() => G.genAdam({ beta2: 0.99 } as never)).toThrow(
      /^genAdam: unknown option beta2 \(did you mean b2\?\)/,
    );
    expect(() => G.genAdam({ gamma: 2 })).toThrow(/^genAdam: option gamma must be < 1/);
    expect(() => G.scaleByGeN({ safeguard: { minLR: 0.1 } as never })).toThrow(
      /^scaleByGeN: unknown option safeguard\.minLR/,
    );
    expect(() => G.scaleByGeN({ safeguard: 2 as never })).toThrow(
      /^scaleByGeN: option safeguard must be an object/,
    );
  });

  it('a missing or foreign state in update says which state it expected', () => {
    const p = tensor([1, 2]);
    const g = tensor([0.1, 0.2]);
    const adam = G.adam({ lr: 0.1 });
    expect(() => adam.update(g, undefined as never)).toThrow(
      /^chain: update got undefined as its state, where this transformation's state is an array of 2 member states/,
    );
    const sgdState = G.sgd({ lr: 0.1 }).init(p);
    expect(() => adam.update(g, sgdState as never)).toThrow(
      /^scaleByAdam: update got an object with keys \(none\) as its state, where this transformation's state is an object with count, mu, nu/,
    );
    const gen = G.scaleByGeN();
    expect(() => gen.update(g, adam.init(p) as never)).toThrow(
      /^scaleByGeN: update got an array of length 2/,
    );
    const inj = G.injectHyperparams(G.adam)({ lr: 0.1 });
    expect(() => inj.update(g, adam.init(p) as never)).toThrow(
      /^injectHyperparams\(adam\): update got an array/,
    );
    const named = G.namedChain({ a: G.scaleByAdam() });
    expect(() => named.update(g, { b: {} } as never)).toThrow(
      /^namedChain: update got an object with keys b/,
    );
    for (const t of [G.trace(), G.scaleByRms(), G.scaleByRss(), G.scaleByLion(), G.scaleBySchedule(() => 1)])
      expect(() => t.update(g, {} as never)).toThrow(/update got an object with keys \(none\) as its state/);
  });
});
