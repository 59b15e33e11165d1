/**
 * The cpu backend's transposed views and its reuse of disposed arrays. A view is read in place by
 * the products (the backward pass of an MLP makes no transpose copy), copied once for anything
 * else, and keeps its values under reshapes and re-interpretation. A disposed array is reused
 * only when no other tensor can still see it: reshapes, views and the caller's own arrays are
 * never handed out twice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  add,
  cpu,
  matmul,
  mean,
  mT,
  mul,
  normal,
  key,
  relu,
  reshape,
  square,
  sub,
  tensor,
  valueAndGrad,
  where,
  withBackend,
  type Tensor,
} from '../index.js';
import { MIN_POOLED_BYTES } from './pool.js';
import { Swapped } from './views.js';

const be = cpu();
const on = <T>(f: () => T): T => withBackend(be, f);
const values = (t: Tensor): number[] => Array.from(t.dataSync());

describe('transposed views', () => {
  it('the backward pass of an MLP reads its transposes in place (no copies)', () => {
    on(() => {
      const x = normal(key(1), [16, 12]);
      const y = normal(key(2), [16, 3]);
      const w = [normal(key(3), [12, 8]), normal(key(4), [8, 3])];
      const loss = (v: Tensor[]) => mean(square(sub(matmul(relu(matmul(x, v[0]!)), v[1]!), y)));
      const before = Swapped.copies;
      const [, g] = valueAndGrad(loss)(w) as [Tensor, Tensor[]];
      g.forEach((t) => t.dataSync());
      expect(Swapped.copies).toBe(before);
      // and the gradient is right: dW2 = h^T dY from explicit transposes
      const h = relu(matmul(x, w[0]!));
      const dy = mul(sub(matmul(h, w[1]!), y), 2 / (16 * 3));
      const want = matmul(tensor(values(mT(h)), { shape: [8, 16] }), dy);
      values(want).forEach((v, i) => expect(g[1]!.dataSync()[i]).toBeCloseTo(v, 5));
    });
  });

  it('keeps its values through reshape, elementwise ops, a second transpose and readback', () => {
    on(() => {
      const a = tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
      const t = mT(a);
      expect(t.toArray()).toEqual([
        [1, 4],
        [2, 5],
        [3, 6],
      ]);
      expect(values(reshape(t, [6]))).toEqual([1, 4, 2, 5, 3, 6]);
      expect(values(add(t, 1))).toEqual([2, 5, 3, 6, 4, 7]);
      expect(values(mT(t))).toEqual([1, 2, 3, 4, 5, 6]);
      expect(values(matmul(t, a))).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
    });
  });

  it('a kernel that reads a view under another shape sees the row-major data', () => {
    on(() => {
      const t = mT(tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] })); // [[1,4],[2,5],[3,6]]
      const b = tensor([1, 0, 0, 1, 1, 1], { shape: [2, 3] });
      // what a convolution does with its kernel: hand the buffer on as a [1, 6] matrix
      const c = be.matmul(
        { shape: [1, 6], dtype: 'float32', buf: t.buf },
        { shape: [6, 1], dtype: 'float32', buf: reshape(b, [6, 1]).buf },
        [1, 1],
      );
      expect(Array.from(be.readSync!({ shape: [1, 1], dtype: 'float32', buf: c }))).toEqual([
        1 + 0 + 0 + 5 + 3 + 6,
      ]);
    });
  });

  it('no cpu kernel reads a buffer except through views.ts (a view is not a typed array)', () => {
    const dir = new URL('.', import.meta.url).pathname;
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'views.ts',
    );
    expect(files.length).toBeGreaterThan(5);
    // handing a buffer on (dispose's release) is fine; reading one as an array is not
    const reads = files.flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .map((line, i) => [`${f}:${i + 1}`, line] as const)
        .filter(([, line]) => /\.buf\b/.test(line) && !/release\(x\.buf/.test(line)),
    );
    expect(reads, 'use contiguous(x) or operand(x) from views.ts').toEqual([]);
  });
});

describe('reuse of disposed arrays', () => {
  const n = MIN_POOLED_BYTES / 4; // float32 elements of the smallest array that is kept
  const big = (v: number) => tensor(new Float32Array(n).fill(v), { shape: [n] });

  it('keeps a disposed result and hands it to the next result of that size, zeroed first', () => {
    const b = cpu();
    withBackend(b, () => {
      const x = big(1);
      const y = add(x, 1); // a kernel result: the backend's own array
      y.dispose();
      expect(b.info().pooledBytes).toBe(n * 4);
      const z = mul(x, 3);
      expect(b.info().pooledBytes).toBe(0);
      expect(values(z).every((v) => v === 3)).toBe(true);
      const small = add(tensor([1, 2]), 1);
      small.dispose();
      expect(b.info().pooledBytes).toBe(0); // small arrays are cheap: not kept
    });
  });

  it('never reuses an array another tensor still sees: reshapes, views, where, the caller’s array', () => {
    const b = cpu();
    withBackend(b, () => {
      const y = add(big(1), 1);
      const r = reshape(y, [2, n / 2]);
      const kept = add(big(1), 3);
      const w = where(tensor(true, { dtype: 'bool' }), kept, big(0)); // one decision: shares kept's array
      kept.dispose();
      const t = mT(add(big(1), 2).reshape([n / 2, 2]));
      const host = new Float32Array(n).fill(7);
      const u = tensor(host, { shape: [n] });
      y.dispose();
      u.dispose();
      expect(b.info().pooledBytes).toBe(0);
      const fresh = [mul(big(1), 5), mul(big(1), 6), mul(big(1), 8)];
      expect(values(r).every((v) => v === 2)).toBe(true);
      expect(values(w).every((v) => v === 4)).toBe(true);
      expect(values(t).every((v) => v === 3)).toBe(true);
      expect(host.every((v) => v === 7)).toBe(true);
      expect(fresh.map((f) => f.dataSync()[0])).toEqual([5, 6, 8]);
    });
  });

  it('stays bounded over a training loop that disposes its old parameters and gradients', () => {
    const b = cpu();
    withBackend(b, () => {
      const x = normal(key(1), [64, 256]);
      let w = normal(key(2), [256, 128]);
      const loss = (v: Tensor) => mean(square(matmul(x, v)));
      const held: number[] = [];
      for (let i = 0; i < 20; i++) {
        const [, g] = valueAndGrad(loss)(w) as [Tensor, Tensor];
        const next = sub(w, mul(g, 0.01));
        w.dispose();
        g.dispose();
        w = next;
        held.push(b.info().pooledBytes);
      }
      expect(Math.max(...held.slice(2))).toBeLessThanOrEqual(2 * 256 * 128 * 4);
      expect(new Set(held.slice(2)).size).toBe(1);
    });
  });
});
