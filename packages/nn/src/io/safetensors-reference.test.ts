/**
 * Against the reference safetensors implementation (Hugging Face's, what PyTorch and JAX users
 * read and write with). A fixture it wrote (`fixtures/reference-writer.safetensors`, from
 * `scripts/safetensors-reference.py write`) loads here with every value exact, F16, I64, U32 and
 * the small integer types included; and a file written here is one the reference reader read.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor, type Tensor } from '@gen-ts/core';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, readSafetensorsHeader } from './safetensors.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const SCRIPT = here('../../../../scripts/safetensors-reference.py');

describe('safetensors written by the reference implementation', () => {
  it('loads every tensor of its fixture exactly', () => {
    const bytes = new Uint8Array(readFileSync(here('./fixtures/reference-writer.safetensors')));
    expect(readSafetensorsHeader(bytes).metadata).toEqual({ format: 'np', writer: 'safetensors reference' });
    const t = decodeSafetensors<Record<string, Tensor>>(bytes);
    const v = (name: string) => t[name]!.toArray();
    expect(v('f16')).toEqual([
      [1, -2.5],
      [65504, 2 ** -24],
    ]);
    expect(v('f32')).toEqual([Math.fround(0.1), -0, Infinity]);
    expect(Object.is((v('f32') as number[])[1], -0)).toBe(true);
    expect(v('f64')).toBe(Math.PI);
    expect(t['f64']!.dtype).toBe('float64');
    expect(v('i64')).toEqual([-3, 2147483647, -2147483648]);
    expect(v('i32')).toEqual([[1, -1]]);
    expect(v('i16')).toEqual([-32768, 32767]);
    expect(v('u16')).toEqual([65535]);
    expect(v('i8')).toEqual([-128, 127]);
    expect(v('u8')).toEqual([0, 255]);
    expect(v('u32')).toEqual([7, 2147483647]);
    expect(v('bool')).toEqual([true, false, true]);
    expect(t['empty']!.shape).toEqual([0, 3]);
  });
});

/** The tree whose file the reference reader checked: every dtype, nesting, an empty tensor, a non-tensor leaf. */
function ourTree() {
  return {
    dense: {
      kernel: tensor([
        [0.5, -1.25],
        [3, 1e-30],
      ]),
      bias: tensor([0.1, -0.2], { dtype: 'float64' }),
    },
    count: tensor(7, { dtype: 'int32' }),
    mask: tensor([true, false], { dtype: 'bool' }),
    empty: tensor([], { dtype: 'float32', shape: [0, 2] }),
    step: 12,
  };
}

/** What the reference reader printed for `fixtures/gen-ts-writer.safetensors`. */
interface ReferenceReading {
  tensors: Record<string, { dtype: string; shape: number[]; values: (number | boolean | string)[] }>;
  metadata: Record<string, string>;
}

/**
 * A file written here, read by the reference reader. `fixtures/gen-ts-writer.safetensors` is what
 * `encodeSafetensors(ourTree())` wrote, and `fixtures/gen-ts-writer.reference.json` is what
 * `scripts/safetensors-reference.py read` (Hugging Face's safetensors 0.8.0) printed for it. The
 * writer must still produce those bytes exactly, so the reference's verdict still applies; after a
 * deliberate change to the format, regenerate both files with the commands in the script's header.
 * Where Python with `safetensors` is at hand (GEN_TS_SAFETENSORS_PYTHON, or python3), the reader is
 * also run live on a fresh file.
 */
describe('safetensors written here, read by the reference implementation', () => {
  const bytes = () => new Uint8Array(readFileSync(here('./fixtures/gen-ts-writer.safetensors')));
  const reading = () =>
    JSON.parse(readFileSync(here('./fixtures/gen-ts-writer.reference.json'), 'utf8')) as ReferenceReading;

  it('writes the very bytes the reference reader checked', async () => {
    const ours = await encodeSafetensors(ourTree(), { metadata: { note: 'from gen-ts' } });
    expect(Buffer.from(ours).equals(Buffer.from(bytes()))).toBe(true);
  });

  it('the reference reader saw every dtype, shape, value and the metadata', () => {
    expectReading(reading());
  });

  const python = process.env['GEN_TS_SAFETENSORS_PYTHON'] ?? 'python3';
  const live = spawnSync(python, ['-c', 'import safetensors, numpy'], { encoding: 'utf8' }).status === 0;
  it(`and reads a fresh file the same way (live: ${live ? python : 'no Python with safetensors here'})`, async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gen-ts-st-')), 'ours.safetensors');
    writeFileSync(path, await encodeSafetensors(ourTree(), { metadata: { note: 'from gen-ts' } }));
    if (!live) {
      // Without the reference at hand, the file must at least be the one it checked.
      expect(Buffer.from(readFileSync(path)).equals(Buffer.from(bytes()))).toBe(true);
      return;
    }
    const r = spawnSync(python, [SCRIPT, 'read', path], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as ReferenceReading;
    expectReading(out);
    expect(out).toEqual(reading());
  });
});

function expectReading(out: ReferenceReading): void {
  expect(out.tensors['dense.kernel']).toEqual({
    dtype: 'float32',
    shape: [2, 2],
    values: [0.5, -1.25, 3, Math.fround(1e-30)],
  });
  expect(out.tensors['dense.bias']).toEqual({ dtype: 'float64', shape: [2], values: [0.1, -0.2] });
  expect(out.tensors['count']).toEqual({ dtype: 'int32', shape: [], values: [7] });
  expect(out.tensors['mask']).toEqual({ dtype: 'bool', shape: [2], values: [true, false] });
  expect(out.tensors['empty']).toEqual({ dtype: 'float32', shape: [0, 2], values: [] });
  expect(out.metadata['note']).toBe('from gen-ts');
  expect(JSON.parse(out.metadata['gen-ts.tree']!)).toBeTruthy(); // the structure travels as a string, as the format wants
}
