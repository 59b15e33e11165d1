/**
 * The safetensors reader refuses truncated, corrupt and hostile files with an error naming the
 * problem (each rule of the format, one case each), and fast-check fuzzing (byte flips, truncations,
 * crafted headers) only ever gets a value or such an error: never a crash, a hang or an allocation
 * beyond the file's size.
 */
import fc from 'fast-check';
import { tensor } from '@gen-ts/core';
import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  readSafetensorsHeader,
} from './safetensors.js';
import { assemble, concatBytes, decodeOrClearError, le } from '../../../../test/support/safetensors-bytes.js';

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
