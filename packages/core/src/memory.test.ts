/**
 * `tidy` and `dispose` on the cpu backend (the same scopes serve every backend; the gpu suite
 * counts device buffers): what a scope keeps, what it disposes, when its function throws, inside
 * a transform, and `dispose(old, next)` sparing what `next` carries over.
 */
import { describe, expect, it } from 'vitest';
import { add, dispose, grad, mul, sum, tensor, tidy, type Tensor } from './index.js';

describe('tidy', () => {
  it('keeps what fn returns (in any object) and disposes the rest, which says so', () => {
    const x = tensor([1, 2, 3]);
    let mid: Tensor | undefined;
    const out = tidy(() => {
      mid = mul(x, 2);
      return { total: sum(mid), list: [add(x, 1)], n: 4, map: new Map([['k', add(x, 2)]]) };
    });
    expect(mid!.isDisposed).toBe(true);
    expect(x.isDisposed).toBe(false); // made outside the scope
    expect(out.total.itemSync()).toBe(12);
    expect(out.list[0]!.isDisposed).toBe(false);
    expect(out.map.get('k')!.isDisposed).toBe(false);
    expect(() => add(mid!, 1)).toThrow(/add: input 0 \(float32\[3\]\) was used after dispose\(\)/);
  });

  it('disposes everything it created when fn throws, and rethrows', () => {
    let made: Tensor[] = [];
    expect(() =>
      tidy(() => {
        made = [tensor([1]), mul(tensor([2]), 3)];
        throw new RangeError('inside');
      }),
    ).toThrow('inside');
    expect(made.every((t) => t.isDisposed)).toBe(true);
  });

  it('nests: an inner scope hands what it keeps to the outer one', () => {
    let inner: Tensor | undefined;
    const out = tidy(() => {
      inner = tidy(() => mul(tensor([2]), 2));
      expect(inner.isDisposed).toBe(false);
      return add(inner, 1);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(out.toArray()).toEqual([5]);
  });

  it('inside a transform only runs fn (the transform still needs its values)', () => {
    const g = grad((x: Tensor) => tidy(() => sum(mul(mul(x, x), 3))))(tensor([1, 2]));
    expect((g as Tensor).toArray()).toEqual([6, 12]);
  });

  it('names a non-function', () => {
    expect(() => tidy(3 as never)).toThrow(/tidy: fn must be a function, got number/);
  });
});

describe('dispose', () => {
  it('disposes a tree, sparing the tensors another tree holds', () => {
    const shared = tensor([1]);
    const old = { a: tensor([2]), b: shared, c: [tensor([3])] };
    const next = { a: tensor([4]), b: shared };
    dispose(old, next);
    expect([old.a.isDisposed, shared.isDisposed, old.c[0]!.isDisposed]).toEqual([true, false, true]);
    dispose(next);
    expect(shared.isDisposed).toBe(true);
  });
});
