/** Random draws on the cpu backend: Threefry blocks on the host (see `prng.ts` for the streams). */
import type { DType, TypedArray } from '../dtype.js';
import { allocArray } from '../dtype.js';
import { threefryBlocks, uniform24, uniform53 } from '../prng.js';

/** `n` uniforms in [0, 1): 53 random bits for float64, 24 for float32. */
export function uniformCpu(key: readonly [number, number], n: number, dtype: DType): TypedArray {
  const blocks = threefryBlocks(key[0], key[1], n);
  const res = allocArray(dtype, n);
  const u = dtype === 'float64' ? uniform53 : uniform24;
  for (let i = 0; i < n; i++) res[i] = u(blocks, i);
  return res;
}

/** `n` booleans, true where the 53-bit uniform is below `p`. */
export function bernoulliCpu(key: readonly [number, number], p: number, n: number): TypedArray {
  const blocks = threefryBlocks(key[0], key[1], n);
  const res = new Uint8Array(n);
  for (let i = 0; i < n; i++) res[i] = uniform53(blocks, i) < p ? 1 : 0;
  return res;
}
