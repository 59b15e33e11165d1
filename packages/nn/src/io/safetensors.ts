/**
 * safetensors for pytrees, at the byte level (no `node:` import: browsers use this module; the
 * file functions are in `files.ts`). A tree is written as its tensors under their path names
 * (`layers.0.w`) plus its structure and non-tensor leaves in `__metadata__`; any other reader sees
 * an ordinary safetensors file. A file from another writer (no structure in it) loads as a flat
 * record of its tensors by name.
 */
import { tensor, Tensor, type Backend, type DType, type TypedArray } from '@gen-ts/core';
import {
  ELEMENT_BYTES,
  HOST_LITTLE_ENDIAN,
  parseHeader,
  type SafetensorsDType,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors-format.js';
import { decodeTree, encodeTree } from './tree-codec.js';

export {
  MAX_HEADER_BYTES,
  type SafetensorsDType,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors-format.js';

/** The `__metadata__` key holding a tree's structure; keys starting with `gen-ts.` are reserved. */
export const TREE_METADATA_KEY = 'gen-ts.tree';

const FILE_DTYPE: Record<DType, SafetensorsDType> = {
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
  bool: 'BOOL',
};

/** Options of `encodeSafetensors` and `saveSafetensors`. */
export interface EncodeSafetensorsOptions {
  /** Extra string entries for `__metadata__` (keys starting with `gen-ts.` are reserved). */
  metadata?: Readonly<Record<string, string>>;
}

/** Options of `decodeSafetensors` and `loadSafetensors`. */
export interface DecodeSafetensorsOptions {
  /** The backend to create the tensors on (default: the current one). */
  backend?: Backend;
}

/**
 * Encodes a pytree of tensors (plus numbers, strings, booleans, null and undefined, kept in
 * `__metadata__`) as safetensors bytes: little-endian, tensors laid out by element size then name
 * so every tensor is aligned, header padded with spaces to a multiple of 8. float32, float64,
 * int32 and bool are written as F32, F64, I32 and BOOL. Reads the tensors back (async).
 *
 * @example
 * ```ts
 * import { tensor, type Tensor } from '@gen-ts/core';
 * import { decodeSafetensors, encodeSafetensors } from '@gen-ts/nn';
 *
 * const bytes = await encodeSafetensors({ w: tensor([[1, 2], [3, 4]]), step: 7 });
 * const back = decodeSafetensors<{ w: Tensor; step: number }>(bytes);
 * console.log(back.step, back.w.toArray()); // 7 [[1, 2], [3, 4]]
 * ```
 */
export async function encodeSafetensors(
  tree: unknown,
  options: EncodeSafetensorsOptions = {},
): Promise<Uint8Array> {
  checkOptions('encodeSafetensors', options, ['metadata']);
  const user = options.metadata ?? {};
  for (const [k, v] of Object.entries(user)) {
    if (k.startsWith('gen-ts.'))
      throw new Error(`encodeSafetensors: metadata key '${k}' is reserved (gen-ts.*)`);
    if (typeof v !== 'string')
      throw new TypeError(`encodeSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
  }
  const { json, leaves } = encodeTree(tree, 'encodeSafetensors');
  const data = await Promise.all(leaves.map((l) => l.tensor.data()));
  const order = leaves
    .map((l, i) => ({ ...l, values: data[i]!, dtype: FILE_DTYPE[l.tensor.dtype] }))
    .sort(
      (a, b) =>
        ELEMENT_BYTES[b.dtype] - ELEMENT_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
  const header: Record<string, unknown> = { __metadata__: { ...user, [TREE_METADATA_KEY]: json } };
  let offset = 0;
  for (const e of order) {
    const bytes = e.values.length * ELEMENT_BYTES[e.dtype];
    header[e.name] = { dtype: e.dtype, shape: e.tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const text = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil((8 + text.length) / 8) * 8 - 8;
  const out = new Uint8Array(8 + n + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, n % 2 ** 32, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(text, 8);
  out.fill(0x20, 8 + text.length, 8 + n);
  let at = 8 + n;
  for (const e of order) {
    writeElements(view, at, e.values, e.dtype);
    at += e.values.length * ELEMENT_BYTES[e.dtype];
  }
  return out;
}

/**
 * Reads and validates the header of safetensors bytes without creating any tensor: the entries in
 * data order and the metadata. Throws a clear error for a truncated, corrupt or hostile file.
 */
export function readSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  return parseHeader(bytes);
}

/**
 * Decodes safetensors bytes: the tree written by `encodeSafetensors`, or, for a file from another
 * writer, a record of its tensors by name. Foreign dtypes load where the values stay exact: F16 and
 * BF16 as float32; U8, I8, U16, I16 as int32; U32, I64, U64 as int32 when every value fits (else an
 * error names the tensor); F8 types are refused. A truncated, corrupt or hostile file is refused
 * with an error that says what is wrong; nothing larger than the file is allocated.
 *
 * @example
 * ```ts
 * import { tensor } from '@gen-ts/core';
 * import { decodeSafetensors, encodeSafetensors } from '@gen-ts/nn';
 *
 * const bytes = await encodeSafetensors([tensor([1.5]), 'note']);
 * console.log(decodeSafetensors(bytes)); // [Tensor(float32[1]) [1.5], 'note']
 * ```
 */
export function decodeSafetensors<T = unknown>(bytes: Uint8Array, options: DecodeSafetensorsOptions = {}): T {
  checkOptions('decodeSafetensors', options, ['backend']);
  const header = parseHeader(bytes);
  const tensors = new Map<string, Tensor>();
  for (const e of header.entries) tensors.set(e.name, toTensor(bytes, header.dataStart, e, options.backend));
  const json = header.metadata[TREE_METADATA_KEY];
  if (json !== undefined) return decodeTree(json, tensors, 'safetensors') as T;
  const flat: Record<string, Tensor> = {};
  for (const [name, t] of tensors)
    Object.defineProperty(flat, name, { value: t, enumerable: true, writable: true, configurable: true });
  return flat as T;
}

function checkOptions(op: string, options: object, known: readonly string[]): void {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${op}: options must be an object`);
  for (const k of Object.keys(options))
    if (!known.includes(k)) throw new TypeError(`${op}: unknown option '${k}' (known: ${known.join(', ')})`);
}

function writeElements(view: DataView, at: number, values: TypedArray, dtype: SafetensorsDType): void {
  const n = values.length;
  if (HOST_LITTLE_ENDIAN) {
    const src = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    new Uint8Array(view.buffer, at, src.length).set(src);
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (dtype === 'F32') view.setFloat32(at + 4 * i, v, true);
    else if (dtype === 'F64') view.setFloat64(at + 8 * i, v, true);
    else if (dtype === 'I32') view.setInt32(at + 4 * i, v, true);
    else view.setUint8(at + i, v);
  }
}

/** The entry's elements as a host array of the dtype it loads as (see `decodeSafetensors`). */
function toTensor(
  bytes: Uint8Array,
  dataStart: number,
  e: SafetensorsEntry,
  backend: Backend | undefined,
): Tensor {
  const count = (e.end - e.begin) / ELEMENT_BYTES[e.dtype];
  const at = bytes.byteOffset + dataStart + e.begin;
  // A copy into a fresh buffer: aligned for the typed array, and the file's memory is not kept.
  const raw = bytes.buffer.slice(at, at + (e.end - e.begin));
  const dv = new DataView(raw);
  const make = (values: TypedArray, dtype: DType): Tensor =>
    tensor(values, { dtype, shape: e.shape, backend });
  const ints = (get: (i: number) => number | bigint): Int32Array => {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const v = get(i);
      if (v < -2147483648 || v > 2147483647)
        throw new RangeError(
          `safetensors: tensor '${e.name}' (${e.dtype}) holds ${v} at index ${i}, outside int32; convert it before loading`,
        );
      out[i] = Number(v);
    }
    return out;
  };
  switch (e.dtype) {
    case 'F32':
      return make(
        HOST_LITTLE_ENDIAN
          ? new Float32Array(raw)
          : Float32Array.from({ length: count }, (_, i) => dv.getFloat32(4 * i, true)),
        'float32',
      );
    case 'F64':
      return make(
        HOST_LITTLE_ENDIAN
          ? new Float64Array(raw)
          : Float64Array.from({ length: count }, (_, i) => dv.getFloat64(8 * i, true)),
        'float64',
      );
    case 'I32':
      return make(
        HOST_LITTLE_ENDIAN
          ? new Int32Array(raw)
          : Int32Array.from({ length: count }, (_, i) => dv.getInt32(4 * i, true)),
        'int32',
      );
    case 'BOOL':
      return make(
        Uint8Array.from(new Uint8Array(raw), (b) => (b !== 0 ? 1 : 0)),
        'bool',
      );
    case 'U8':
      return make(Int32Array.from(new Uint8Array(raw)), 'int32');
    case 'I8':
      return make(Int32Array.from(new Int8Array(raw)), 'int32');
    case 'U16':
      return make(
        Int32Array.from({ length: count }, (_, i) => dv.getUint16(2 * i, true)),
        'int32',
      );
    case 'I16':
      return make(
        Int32Array.from({ length: count }, (_, i) => dv.getInt16(2 * i, true)),
        'int32',
      );
    case 'U32':
      return make(
        ints((i) => dv.getUint32(4 * i, true)),
        'int32',
      );
    case 'I64':
      return make(
        ints((i) => dv.getBigInt64(8 * i, true)),
        'int32',
      );
    case 'U64':
      return make(
        ints((i) => dv.getBigUint64(8 * i, true)),
        'int32',
      );
    case 'F16':
      return make(
        Float32Array.from({ length: count }, (_, i) => halfToFloat(dv.getUint16(2 * i, true))),
        'float32',
      );
    case 'BF16':
      return make(
        Float32Array.from({ length: count }, (_, i) => bf16ToFloat(dv.getUint16(2 * i, true))),
        'float32',
      );
    case 'F8_E4M3':
    case 'F8_E5M2':
      throw new TypeError(
        `safetensors: tensor '${e.name}' is ${e.dtype}, which gen-ts does not load (convert it to F16, BF16 or F32 first)`,
      );
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** bfloat16 is the top half of a float32. */
function bf16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0]!;
}

/** IEEE half precision: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return man === 0 ? sign * Infinity : NaN;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}
