/**
 * The safetensors layout (the format PyTorch, JAX and Hugging Face tools share): 8 bytes holding
 * the header length `N` as a little-endian unsigned 64-bit integer, `N` bytes of UTF-8 JSON, then
 * the data. The JSON maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }` (byte
 * offsets into the data, row-major, little-endian); the optional `__metadata__` maps strings to
 * strings. The header starts with `{` and may be padded with spaces.
 *
 * The reader treats a file as hostile: every number in the header is checked against the file
 * before it is used, the tensors must tile the data exactly (sorted by offset, contiguous, no gap,
 * no overlap, nothing past the end), and a header longer than {@link MAX_HEADER_BYTES} is refused,
 * so nothing is allocated beyond the file's own size. No `node:` import here: browsers use it too.
 */

/** The longest header accepted (bytes), as in the reference implementation. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Element sizes of the safetensors dtypes, by name. */
export const ELEMENT_BYTES: Readonly<Record<SafetensorsDType, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** A safetensors dtype name. */
export type SafetensorsDType =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'F8_E4M3'
  | 'F8_E5M2'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64';

/** One tensor entry of a validated header; `begin`/`end` are byte offsets into the data section. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** A validated header: the entries in data order, the metadata, and where the data starts in the file. */
export interface SafetensorsHeader {
  readonly entries: readonly SafetensorsEntry[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Byte offset of the data section in the file (`8 + N`). */
  readonly dataStart: number;
}

const fail = (why: string): Error => new Error(`safetensors: ${why}`);

/** Reads and validates the header of a safetensors file held in `bytes`. */
export function parseHeader(bytes: Uint8Array): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('safetensors: expected the file as a Uint8Array');
  if (bytes.length < 8)
    throw fail(`the file is ${bytes.length} bytes, shorter than the 8-byte header length (truncated?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo; // exact below 2^53; anything with hi > 0 is refused below anyway
  if (hi !== 0 || n > MAX_HEADER_BYTES)
    throw fail(
      `header length ${hi !== 0 ? `${hi} * 2^32 + ${lo}` : n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`,
    );
  if (8 + n > bytes.length)
    throw fail(`header length ${n} runs past the end of the file (${bytes.length} bytes; truncated?)`);
  if (n < 2 || bytes[8] !== 0x7b) throw fail('the header does not start with "{"');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw fail('the header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw fail('the header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = checkMetadata(v);
      continue;
    }
    entries.push(checkEntry(name, v, dataLen));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.begin < at)
      throw fail(
        `tensor '${e.name}' (bytes ${e.begin}..${e.end}) overlaps the tensor before it (which ends at ${at})`,
      );
    if (e.begin > at)
      throw fail(`a gap in the data: bytes ${at}..${e.begin} belong to no tensor (before '${e.name}')`);
    at = e.end;
  }
  if (at !== dataLen)
    throw fail(
      `the data section is ${dataLen} bytes but the tensors cover ${at} (${at < dataLen ? 'trailing bytes' : 'truncated'})`,
    );
  return { entries, metadata, dataStart };
}

function checkMetadata(v: unknown): Record<string, string> {
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw fail('__metadata__ must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
    if (typeof s !== 'string')
      throw fail(`__metadata__ value '${k}' is a ${typeof s}; the format allows strings only`);
    Object.defineProperty(out, k, { value: s, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function checkEntry(name: string, v: unknown, dataLen: number): SafetensorsEntry {
  const where = `tensor '${name.length > 80 ? `${name.slice(0, 80)}...` : name}'`;
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw fail(`${where}: its entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = v as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(ELEMENT_BYTES, dtype))
    throw fail(
      `${where}: unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(ELEMENT_BYTES).join(', ')})`,
    );
  if (!Array.isArray(shape) || !shape.every(isIndex))
    throw fail(
      `${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)?.slice(0, 80)}`,
    );
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex))
    throw fail(
      `${where}: data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)?.slice(0, 80)}`,
    );
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLen)
    throw fail(
      `${where}: data_offsets [${begin}, ${end}] are out of bounds (the data section is ${dataLen} bytes)`,
    );
  const size = ELEMENT_BYTES[dtype as SafetensorsDType];
  // The byte count, exact up to 2^53 and stopped beyond (a count is only compared, never allocated).
  let bytes: number = size;
  for (const d of shape as number[]) {
    bytes *= d;
    if (bytes > Number.MAX_SAFE_INTEGER) break;
  }
  if (shape.includes(0)) bytes = 0;
  if (bytes !== end - begin)
    throw fail(
      `${where}: shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${bytes > Number.MAX_SAFE_INTEGER ? 'more than 2^53' : bytes} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  return { name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end };
}

/** True on little-endian hosts (all common ones); typed arrays then match the file's byte order. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
