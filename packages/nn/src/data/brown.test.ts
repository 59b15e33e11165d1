/**
 * loadBrownCorpus: tags dropped and punctuation rejoined, encode/decode round trips (fast-check over
 * the corpus's own text), a split by document with no document in both, next-character windows,
 * and clear errors for bad options and malformed files.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CharVocab, charWindows, detokenizeBrown, loadBrownCorpus } from './brown.js';

describe('loadBrownCorpus', () => {
  const corpus = loadBrownCorpus({ categories: ['news', 'humor'], validation: 0.2, seed: 1 });

  it('reads plain text, split by document', () => {
    const { train, validation } = corpus.documents;
    expect(train.length + validation.length).toBe(44 + 9);
    expect(validation.length).toBe(Math.round(0.2 * 53));
    expect(train.filter((d) => validation.includes(d))).toEqual([]);
    expect(corpus.train.length).toBeGreaterThan(100_000);
    expect(corpus.train).not.toMatch(/\/[a-z]/); // no tags left
    expect(corpus.train + corpus.validation).toContain(
      'The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place.',
    );
    const all = loadBrownCorpus({ validation: 0 });
    expect(all.documents.train.length).toBe(500);
    expect(all.validation).toBe('');
  });

  it('round-trips encode/decode over the vocabulary', () => {
    const v = corpus.vocab;
    expect(v.size).toBeGreaterThan(60);
    expect(v.size).toBeLessThan(100);
    expect(v.decode(v.encode(corpus.validation))).toBe(corpus.validation);
    fc.assert(
      fc.property(fc.nat({ max: corpus.train.length - 1 }), fc.nat({ max: 300 }), (at, n) => {
        const s = corpus.train.slice(at, at + n);
        const ids = v.encode(s);
        expect(ids.every((i) => i >= 0 && i < v.size)).toBe(true);
        expect(v.decode(ids)).toBe(s);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.nat({ max: v.size - 1 })), (ids) => {
        expect(Array.from(v.encode(v.decode(ids)))).toEqual(ids);
      }),
    );
    expect(() => v.encode('snow \u2603')).toThrow(
      /character "\u2603" \(U\+2603\) at 5 is not in the vocabulary/,
    );
    expect(() => v.decode([v.size])).toThrow(/outside \[0, /);
    const lower = loadBrownCorpus({ categories: ['humor'], lowercase: true });
    expect(lower.vocab.chars.some((c) => /[A-Z]/.test(c))).toBe(false);
  });

  it('cuts next-character windows into a Dataset', () => {
    const w = corpus.windows('validation', 32);
    const ids = corpus.vocab.encode(corpus.validation);
    expect(w.length).toBe(Math.floor((ids.length - 33) / 32) + 1);
    const e = w.at(3);
    expect(Array.from(e.x.dataSync())).toEqual(Array.from(ids.subarray(96, 128)));
    expect(Array.from(e.y.dataSync())).toEqual(Array.from(ids.subarray(97, 129)));
    expect(corpus.vocab.decode(e.x)).toBe(corpus.validation.slice(96, 128));
    const overlapping = charWindows(Int32Array.of(0, 1, 2, 3, 4), 3, { stride: 1 });
    expect([...overlapping].map((b) => [b.x.toArray(), b.y.toArray()])).toEqual([
      [
        [0, 1, 2],
        [1, 2, 3],
      ],
      [
        [1, 2, 3],
        [2, 3, 4],
      ],
    ]);
    expect(w.batch(4).at(0).x.shape).toEqual([4, 32]);
    expect(() => charWindows(Int32Array.of(1, 2), 2)).toThrow(/2 characters, too few for one window of 2/);
    expect(() => corpus.windows('test' as 'train', 8)).toThrow(/split must be 'train' or 'validation'/);
  });

  it('detokenizes quotes and punctuation, and refuses malformed files and options', () => {
    expect(detokenizeBrown("He/pps said/vbd ``/`` yes/rb ,/, no/rb ''/'' (/( 3/cd )/) ./.", 'x')).toBe(
      'He said "yes, no" (3).',
    );
    expect(detokenizeBrown('1-1/2/cd in/in', 'x')).toBe('1-1/2 in');
    expect(() => detokenizeBrown('fine/jj broken', 'cz99')).toThrow(/cz99: token "broken" is not word\/tag/);
    expect(() => loadBrownCorpus({ categories: ['poetry' as 'news'] })).toThrow(
      /loadBrownCorpus: categories: unknown category "poetry"/,
    );
    expect(() => loadBrownCorpus({ validation: 1 })).toThrow(
      /loadBrownCorpus: validation must be a number in \[0, 1\), got 1/,
    );
    expect(() => loadBrownCorpus({ maxDocuments: 1, validation: 0.5 })).toThrow(
      /1 documents leave none for training/,
    );
    expect(() => loadBrownCorpus({ split: 1 } as object)).toThrow(/loadBrownCorpus: unknown option "split"/);
    expect(new CharVocab('bca').chars).toEqual(['a', 'b', 'c']);
  });
});
