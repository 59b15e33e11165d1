/**
 * What a kernel generator produces: gpu.js source text plus how to run it. Generators are pure
 * functions of plain-data arguments (shapes, strides, op names); the engine caches their output
 * under the generator's name and arguments (`kernels/index.ts`), so each is generated and compiled
 * once.
 */

/** A kernel ready for `gpu.createKernel`. */
export interface KernelSpec {
  /** `function (x0, x1) { ... }`: the kernel body, read by gpu.js's parser. */
  readonly source: string;
  /** gpu.js output dims (`[x]`, `[x, y]` or `[x, y, z]`, x fastest). */
  readonly output: readonly number[];
  /** `Array(4)` for register-blocked kernels (four results per thread); scalar otherwise. */
  readonly returnType?: 'Array(4)';
  /** Element count of the result (after `post`). */
  readonly size: number;
  /** Multiply-adds per output (a dot product's length); 1 for elementwise kernels. */
  readonly work?: number;
  /** Rearranges a blocked result into row-major order. */
  readonly post?: (flat: Float32Array) => Float32Array;
}

/** A float literal gpu.js parses as a float on every backend (`1` would be typed as an integer). */
export function flt(v: number): string {
  if (Number.isNaN(v)) throw new RangeError('gpujs: NaN cannot be written into a kernel as a constant');
  if (!Number.isFinite(v)) return v > 0 ? '3.4028234663852886e38' : '-3.4028234663852886e38';
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return `${v}.0`;
  return String(v);
}

/** An integer literal for index arithmetic. */
export function int(v: number): string {
  if (!Number.isSafeInteger(v)) throw new RangeError(`gpujs: ${v} is not an index`);
  return String(v);
}
