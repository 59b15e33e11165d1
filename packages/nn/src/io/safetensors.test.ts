/**
 * safetensors: the layout other readers expect (checked byte by byte against the format), files from
 * other writers (assembled here by hand from the format's rules, with F16, BF16, I64 and U8
 * tensors), and a round trip of every dtype and of trees with every kind of static leaf. The
 * refusals and the fuzzing are in safetensors-fuzz.test.ts.
 */
import fc from 'fast-check';
import { tensor, type DType, type Tensor } from '@gen-ts/core';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, readSafetensorsHeader } from './safetensors.js';
import { assemble, concatBytes, le } from '../../../../test/support/safetensors-bytes.js';

describe('safetensors layout', () => {
  it('writes a u64 LE header length, a space-padded JSON header and sorted, contiguous, aligned data', async () => {
    const bytes = await encodeSafetensors({
      b: tensor([1, 2, 3], { dtype: 'int32' }),
      a: tensor(
        [
          [1.5, -2],
          [0, 4],
        ],
        { dtype: 'float64' },
      ),
      flag: tensor([true, false, true], { dtype: 'bool' }),
      w: tensor([0.25], { dtype: 'float32' }),
    });
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const n = Number(view.getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text[0]).toBe('{');
    expect(text.trimEnd().length).toBeLessThanOrEqual(n);
    expect(/^[^ ]*\}? *$/.test(text.slice(text.trimEnd().length - 1))).toBe(true);
    const header = JSON.parse(text) as Record<
      string,
      { dtype: string; shape: number[]; data_offsets: [number, number] }
    >;
    expect(
      Object.values(header['__metadata__'] as unknown as Record<string, unknown>).every(
        (v) => typeof v === 'string',
      ),
    ).toBe(true);
    const entries = Object.entries(header)
      .filter(([k]) => k !== '__metadata__')
      .sort((x, y) => x[1].data_offsets[0] - y[1].data_offsets[0]);
    expect(entries.map(([k, e]) => [k, e.dtype, e.shape])).toEqual([
      ['a', 'F64', [2, 2]],
      ['b', 'I32', [3]],
      ['w', 'F32', [1]],
      ['flag', 'BOOL', [3]],
    ]);
    let at = 0;
    const size: Record<string, number> = { F64: 8, I32: 4, F32: 4, BOOL: 1 };
    for (const [, e] of entries) {
      expect(e.data_offsets[0]).toBe(at);
      expect(e.data_offsets[0] % size[e.dtype]!).toBe(0);
      at = e.data_offsets[1];
    }
    expect(8 + n + at).toBe(bytes.length);
    // the F64 data is little-endian IEEE doubles
    expect(new DataView(bytes.buffer, bytes.byteOffset + 8 + n).getFloat64(0, true)).toBe(1.5);
    expect(new DataView(bytes.buffer, bytes.byteOffset + 8 + n).getFloat64(8, true)).toBe(-2);
  });
});

describe('safetensors from other writers', () => {
  it('loads F16, BF16, I64, U8 and F32 tensors written by hand from the spec, metadata and all', () => {
    // F16: 1.0 = 0x3c00, -2.5 = 0xc100, 65504 (max) = 0x7bff, smallest subnormal 2^-24 = 0x0001
    const f16 = le(new Uint16Array([0x3c00, 0xc100, 0x7bff, 0x0001]));
    // BF16: 1.0 = 0x3f80, -0.5 = 0xbf00
    const bf16 = le(new Uint16Array([0x3f80, 0xbf00]));
    const i64 = le(new BigInt64Array([-3n, 2147483647n]));
    const u8 = new Uint8Array([0, 255, 7]);
    const f32 = le(new Float32Array([Math.fround(0.1)]));
    const header = {
      __metadata__: { format: 'pt' },
      'model.i64': { dtype: 'I64', shape: [2], data_offsets: [0, 16] },
      'model.f16': { dtype: 'F16', shape: [2, 2], data_offsets: [16, 24] },
      'model.bf16': { dtype: 'BF16', shape: [2], data_offsets: [24, 28] },
      'model.f32': { dtype: 'F32', shape: [], data_offsets: [28, 32] },
      'model.u8': { dtype: 'U8', shape: [3], data_offsets: [32, 35] },
      'model.empty': { dtype: 'F32', shape: [0, 3], data_offsets: [35, 35] },
    };
    const file = assemble(header, concatBytes(i64, f16, bf16, f32, u8), 3);
    const t = decodeSafetensors<Record<string, Tensor>>(file);
    expect(Object.keys(t).sort()).toEqual([
      'model.bf16',
      'model.empty',
      'model.f16',
      'model.f32',
      'model.i64',
      'model.u8',
    ]);
    expect(t['model.f16']!.dtype).toBe('float32');
    expect(t['model.f16']!.toArray()).toEqual([
      [1, -2.5],
      [65504, 2 ** -24],
    ]);
    expect(t['model.bf16']!.toArray()).toEqual([1, -0.5]);
    expect(t['model.i64']!.dtype).toBe('int32');
    expect(t['model.i64']!.toArray()).toEqual([-3, 2147483647]);
    expect(t['model.u8']!.toArray()).toEqual([0, 255, 7]);
    expect(t['model.f32']!.shape).toEqual([]);
    expect(t['model.f32']!.toArray()).toBe(Math.fround(0.1));
    expect(t['model.empty']!.shape).toEqual([0, 3]);
    expect(readSafetensorsHeader(file).metadata).toEqual({ format: 'pt' });
  });

  it('decodes F16 infinities and NaN', () => {
    const file = assemble(
      { h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] } },
      le(new Uint16Array([0x7c00, 0xfc00, 0x7e00])),
    );
    const v = decodeSafetensors<{ h: Tensor }>(file).h.toArray() as number[];
    expect(v[0]).toBe(Infinity);
    expect(v[1]).toBe(-Infinity);
    expect(Number.isNaN(v[2])).toBe(true);
  });

  it('refuses an I64 value outside int32 and F8 tensors, naming the tensor', () => {
    const big = assemble(
      { big: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } },
      le(new BigInt64Array([2n ** 40n])),
    );
    expect(() => decodeSafetensors(big)).toThrow(
      /tensor 'big' \(I64\) holds 1099511627776 at index 0, outside int32/,
    );
    const f8 = assemble({ q: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2));
    expect(() => decodeSafetensors(f8)).toThrow(/tensor 'q' is F8_E4M3, which gen-ts does not load/);
  });

  it('keeps a tensor named __proto__ as a plain key', () => {
    const file = assemble(
      '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
      le(new Float32Array([3])),
    );
    const t = decodeSafetensors<Record<string, Tensor>>(file);
    expect(Object.getPrototypeOf(t)).toBe(Object.prototype);
    expect(Object.keys(t)).toEqual(['__proto__']);
  });
});

describe('safetensors round trip', () => {
  const values = (dtype: DType) =>
    dtype === 'float64'
      ? fc.double()
      : dtype === 'float32'
        ? fc.float()
        : dtype === 'int32'
          ? fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
          : fc.boolean().map(Number);

  it.each(['float32', 'float64', 'int32', 'bool'] as const)(
    'round-trips %s tensors bit for bit (any shape)',
    async (dtype) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }).chain((shape) =>
            fc.tuple(
              fc.constant(shape),
              fc.array(values(dtype), {
                minLength: shape.reduce((a, b) => a * b, 1),
                maxLength: shape.reduce((a, b) => a * b, 1),
              }),
            ),
          ),
          async ([shape, vals]) => {
            const t = tensor(vals, { dtype, shape });
            const back = decodeSafetensors<{ t: Tensor }>(await encodeSafetensors({ t })).t;
            expect(back.dtype).toBe(dtype);
            expect(back.shape).toEqual(shape);
            const a = t.dataSync();
            const b = back.dataSync();
            expect(le(b)).toEqual(le(a)); // the same bytes: NaN payloads and -0 included
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  it('round-trips a tree: nesting, key order, dotted keys and every static leaf', async () => {
    const tree = {
      'a.b': tensor([1]),
      a: {
        b: tensor([2]),
        list: [tensor([3]), 'str', 4.5, -0, NaN, Infinity, -Infinity, null, undefined, true],
      },
      __metadata__: tensor([5]),
      empty: {},
      none: [],
    };
    const back = decodeSafetensors<typeof tree>(await encodeSafetensors(tree, { metadata: { note: 'hi' } }));
    expect(Object.keys(back)).toEqual(Object.keys(tree));
    expect(back['a.b'].toArray()).toEqual([1]);
    expect(back.a.b.toArray()).toEqual([2]);
    expect(back.__metadata__.toArray()).toEqual([5]);
    const [t3, ...statics] = back.a.list;
    expect((t3 as Tensor).toArray()).toEqual([3]);
    expect(statics.slice(0, 2)).toEqual(['str', 4.5]);
    expect(Object.is(statics[2], -0)).toBe(true);
    expect(Number.isNaN(statics[3])).toBe(true);
    expect(statics.slice(4)).toEqual([Infinity, -Infinity, null, undefined, true]);
    expect(back.empty).toEqual({});
    expect(back.none).toEqual([]);
  });

  it('keeps the holes of a sparse array (as sequential builds its state), as undefined entries', async () => {
    const holes: unknown[] = new Array(4);
    holes[2] = tensor([1]);
    const back = decodeSafetensors<unknown[]>(await encodeSafetensors({ holes })) as unknown as {
      holes: unknown[];
    };
    expect(back.holes.length).toBe(4);
    expect([back.holes[0], back.holes[1], back.holes[3]]).toEqual([undefined, undefined, undefined]);
    expect((back.holes[2] as Tensor).toArray()).toEqual([1]);
  });

  it('rejects what it cannot store, and reserved metadata keys', async () => {
    await expect(encodeSafetensors({ d: new Date() })).rejects.toThrow(/cannot store a Date at 'd'/);
    await expect(encodeSafetensors({ t: tensor([1]) }, { metadata: { 'gen-ts.tree': 'x' } })).rejects.toThrow(
      /reserved/,
    );
    await expect(encodeSafetensors({}, { bogus: 1 } as object)).rejects.toThrow(/unknown option 'bogus'/);
    const cyc: Record<string, unknown> = {};
    cyc['self'] = cyc;
    await expect(encodeSafetensors(cyc)).rejects.toThrow(/cycle/);
  });
});
