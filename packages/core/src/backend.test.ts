/** Choosing backends: useBackend / getBackend / withBackend, and mixing tensors of two backends. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  add,
  cpu,
  getBackend,
  grad,
  matmul,
  ones,
  sum,
  tensor,
  useBackend,
  withBackend,
  type Backend,
} from './index.js';

/** A cpu backend under another name, so error messages can tell the two apart. */
function renamed(name: string): Backend {
  return Object.create(cpu(), { name: { value: name } }) as Backend;
}

const original = getBackend();
afterEach(() => {
  useBackend(original);
});

describe('current backend', () => {
  it('defaults to the cpu reference backend with every dtype', () => {
    expect(original.name).toBe('cpu');
    expect([...original.dtypes].sort()).toEqual(['bool', 'float32', 'float64', 'int32']);
    expect(getBackend()).toBe(original); // stable across calls
  });

  it('useBackend switches and returns the previous backend', () => {
    const b = cpu();
    const prev = useBackend(b);
    expect(prev).toBe(original);
    expect(getBackend()).toBe(b);
    expect(tensor([1]).backend).toBe(b);
    expect(useBackend(prev)).toBe(b);
    expect(getBackend()).toBe(original);
  });

  it('useBackend refuses what is not a backend', () => {
    expect(() => useBackend({} as Backend)).toThrow(/useBackend: expected a Backend/);
    expect(() => useBackend(null as unknown as Backend)).toThrow(/useBackend/);
    expect(getBackend()).toBe(original);
  });

  it('withBackend sets the backend inside and restores it after', () => {
    const b = cpu();
    const out = withBackend(b, () => {
      expect(getBackend()).toBe(b);
      return ones([2]);
    });
    expect(out.backend).toBe(b);
    expect(getBackend()).toBe(original);
  });

  it('withBackend restores the backend when fn throws, and rethrows', () => {
    const b = cpu();
    const boom = new Error('boom');
    expect(() =>
      withBackend(b, () => {
        throw boom;
      }),
    ).toThrow(boom);
    expect(getBackend()).toBe(original);
  });

  it('withBackend nests, restoring each level', () => {
    const [b1, b2] = [cpu(), cpu()];
    withBackend(b1, () => {
      expect(() =>
        withBackend(b2, () => {
          expect(getBackend()).toBe(b2);
          throw new Error('inner');
        }),
      ).toThrow('inner');
      expect(getBackend()).toBe(b1);
    });
    expect(getBackend()).toBe(original);
  });
});

describe('tensors of two backends', () => {
  it('an op on tensors from two backend instances throws naming both', () => {
    const [p, q] = [renamed('left-cpu'), renamed('right-cpu')];
    const a = tensor([1, 2], { backend: p });
    const b = tensor([3, 4], { backend: q });
    expect(() => add(a, b)).toThrow(/add: inputs live on different backends \(left-cpu and right-cpu\)/);
    expect(() => matmul(tensor([[1, 2]], { backend: p }), tensor([[1], [2]], { backend: q }))).toThrow(
      /matmul: .*left-cpu.*right-cpu/,
    );
    // two plain cpu() instances are different backends too
    expect(() => add(tensor([1], { backend: cpu() }), tensor([1], { backend: cpu() }))).toThrow(
      /add: inputs live on different backends/,
    );
  });

  it('one backend throughout works: numbers, results and gradients stay on it', () => {
    const p = renamed('mine');
    const x = tensor([1, 2, 3], { backend: p, dtype: 'float64' });
    const y = add(x, 1);
    expect(y.backend).toBe(p);
    expect(y.toArray()).toEqual([2, 3, 4]);
    const g = grad((t) => sum(t.mul(t)))(x);
    expect(g.backend).toBe(p);
    expect(g.toArray()).toEqual([2, 4, 6]);
    // ...even while another backend is current
    const z = withBackend(cpu(), () => add(x, x));
    expect(z.backend).toBe(p);
  });
});
