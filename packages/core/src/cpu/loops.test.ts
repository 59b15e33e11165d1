/**
 * The cpu backend's two loop paths: the closures (no code generation, for a strict
 * Content-Security-Policy) compute exactly what the compiled loops compute, for every
 * elementwise op, dtype and access pattern, NaN, infinities and signed zeros included; the option
 * is validated; and where code generation is forbidden (Node's
 * `--disallow-code-generation-from-strings`, which blocks `new Function` as a CSP without
 * 'unsafe-eval' does), the default backend takes the closures and `'compiled'` is refused by name.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BinaryOp, CompareOp, TensorInfo, UnaryOp } from '../backend.js';
import { BINARY, UNARY } from '../prims/elementwise.js';
import type { DType, TypedArray } from '../dtype.js';
import type { Shape } from '../shape.js';
import { cpu } from './cpu-backend.js';

const compiled = cpu({ loops: 'compiled' });
const closures = cpu({ loops: 'closures' });

const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, 3, 1e-300, 1e300, Infinity, -Infinity, NaN];

function input(shape: Shape, dtype: DType, seed: number): TensorInfo {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => SPECIAL[(i * 5 + seed) % SPECIAL.length]!);
  const buf = compiled.upload(castTo(values, dtype), shape, dtype);
  return { shape, dtype, buf };
}

function castTo(values: number[], dtype: DType): TypedArray {
  if (dtype === 'float64') return Float64Array.from(values);
  if (dtype === 'float32') return Float32Array.from(values);
  if (dtype === 'int32') return Int32Array.from(values.map((v) => (Number.isFinite(v) ? Math.trunc(v) : 7)));
  return Uint8Array.from(values.map((v) => (v !== 0 && !Number.isNaN(v) ? 1 : 0)));
}

/** Bit-level equality (NaN equals NaN, 0 differs from -0). */
const same = (a: TypedArray, b: TypedArray) =>
  expect(Array.from(b, (v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(
    Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v))),
  );

// every op of the primitive tables, so a new primitive is covered by its row there
const UNARY_OPS = Object.keys(UNARY) as UnaryOp[];
const BINARY_OPS = Object.keys(BINARY) as BinaryOp[];
const COMPARE: CompareOp[] = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'];
const DTYPES: DType[] = ['float64', 'float32', 'int32'];
/** One shape pair per access pattern of the binary loops, with the output shape. */
const PATTERNS: [string, Shape, Shape, Shape][] = [
  ['same', [3, 4], [3, 4], [3, 4]],
  ['scalarA', [], [3, 4], [3, 4]],
  ['scalarB', [3, 4], [1, 1], [3, 4]],
  ['rowA', [4], [3, 4], [3, 4]],
  ['rowB', [3, 4], [4], [3, 4]],
  ['index', [3, 1], [1, 4], [3, 4]],
];

describe('cpu loops: closures against compiled', () => {
  it('reports the path each backend took', () => {
    expect([compiled.loops, closures.loops]).toEqual(['compiled', 'closures']);
  });

  it.each(UNARY_OPS.flatMap((op) => DTYPES.map((d) => [op, d] as const)))(
    '%s agrees bit for bit (%s)',
    (op, dtype) => {
      {
        const x = input([3, 4], dtype, 1);
        same(
          compiled.readSync!({ ...x, buf: compiled.unary(op, x) }),
          closures.readSync!({ ...x, buf: closures.unary(op, x) }),
        );
      }
    },
  );

  it.each(DTYPES)('binary ops and comparisons agree bit for bit on every access pattern (%s)', (dtype) => {
    for (const [, sa, sb, out] of PATTERNS) {
      const a = input(sa, dtype, 2);
      const b = input(sb, dtype, 7);
      for (const op of BINARY_OPS) {
        const r = (be: typeof compiled) => be.readSync!({ shape: out, dtype, buf: be.binary(op, a, b, out) });
        same(r(compiled), r(closures));
      }
      for (const op of COMPARE) {
        const r = (be: typeof compiled) =>
          be.readSync!({ shape: out, dtype: 'bool', buf: be.compare(op, a, b, out) });
        same(r(compiled), r(closures));
      }
    }
  });
});

describe('cpu options', () => {
  it('are validated, naming the option', () => {
    expect(() => cpu({ loop: 'compiled' } as never)).toThrow(/cpu: unknown option 'loop'/);
    expect(() => cpu({ loops: 'jit' as never })).toThrow(
      /option 'loops' must be 'auto', 'compiled' or 'closures', got "jit"/,
    );
    expect(cpu().loops).toBe('compiled'); // code generation is allowed in this process
  });

  it('take the closures where code generation is forbidden, and refuse compiled by name', () => {
    const script = [
      "import { cpu, getBackend, tensor } from '@gen-ts/core';",
      "let refused = '';",
      "try { cpu({ loops: 'compiled' }); } catch (e) { refused = e.message; }",
      'console.log(JSON.stringify({ loops: getBackend().loops, y: tensor([1, -2]).mul(3).exp().toArray(), refused }));',
    ].join('\n');
    const r = spawnSync(
      process.execPath,
      ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: join(import.meta.dirname, '..', '..', '..', '..'), encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { loops: string; y: number[]; refused: string };
    expect(out.loops).toBe('closures');
    expect(out.y).toEqual([Math.fround(Math.exp(3)), Math.fround(Math.exp(-6))]);
    expect(out.refused).toMatch(/option loops 'compiled' cannot run here: new Function is forbidden here/);
  });
});
