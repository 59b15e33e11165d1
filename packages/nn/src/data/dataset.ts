/**
 * `Dataset`: an immutable pipeline (source, shuffle, batch, map, repeat, take) with random access by
 * position. Element `i` of epoch `e` is a pure function of `(e, i)`: shuffling draws epoch `e`'s
 * order from `foldIn(key, e)`, so a run is reproduced from its key alone and resumed from a
 * position without replaying the data before it. Batching gathers rows with one `take` per leaf
 * when the rows come straight from arrays (shuffled or not), and stacks elements otherwise.
 *
 * Every element handed out is made of new tensors that the caller owns (`fit` disposes them after
 * use); the arrays a dataset was built from are never handed out themselves.
 */
import {
  concat,
  cpu,
  foldIn,
  permutation,
  PRNGKey,
  stack,
  take,
  tensor,
  Tensor,
  treeDefEqual,
  treeFlatten,
  treeUnflatten,
  type Backend,
} from '@gen-ts/core';

/** What a pipeline stage provides: elements per epoch and random access. */
interface Source<T> {
  readonly length: number;
  get(epoch: number, index: number): T;
  /** The elements at `indices`, stacked along a new leading axis (a batch); absent: stack `get`s. */
  getMany?(epoch: number, indices: readonly number[]): T;
}

const hostCpu = cpu();

const checkCount = (op: string, name: string, v: unknown, allowInfinity = false): number => {
  if (allowInfinity && v === Infinity) return Infinity;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw new RangeError(
      `Dataset.${op}: ${name} must be a positive integer${allowInfinity ? ' or Infinity' : ''}, got ${String(v)}`,
    );
  return v;
};

/** Stacks trees of equal structure leaf by leaf along a new axis 0; disposes nothing. */
function stackTrees<T>(op: string, items: readonly T[]): T {
  const [first, def] = treeFlatten(items[0]);
  const columns = first.map((l) => [l]);
  for (let k = 1; k < items.length; k++) {
    const [leaves, d] = treeFlatten(items[k]);
    if (!treeDefEqual(def, d))
      throw new Error(`Dataset.${op}: element ${k} of a batch has another structure than element 0`);
    leaves.forEach((l, j) => columns[j]!.push(l));
  }
  return treeUnflatten<T>(
    def,
    columns.map((c) => stack(c, 0)),
  );
}

function disposeTree(t: unknown): void {
  for (const l of treeFlatten(t)[0]) l.dispose();
}

/** The elements at `indices` of `src`, as one batch. */
function gather<T>(src: Source<T>, epoch: number, indices: readonly number[]): T {
  if (src.getMany) return src.getMany(epoch, indices);
  const items = indices.map((i) => src.get(epoch, i));
  const out = stackTrees('batch', items);
  for (const it of items) disposeTree(it);
  return out;
}

/**
 * An immutable, indexable data pipeline. Build one with `Dataset.fromArrays` (rows of tensors) or
 * `Dataset.fromFunction`, then chain `shuffle`, `batch`, `map`, `repeat` and `take`; iterate an
 * epoch with `for (const b of ds.epoch(e))`.
 *
 * @example
 * ```ts
 * import { arange, key, reshape } from '@gen-ts/core';
 * import { Dataset } from '@gen-ts/nn';
 *
 * const ds = Dataset.fromArrays({ x: reshape(arange(10), [5, 2]), y: arange(5) })
 *   .shuffle(key(0))
 *   .batch(2);
 * console.log(ds.length); // 3 batches: 2, 2 and 1 rows
 * for (const { y } of ds.epoch(0)) console.log(y.toArray());
 * for (const { y } of ds.epoch(1)) console.log(y.toArray()); // another order
 * ```
 */
export class Dataset<T> {
  /** @internal Use the static constructors. */
  private constructor(private readonly src: Source<T>) {}

  /**
   * A dataset whose element `i` is row `i` of every tensor leaf of `arrays` (all leaves share
   * their first dimension; non-tensor leaves are repeated in every element).
   */
  static fromArrays<T>(arrays: T): Dataset<T> {
    const [leaves, def] = treeFlatten(arrays);
    if (leaves.length === 0) throw new Error('Dataset.fromArrays: the tree holds no tensors');
    const n = leaves[0]!.shape[0];
    for (const [j, l] of leaves.entries()) {
      if (l.rank === 0)
        throw new Error(
          `Dataset.fromArrays: leaf ${j} is a scalar; every leaf needs a first (row) dimension`,
        );
      if (l.shape[0] !== n)
        throw new Error(
          `Dataset.fromArrays: leaves have different row counts: leaf 0 has ${n} rows, leaf ${j} has ${l.shape[0]} (shapes [${leaves[0]!.shape.join(', ')}] and [${l.shape.join(', ')}])`,
        );
    }
    const backend: Backend = leaves[0]!.backend;
    const pick = (idx: Int32Array, shape: number[]): T => {
      const it = tensor(idx, { dtype: 'int32', shape, backend });
      const out = treeUnflatten<T>(
        def,
        leaves.map((l) => take(l, it, 0)),
      );
      it.dispose();
      return out;
    };
    return new Dataset<T>({
      length: n!,
      get: (_e, i) => pick(Int32Array.of(i), []),
      getMany: (_e, idx) => pick(Int32Array.from(idx), [idx.length]),
    });
  }

  /**
   * A dataset of `length` elements (Infinity allowed) computed by `fn(index, epoch)`, which must
   * return new tensors on every call (the consumer disposes them).
   */
  static fromFunction<T>(length: number, fn: (index: number, epoch: number) => T): Dataset<T> {
    checkCount('fromFunction', 'length', length, true);
    if (typeof fn !== 'function')
      throw new TypeError('Dataset.fromFunction: fn must be a function (index, epoch) => element');
    return new Dataset<T>({ length, get: (e, i) => fn(i, e) });
  }

  /** Elements per epoch (Infinity after `repeat()`). */
  get length(): number {
    return this.src.length;
  }

  /**
   * Element `index` of epoch `epoch` (what iteration yields; `fit` resumes from a position with
   * it). An infinite dataset has one epoch, 0.
   */
  at(index: number, epoch = 0): T {
    const n = this.src.length;
    if (!Number.isSafeInteger(index) || index < 0 || index >= n)
      throw new RangeError(
        `Dataset.at: index ${index} is out of range (the dataset has ${n} elements per epoch)`,
      );
    if (!Number.isSafeInteger(epoch) || epoch < 0 || (n === Infinity && epoch !== 0))
      throw new RangeError(
        `Dataset.at: epoch must be a non-negative integer${n === Infinity ? ' and 0 for an infinite dataset' : ''}, got ${epoch}`,
      );
    return this.src.get(epoch, index);
  }

  /** The elements of one epoch, in order. */
  *epoch(epoch = 0): Generator<T, void, undefined> {
    for (let i = 0; i < this.src.length; i++) yield this.at(i, epoch);
  }

  /** Iterates epoch 0. */
  [Symbol.iterator](): Iterator<T> {
    return this.epoch(0);
  }

  /**
   * Shuffles the elements, with a new order every epoch: epoch `e` is the permutation drawn from
   * `foldIn(key, e)`. Needs a finite dataset (shuffle before `repeat()`).
   */
  shuffle(key: PRNGKey): Dataset<T> {
    if (!(key instanceof PRNGKey)) throw new TypeError('Dataset.shuffle: expected a PRNGKey from key(seed)');
    const src = this.src;
    const n = src.length;
    if (n === Infinity)
      throw new Error('Dataset.shuffle: cannot shuffle an infinite dataset; shuffle before repeat()');
    let cached: { epoch: number; order: Int32Array } | undefined;
    const order = (e: number): Int32Array => {
      if (cached?.epoch !== e)
        cached = {
          epoch: e,
          order: permutation(foldIn(key, e), n, { backend: hostCpu }).dataSync() as Int32Array,
        };
      return cached.order;
    };
    return new Dataset<T>({
      length: n,
      get: (e, i) => src.get(e, order(e)[i]!),
      getMany: (e, idx) => {
        const o = order(e);
        return gather(
          src,
          e,
          idx.map((i) => o[i]!),
        );
      },
    });
  }

  /**
   * Groups consecutive elements into batches (leaves stacked along a new first axis). The last
   * batch is smaller when the length is not a multiple of `size`, unless `dropRemainder`.
   */
  batch(size: number, options: { dropRemainder?: boolean } = {}): Dataset<T> {
    checkCount('batch', 'size', size);
    for (const k of Object.keys(options))
      if (k !== 'dropRemainder') throw new TypeError(`Dataset.batch: unknown option '${k}'`);
    const drop = options.dropRemainder ?? false;
    if (typeof drop !== 'boolean')
      throw new TypeError("Dataset.batch: option 'dropRemainder' must be a boolean");
    const src = this.src;
    const n = src.length;
    const length = n === Infinity ? Infinity : drop ? Math.floor(n / size) : Math.ceil(n / size);
    return new Dataset<T>({
      length,
      get: (e, j) => {
        const begin = j * size;
        const end = Math.min(n, begin + size);
        return gather(
          src,
          e,
          Array.from({ length: end - begin }, (_, k) => begin + k),
        );
      },
    });
  }

  /**
   * Applies `f` to every element. `f` must return new tensors or its input's (the consumer
   * disposes what it gets). After `batch`, `f` sees whole batches (one call per batch).
   */
  map<U>(f: (element: T) => U): Dataset<U> {
    if (typeof f !== 'function') throw new TypeError('Dataset.map: f must be a function');
    const src = this.src;
    return new Dataset<U>({
      length: src.length,
      get: (e, i) => {
        const x = src.get(e, i);
        const y = f(x);
        // release the input's tensors that f did not pass through
        const kept = new Set<Tensor>(treeFlatten(y)[0]);
        for (const l of treeFlatten(x)[0]) if (!kept.has(l)) l.dispose();
        return y;
      },
    });
  }

  /**
   * The dataset `count` times over (default Infinity), each pass a new epoch of this one (a new
   * shuffle order).
   */
  repeat(count = Infinity): Dataset<T> {
    checkCount('repeat', 'count', count, true);
    const src = this.src;
    const n = src.length;
    if (n === Infinity) throw new Error('Dataset.repeat: the dataset is infinite already');
    if (n === 0) throw new Error('Dataset.repeat: cannot repeat an empty dataset');
    const inner = (e: number, i: number): [number, number] => [
      (count === Infinity ? 0 : e * count) + Math.floor(i / n),
      i % n,
    ];
    return new Dataset<T>({
      length: n * count,
      get: (e, i) => src.get(...inner(e, i)),
      getMany: (e, idx) => {
        // one gather per inner epoch the indices span, then joined
        const parts: T[] = [];
        let k = 0;
        while (k < idx.length) {
          const [ie] = inner(e, idx[k]!);
          const run: number[] = [];
          while (k < idx.length && inner(e, idx[k]!)[0] === ie) run.push(inner(e, idx[k++]!)[1]);
          parts.push(gather(src, ie, run));
        }
        if (parts.length === 1) return parts[0]!;
        const [leaves0, def] = treeFlatten(parts[0]);
        const cols = leaves0.map((_, j) => parts.map((p) => treeFlatten(p)[0][j]!));
        const joined = treeUnflatten<T>(
          def,
          cols.map((c) => concat(c, 0)),
        );
        for (const p of parts) disposeTree(p);
        return joined;
      },
    });
  }

  /** The first `n` elements of every epoch. */
  take(n: number): Dataset<T> {
    checkCount('take', 'n', n);
    const src = this.src;
    return new Dataset<T>({
      length: Math.min(n, src.length),
      get: (e, i) => src.get(e, i),
      ...(src.getMany ? { getMany: (e: number, idx: readonly number[]) => src.getMany!(e, idx) } : {}),
    });
  }
}
