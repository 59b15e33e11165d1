import { beforeAll, describe, expect, it } from 'vitest';
import { key, randint, slice, tensor, type Tensor } from '@gen-ts/core';
import { loadBrownCorpus } from '@gen-ts/nn';
import { charLm, run, type Run } from './char-transformer.js';

describe('examples/char-transformer (smoke, tiny size)', () => {
  it('the model is causal: a later character never changes an earlier logit', () => {
    const model = charLm({ vocab: 11, context: 8, width: 8, heads: 2, layers: 2 });
    const { params } = model.init(key(0), [2, 8]);
    const ids = randint(key(1), [2, 8], 0, 11);
    const changed = tensor(
      (ids.toArray() as number[][]).map((row) => row.map((v, t) => (t >= 5 ? (v + 3) % 11 : v))),
      { dtype: 'int32' },
    );
    const a = model.apply(params, ids) as Tensor;
    const b = model.apply(params, changed) as Tensor;
    expect(a.shape).toEqual([2, 8, 11]);
    const head = (x: Tensor) => Array.from(slice(x, [0, 0, 0], [2, 5, 11]).dataSync());
    expect(head(b)).toEqual(head(a)); // positions 0..4 see only 0..4
    const tail = (x: Tensor) => Array.from(slice(x, [0, 5, 0], [2, 3, 11]).dataSync());
    expect(tail(b)).not.toEqual(tail(a));
  });

  let runs: Run[];
  beforeAll(async () => {
    runs = await run({
      documents: 3,
      batch: 4,
      context: 16,
      width: 16,
      heads: 2,
      layers: 1,
      steps: 8,
      evalEvery: 4,
      validationWindows: 8,
      sample: 12,
      verbose: 'silent',
    });
  });

  it('trains both optimizers, evaluates on schedule, and GeN writes text in the vocabulary', () => {
    expect(runs.map((r) => r.label)).toEqual(['GeN-AdamW, eta0 1e-3', 'AdamW, cosine peak 3e-3']);
    for (const r of runs) {
      expect(r.history.loss, r.label).toHaveLength(8);
      expect(r.history.loss.every(Number.isFinite), r.label).toBe(true);
      expect(
        r.history.evals.map((e) => e.step),
        r.label,
      ).toEqual([4, 8]);
    }
    expect(runs[0]!.sample!.startsWith('the ')).toBe(true);
    expect([...runs[0]!.sample!]).toHaveLength(4 + 12);
    expect(runs[1]!.sample).toBeUndefined();
  });

  it('the first loss is that of random logits, about log(vocab), and the loss falls', () => {
    const vocab = loadBrownCorpus({ maxDocuments: 3, lowercase: true, seed: 0 }).vocab.size;
    for (const r of runs) {
      // cross-entropy of random logits with variance s^2 is about log(V) + s^2 / 2; the head's init
      // gives s ~ 1, so the first loss lies within a unit above a uniform guess's log(V)
      expect(r.history.loss[0]! - Math.log(vocab), r.label).toBeGreaterThan(0);
      expect(r.history.loss[0]! - Math.log(vocab), r.label).toBeLessThan(1);
      expect(r.history.evals.at(-1)!.metrics['loss']!, r.label).toBeLessThan(r.history.loss[0]!);
    }
  });
});
