/**
 * The emitter on its own: constants of every LEB128 length and sign, loops, branches and memory
 * access in a small module that the engine validates and runs, and the memory import's rules.
 */
import { describe, expect, it } from 'vitest';
import { globalWebAssembly } from './api.js';
import { Code, encodeModule, I32 } from './emit.js';

const api = globalWebAssembly()!;

/** `f(out, n)`: stores `i * k + c` at `out + 4 i` for i < n, for each constant `c`. */
function module(constants: number[], k: number): (out: number, n: number) => Int32Array {
  const c = new Code([I32, I32]);
  const i = c.local(I32);
  const at = c.local(I32);
  c.get(0).set(at);
  c.for(i, 0, { local: 1 }, 1, () => {
    for (const v of constants) {
      // mem[at] = i * k + v, then at += 4
      c.get(at).get(i).i32(k).op('i32.mul').i32(v).op('i32.add').mem('i32.store');
      c.bump(at, 4);
    }
  });
  const bytes = encodeModule({ initialPages: 1, shared: false }, [
    { name: 'f', params: [I32, I32], code: c },
  ]);
  expect(api.validate(bytes)).toBe(true);
  const memory = new api.Memory({ initial: 1 });
  const f = (
    new api.Instance(new api.Module(bytes), { env: { memory } }).exports as {
      f: (o: number, n: number) => void;
    }
  ).f;
  return (out, n) => {
    f(out, n);
    return new Int32Array(memory.buffer, out, n * constants.length);
  };
}

describe('the WebAssembly emitter', () => {
  it('encodes i32 constants of every length and sign', () => {
    const constants = [0, 1, -1, 63, 64, -64, -65, 8191, -8192, 2 ** 20, -(2 ** 27), 2 ** 31 - 1, -(2 ** 31)];
    const got = module(constants, 0)(64, 1);
    expect(Array.from(got)).toEqual(constants);
  });

  it('runs a counted loop with a local stride', () => {
    expect(Array.from(module([5], 3)(128, 6))).toEqual([5, 8, 11, 14, 17, 20]);
    expect(Array.from(module([5], 3)(128, 0))).toEqual([]);
  });

  it('refuses a shared memory without a maximum', () => {
    expect(() => encodeModule({ initialPages: 1, shared: true }, [])).toThrow(
      /shared memory needs a maximum/,
    );
    const shared = encodeModule({ initialPages: 1, maximumPages: 4, shared: true }, []);
    expect(api.validate(shared)).toBe(true);
  });
});
