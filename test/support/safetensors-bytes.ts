/** Byte-level helpers of the safetensors tests: files assembled by hand, as a foreign writer would. */
import type { Tensor } from '@gen-ts/core';
import { expect } from 'vitest';
import { decodeSafetensors } from '@gen-ts/nn';

/** A file from its parts, as a foreign writer would assemble it: u64 LE length, JSON, data. */
export function assemble(header: unknown, data: Uint8Array = new Uint8Array(0), pad = 0): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const n = text.length + pad;
  const out = new Uint8Array(8 + n + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(text, 8);
  out.fill(0x20, 8 + text.length, 8 + n);
  out.set(data, 8 + n);
  return out;
}

export const le = (arr: ArrayBufferView): Uint8Array =>
  new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
export const concatBytes = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Decoding must either succeed or throw an Error whose message says it is about safetensors. */
export function decodeOrClearError(bytes: Uint8Array): 'ok' | 'refused' {
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
