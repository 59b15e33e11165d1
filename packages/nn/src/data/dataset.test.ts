/**
 * Dataset: batches cover the rows in order (or in each epoch's shuffled order), the gathered and the
 * stacked batching paths agree, epochs reshuffle reproducibly from the key, repeat continues into
 * the next epoch's order, and every element is fresh (disposing it never breaks the dataset).
 */
import { arange, key, mul, reshape, tensor, type Tensor } from '@gen-ts/core';
import { describe, expect, it } from 'vitest';
import { Dataset } from './dataset.js';

const rows = (n: number) =>
  Dataset.fromArrays({ x: reshape(arange(2 * n), [n, 2]), y: arange(0, n, 1, { dtype: 'int32' }) });
const ys = (ds: Dataset<{ y: Tensor }>, epoch = 0): number[][] =>
  [...ds.epoch(epoch)].map((b) => b.y.toArray() as number[]);

describe('Dataset', () => {
  it('batches rows in order, the last batch smaller unless dropRemainder', () => {
    const ds = rows(7);
    expect(ds.length).toBe(7);
    expect(ys(ds.batch(3))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(ys(ds.batch(3, { dropRemainder: true }))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    const b = ds.batch(3).at(1);
    expect(b.x.toArray()).toEqual([
      [6, 7],
      [8, 9],
      [10, 11],
    ]);
    expect(ds.at(4).y.shape).toEqual([]);
    expect(ds.at(4).x.toArray()).toEqual([8, 9]);
  });

  it('shuffles into a permutation per epoch, reproducibly from the key', () => {
    const ds = rows(20).shuffle(key(3));
    const e0 = ys(ds.batch(20))[0]!;
    const e1 = ys(ds.batch(20), 1)[0]!;
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect([...e1].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(e0).not.toEqual(e1);
    expect(ys(rows(20).shuffle(key(3)).batch(20))[0]).toEqual(e0);
    expect(ys(rows(20).shuffle(key(4)).batch(20))[0]).not.toEqual(e0);
    // per-element access sees the same order as the gathered batch
    expect(Array.from({ length: 20 }, (_, i) => ds.at(i, 1).y.toArray())).toEqual(e1);
  });

  it('gathers and stacks to the same batches (map before batch forces stacking)', () => {
    const ds = rows(9).shuffle(key(0));
    const gathered = [...ds.batch(4).epoch(2)];
    const stacked = [
      ...ds
        .map((e) => ({ x: e.x, y: e.y }))
        .batch(4)
        .epoch(2),
    ];
    expect(stacked.map((b) => b.x.toArray())).toEqual(gathered.map((b) => b.x.toArray()));
    expect(stacked.map((b) => b.y.toArray())).toEqual(gathered.map((b) => b.y.toArray()));
  });

  it('repeats into the next epoch, reshuffled, batching across the boundary', () => {
    const base = rows(5).shuffle(key(1));
    const e0 = ys(base.batch(5))[0]!;
    const e1 = ys(base.batch(5), 1)[0]!;
    const rep = base.repeat(2);
    expect(rep.length).toBe(10);
    expect(ys(rep.batch(4)).flat()).toEqual([...e0, ...e1]);
    expect(ys(rep.batch(4)).map((b) => b.length)).toEqual([4, 4, 2]);
    // outer epoch 1 of repeat(2) is inner epochs 2 and 3
    expect(ys(rep.batch(10), 1)[0]).toEqual([...ys(base.batch(5), 2)[0]!, ...ys(base.batch(5), 3)[0]!]);
    const forever = base.repeat();
    expect(forever.length).toBe(Infinity);
    expect(forever.batch(3).at(3).y.toArray()).toEqual([
      ...e1.slice(4),
      ...ys(base.batch(5), 2)[0]!.slice(0, 2),
    ]);
    expect(() => forever.at(0, 1)).toThrow(/0 for an infinite dataset/);
    expect(() => forever.shuffle(key(0))).toThrow(/shuffle before repeat/);
  });

  it('takes the first n of every epoch and maps whole batches', () => {
    const ds = rows(10)
      .take(4)
      .batch(2)
      .map((b) => ({ x: mul(b.x, 10), y: b.y }));
    expect(ds.length).toBe(2);
    expect([...ds].map((b) => b.x.toArray())).toEqual([
      [
        [0, 10],
        [20, 30],
      ],
      [
        [40, 50],
        [60, 70],
      ],
    ]);
  });

  it('hands out fresh tensors: disposing them never breaks the dataset, and map disposes what it replaced', () => {
    const source = { x: reshape(arange(8), [4, 2]), y: arange(0, 4, 1, { dtype: 'int32' }) };
    const ds = Dataset.fromArrays(source).shuffle(key(0)).batch(2);
    for (const b of ds.epoch(0)) {
      b.x.dispose();
      b.y.dispose();
    }
    expect(source.x.isDisposed).toBe(false);
    expect(ys(ds).flat().length).toBe(4);
    let seen: { x: Tensor; y: Tensor } | undefined;
    const mapped = Dataset.fromArrays(source).map((e) => {
      seen = e;
      return { x: mul(e.x, 2), y: e.y };
    });
    const out = mapped.at(1);
    expect(seen!.x.isDisposed).toBe(true); // replaced by f's result
    expect(seen!.y.isDisposed).toBe(false); // passed through
    expect(out.y.toArray()).toBe(1);
  });

  it('builds from a function', () => {
    const ds = Dataset.fromFunction(3, (i, e) => tensor([i, e]));
    expect([...ds.epoch(5)].map((t) => t.toArray())).toEqual([
      [0, 5],
      [1, 5],
      [2, 5],
    ]);
    expect(ds.batch(2).at(1).toArray()).toEqual([[2, 0]]);
  });

  it('refuses bad input with a message naming it', () => {
    expect(() => Dataset.fromArrays({ x: arange(3), y: arange(4) })).toThrow(
      /leaf 0 has 3 rows, leaf 1 has 4/,
    );
    expect(() => Dataset.fromArrays({ s: tensor(1) })).toThrow(/leaf 0 is a scalar/);
    expect(() => Dataset.fromArrays({})).toThrow(/holds no tensors/);
    expect(() => rows(3).batch(0)).toThrow(/size must be a positive integer, got 0/);
    expect(() => rows(3).batch(2, { drop: true } as object)).toThrow(/unknown option 'drop'/);
    expect(() => rows(3).take(1.5)).toThrow(/n must be a positive integer/);
    expect(() => rows(3).at(3)).toThrow(/index 3 is out of range \(the dataset has 3 elements per epoch\)/);
    expect(() => rows(3).shuffle(3 as never)).toThrow(/expected a PRNGKey/);
    const odd = Dataset.fromFunction(2, (i) => (i === 0 ? { a: tensor([1]) } : { b: tensor([1]) }));
    expect(() => odd.batch(2).at(0)).toThrow(/element 1 of a batch has another structure/);
  });
});
