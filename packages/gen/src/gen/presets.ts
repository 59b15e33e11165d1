/**
 * The option sets `preset: 'auto'` stands for (`genConfig` merges them under the options given).
 */
import type { GeNOptions } from './options.js';

/**
 * The options `preset: 'auto'` sets for GeN on a base with momentum (`genMomentum`, `genAdam`,
 * `genAdamW`, and `scaleByGeN` itself); every other option keeps its default, and `horizon` must
 * be given. Cost: one forward pass per probe step (`mode: 'lagged'`), every step of the 20-step
 * warm-up and every 8th step after it, and the blow-up guard's few scalar operations every step.
 * Measured in BENCHMARKS.md ("GeN without tuning").
 */
export const GEN_AUTO: Readonly<GeNOptions> = Object.freeze({
  phi: 8,
  mode: 'lagged' as const,
  warmupSteps: 20,
  biasFactor: 1,
  blowUpRatio: 1.25,
});

/**
 * `genSgd`'s `preset: 'auto'`: `GEN_AUTO` with `biasFactor: 2` and `afterLanding: 'hold'` (the
 * factor grows in at the regular probes, not step after step in the warm-up window). Plain SGD
 * takes each gradient once, so the greedy step is short by about the factor 2 of the one-step
 * parabola's other root;
 * a base with momentum already carries every gradient into the following steps, and a factor on
 * top of that made the training loss rise (BENCHMARKS.md).
 */
export const GEN_AUTO_SGD: Readonly<GeNOptions> = Object.freeze({
  ...GEN_AUTO,
  biasFactor: 2,
  afterLanding: 'hold' as const,
});

/**
 * `genMomentum`'s `preset: 'auto'`: `GEN_AUTO` with `landing: 'confirmed'`. The trace builds up
 * about 10x over its first steps, so the first estimate along it that lands the warm-up is often
 * one of the long early ones; waiting for a second in a row lands lower (BENCHMARKS.md).
 */
export const GEN_AUTO_MOMENTUM: Readonly<GeNOptions> = Object.freeze({
  ...GEN_AUTO,
  landing: 'confirmed' as const,
});
