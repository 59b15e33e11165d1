/**
 * What fit prints: plain lines off a terminal (the format is snapshotted, with a fake clock), a bar
 * redrawn in place on a terminal at most 10 times a second, and the number formats.
 */
import { key, matmul, mean, square, sub, zeros, type Tensor } from '@gen-ts/core';
import { genSgd, sgd } from '@gen-ts/gen';
import { describe, expect, it } from 'vitest';
import { Dataset } from '../data/dataset.js';
import { linearRegression } from '../data/synthetic.js';
import { fit } from './fit.js';
import { formatDuration, formatNumber } from './progress.js';

type B = { x: Tensor; y: Tensor };
const mse = (w: Tensor, b: B) => mean(square(sub(matmul(b.x, w), b.y)));
const { x, y } = linearRegression(key(0), { n: 64, features: 3, noise: 0.05, dtype: 'float64' });
const train = Dataset.fromArrays({ x, y }).shuffle(key(1)).batch(16);

/** A clock that advances `ms` after every step (driven by a callback). */
function clock(ms: number) {
  let t = 0;
  return { now: () => t, callback: { onStepEnd: () => void (t += ms) } };
}

describe('fit progress', () => {
  it('prints plain lines when the output is not a terminal', async () => {
    let text = '';
    const c = clock(250);
    await fit({
      lossFn: mse,
      params: zeros([3, 1], { dtype: 'float64' }),
      optimizer: genSgd({ lr: 0.01, phi: 2 }),
      train,
      validation: train,
      epochs: 2,
      logEvery: 3,
      output: { write: (s: string) => void (text += s), isTTY: false },
      now: c.now,
      callbacks: [c.callback],
    });
    expect(text).toMatchInlineSnapshot(`
      "step 3/8  epoch 1/2  loss 16.91  lr 0.0121  6 steps/s  ETA 0:01
      step 4/8  epoch 1/2  loss 10.14  lr 0.0121  5.333 steps/s  ETA 0:01
      eval step 4  epoch 1: loss 11.81
      step 6/8  epoch 2/2  loss 11.25  lr 0.01331  4.8 steps/s  ETA 0:00
      step 8/8  epoch 2/2  loss 7.412  lr 0.01464  4.571 steps/s  ETA 0:00
      eval step 8  epoch 2: loss 9.763
      "
    `);
  });

  it('redraws a bar in place on a terminal, at most 10 times a second', async () => {
    const writes: string[] = [];
    const c = clock(10); // 100 steps per second
    const big = Dataset.fromArrays({ x, y }).batch(1).repeat(4); // 256 steps per epoch
    await fit({
      lossFn: mse,
      params: zeros([3, 1], { dtype: 'float64' }),
      optimizer: sgd({ lr: 0.01 }),
      train: big,
      epochs: 2,
      output: { write: (s: string) => void writes.push(s), isTTY: true, columns: 100 },
      now: c.now,
      callbacks: [c.callback],
    });
    const draws = writes.filter((w) => w.startsWith('\r'));
    // 512 steps at 100 per second: 5.12 s, so at most ~52 redraws plus one at each epoch's end
    expect(draws.length).toBeGreaterThan(40);
    expect(draws.length).toBeLessThanOrEqual(5.12 * 10 + 1 + 2);
    expect(writes.filter((w) => w === '\n').length).toBe(2); // each epoch ends its bar with a newline
    const last = draws.at(-1)!;
    expect(last.endsWith('\u001b[K')).toBe(true); // clears the rest of the line
    expect(last.slice(0, -3)).toMatch(
      /^\repoch 2\/2 256\/256 \[=+\] loss \S+ {2}100\.\d steps\/s {2}ETA 0:00$/,
    );
    const mid = draws[10]!;
    expect(mid).toMatch(/^\repoch 1\/2 \d+\/256 \[=+ +\] loss/);
  });

  it('formats numbers and durations', () => {
    expect([0.43121, 3.2e-5, 12345.6, 123456, 0, NaN, -Infinity].map(formatNumber)).toEqual([
      '0.4312',
      '3.20e-5',
      '12350',
      '1.23e+5',
      '0',
      'NaN',
      '-Inf',
    ]);
    expect([59.4, 61, 3725, Infinity].map(formatDuration)).toEqual(['0:59', '1:01', '1:02:05', '?']);
  });
});
