/**
 * The browser test's reference: the same runs as the page, made with the playground's own modules
 * on the cpu backend in float64, so every float32 number the page shows is compared with exact
 * arithmetic (to float32's resolution).
 */
import { cpu } from '@gen-ts/core';
import { Descent, type DescentOptions, type StepRecord } from '../../packages/playground/src/descent.js';
import type { Digits } from '../../packages/playground/src/digits.js';
import { MnistSession, type MnistOptions, type TrainRecord } from '../../packages/playground/src/mnist.js';

/** `steps` steps of a 2-D run in float64. */
export async function descentReference(
  options: Omit<DescentOptions, 'dtype' | 'backend'>,
  steps: number,
): Promise<StepRecord[]> {
  const backend = cpu();
  const d = new Descent({ ...options, dtype: 'float64', backend });
  for (let i = 0; i < steps; i++) await d.step();
  return d.records;
}

/** An MNIST run in float64: the training records, and the test scores before the first step and after the last. */
export async function mnistReference(
  digits: Digits,
  options: Omit<MnistOptions, 'dtype' | 'backend'>,
  steps: number,
): Promise<{ train: TrainRecord[]; evals: { t: number; accuracy: number; loss: number }[] }> {
  const backend = cpu();
  const s = new MnistSession(digits, { ...options, dtype: 'float64', backend });
  const evals = [{ t: 0, ...(await s.evaluate()) }];
  for (let i = 0; i < steps; i++) await s.step();
  evals.push({ t: steps, ...(await s.evaluate()) });
  return { train: s.records, evals };
}
