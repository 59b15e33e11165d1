/**
 * safetensors: the layout other readers expect (checked byte by byte against the format), files from
 * other writers (assembled here by hand from the format's rules, with F16, BF16, I64 and U8
 * tensors), a round trip of every dtype and of trees with every kind of static leaf, and a reader
 * that refuses truncated, corrupt and hostile files with an error naming the problem (fuzzed).
 */
import fc from 'fast-check';
import { tensor, type DType, type Tensor } from '@gen-ts/core';
import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  readSafetensorsHeader,
} from './safetensors.js';

/** A file from its parts, as a foreign writer would assemble it: u64 LE length, JSON, data. */
function assemble(header: unknown, data: Uint8Array = new Uint8Array(0), pad = 0): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const n = text.length + pad;
  const out = new Uint8Array(8 + n + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(text, 8);
  out.fill(0x20, 8 + text.length, 8 + n);
  out.set(data, 8 + n);
  return out;
}

const le = (arr: ArrayBufferView): Uint8Array => new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
const concatBytes = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Decoding must either succeed or throw an Error whose message says it is about safetensors. */
function decodeOrClearError(bytes: Uint8Array): 'ok' | 'refused' {
  try {
    const t = decodeSafetensors(bytes);
    // what came back is made of the file's bytes: never more than the file holds
    const leaves: Tensor[] = [];
    const walk = (x: unknown): void => {
      if (x && typeof x === 'object' && 'dtype' in x && 'shape' in x) leaves.push(x as Tensor);
      else if (x && typeof x === 'object') Object.values(x).forEach(walk);
    };
    walk(t);
    const bytesOut = leaves.reduce((n, l) => n + l.size, 0);
    expect(bytesOut).toBeLessThanOrEqual(bytes.length);
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/^safetensors: \S/);
    return 'refused';
  }
}

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

describe('safetensors refuses bad files', () => {
  const f32 = (n: number) => le(new Float32Array(n));
  const cases: [string, () => Uint8Array, RegExp][] = [
    [
      'a file shorter than 8 bytes',
      () => new Uint8Array(5),
      /5 bytes, shorter than the 8-byte header length/,
    ],
    [
      'a header length past the file',
      () => assemble({}).subarray(0, 9),
      /header length 2 runs past the end of the file \(9 bytes/,
    ],
    [
      'an oversized header length',
      () => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
        return b;
      },
      /exceeds the limit of 100000000 bytes/,
    ],
    [
      'a header length of 2^63',
      () => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true);
        return b;
      },
      /exceeds the limit/,
    ],
    ['a header that is not an object', () => assemble('[1, 2]'), /does not start with "\{"/],
    ['invalid JSON', () => assemble('{"a": '), /not valid JSON/],
    [
      'invalid UTF-8',
      () =>
        concatBytes(
          assemble('{"a":1}').subarray(0, 10),
          new Uint8Array([0xff]),
          assemble('{"a":1}').subarray(11),
        ),
      /not valid UTF-8/,
    ],
    [
      'a non-string metadata value',
      () => assemble({ __metadata__: { n: 1 } }),
      /__metadata__ value 'n' is a number; the format allows strings only/,
    ],
    [
      'an unknown dtype',
      () => assemble({ x: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, f32(4)),
      /tensor 'x': unknown dtype "F128"/,
    ],
    [
      'a negative dimension',
      () => assemble({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)),
      /shape must be an array of non-negative integers/,
    ],
    [
      'a fractional offset',
      () => assemble({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4.5] } }, f32(1)),
      /data_offsets must be \[begin, end\]/,
    ],
    [
      'offsets out of bounds',
      () => assemble({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(2)),
      /data_offsets \[0, 16\] are out of bounds \(the data section is 8 bytes\)/,
    ],
    [
      'offsets that end before they begin',
      () => assemble({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, f32(1)),
      /end before they begin/,
    ],
    [
      'a shape/dtype/size mismatch',
      () => assemble({ x: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, f32(2)),
      /shape \[2\] of F64 needs 16 bytes but data_offsets \[0, 8\] hold 8/,
    ],
    [
      'a huge shape over a small buffer (no allocation)',
      () =>
        assemble({ x: { dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 4] } }, f32(1)),
      /needs more than 2\^53 bytes/,
    ],
    [
      'overlapping tensors',
      () =>
        assemble(
          {
            x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          f32(3),
        ),
      /tensor 'y' \(bytes 4\.\.12\) overlaps the tensor before it/,
    ],
    [
      'a gap between tensors',
      () =>
        assemble(
          {
            x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
            y: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
          },
          f32(3),
        ),
      /a gap in the data: bytes 4\.\.8 belong to no tensor/,
    ],
    [
      'trailing bytes after the last tensor',
      () => assemble({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)),
      /the data section is 8 bytes but the tensors cover 4 \(trailing bytes\)/,
    ],
    [
      'a tree that names a missing tensor',
      () => assemble({ __metadata__: { 'gen-ts.tree': '{"t":"nope"}' } }),
      /malformed tree in __metadata__ at the root: it names tensor 'nope'/,
    ],
    [
      'a tree nested without end',
      () => assemble({ __metadata__: { 'gen-ts.tree': '{"a":['.repeat(2000) + ']}'.repeat(2000) } }),
      /nested deeper than 512 levels/,
    ],
  ];
  it.each(cases)('refuses %s', (_what, make, message) => {
    expect(() => decodeSafetensors(make())).toThrow(message);
    expect(decodeOrClearError(make())).toBe('refused');
  });

  it('fuzz: random byte flips and truncations of a valid file give a value or a clear error', async () => {
    const valid = await encodeSafetensors({
      w: tensor([
        [1, 2],
        [3, 4],
      ]),
      b: tensor([1, 2], { dtype: 'float64' }),
      n: tensor([7], { dtype: 'int32' }),
      meta: ['x', 3, null],
    });
    const outcomes = { ok: 0, refused: 0 };
    await fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.option(fc.nat({ max: valid.length }), { nil: undefined }),
        (flips, cut) => {
          const b = valid.slice(0, cut ?? valid.length);
          for (const [i, x] of flips) if (i < b.length) b[i] ^= x;
          outcomes[decodeOrClearError(b)]++;
        },
      ),
      { numRuns: 600 },
    );
    expect(outcomes.refused).toBeGreaterThan(300); // most flips land in the header and are caught
    // flips in the data section change values, never the structure: those files always load
    const dataStart = readSafetensorsHeader(valid).dataStart;
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: dataStart, max: valid.length - 1 }), fc.integer({ min: 1, max: 255 })),
          { minLength: 1 },
        ),
        (flips) => {
          const b = valid.slice();
          for (const [i, x] of flips) b[i] ^= x;
          expect(decodeOrClearError(b)).toBe('ok');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('fuzz: crafted headers (arbitrary JSON, numbers and lengths) give a value or a clear error', () => {
    const dim = fc.oneof(
      fc.nat({ max: 8 }),
      fc.constantFrom(-1, 0.5, 2 ** 53, 2 ** 60, 1e308, NaN as unknown as number),
    );
    const entry = fc.record({
      dtype: fc.oneof(
        fc.constantFrom('F32', 'F64', 'I32', 'BOOL', 'F16', 'BF16', 'I64', 'U8', 'U64', 'F8_E5M2', 'X'),
        fc.anything(),
      ),
      shape: fc.oneof(fc.array(dim, { maxLength: 4 }), fc.anything()),
      data_offsets: fc.oneof(
        fc.tuple(fc.nat({ max: 64 }), fc.nat({ max: 64 })),
        fc.array(dim, { maxLength: 3 }),
        fc.anything(),
      ),
    });
    const header = fc.oneof(
      fc.dictionary(fc.string({ maxLength: 6 }), entry, { maxKeys: 4 }).map((h) => JSON.stringify(h)),
      fc.json(),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(header, fc.nat({ max: 64 }), fc.integer({ min: -4, max: 4 }), (h, dataLen, lengthSkew) => {
        const file = assemble(
          h,
          new Uint8Array(dataLen).map((_, i) => i * 31),
        );
        const view = new DataView(file.buffer);
        const n = Number(view.getBigUint64(0, true));
        view.setBigUint64(0, BigInt(Math.max(0, n + lengthSkew)), true);
        decodeOrClearError(file);
      }),
      { numRuns: 1500 },
    );
  });
});
