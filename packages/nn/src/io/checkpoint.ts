/**
 * Checkpoints: everything a training run needs to continue exactly where it stopped (params,
 * optimizer state with GeN's rate and last fit, model state such as batch-norm statistics, the PRNG
 * key, the step and the position in the data), as one safetensors file. Tensors keep their dtype
 * and bits, numbers their exact values, so a resumed run on the cpu backend repeats an
 * uninterrupted one bit for bit. Byte level here (browsers too); `saveCheckpoint`/`loadCheckpoint`
 * write files.
 */
import { keyFromWords, PRNGKey, type Backend } from '@gen-ts/core';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

/** Where a data stream stands: the epoch and the index of the next element in it. */
export interface DataPosition {
  readonly epoch: number;
  readonly index: number;
}

/** The state of a training run, as `saveCheckpoint` writes it and `fit` resumes from it. */
export interface Checkpoint<P = unknown, S = unknown, M = unknown> {
  /** The trainable parameters. */
  readonly params: P;
  /** The optimizer state (`optimizer.init(params)` and its updates). */
  readonly optState: S;
  /** The model's non-trainable state (batch-norm statistics), if any. */
  readonly modelState?: M;
  /** The run's PRNG key (fit derives each step's key from it and the step). */
  readonly key?: PRNGKey;
  /** Steps completed. */
  readonly step: number;
  /** The position of the next training batch. */
  readonly data?: DataPosition;
  /** Anything else to keep (a pytree: tensors, numbers, strings, booleans, null). */
  readonly extra?: unknown;
}

const FORMAT = 'gen-ts.checkpoint';
const VERSION = 1;

/**
 * Encodes a checkpoint as safetensors bytes (async: tensors are read back).
 *
 * @example
 * ```ts
 * import { key, tensor } from '@gen-ts/core';
 * import { sgd } from '@gen-ts/gen';
 * import { decodeCheckpoint, encodeCheckpoint } from '@gen-ts/nn';
 *
 * const params = { w: tensor([1, 2]) };
 * const bytes = await encodeCheckpoint({ params, optState: sgd({ lr: 0.1 }).init(params), key: key(0), step: 3 });
 * console.log(decodeCheckpoint(bytes).step); // 3
 * ```
 */
export async function encodeCheckpoint(ckpt: Checkpoint): Promise<Uint8Array> {
  checkCheckpoint('encodeCheckpoint', ckpt);
  const { params, optState, modelState, key, step, data, extra } = ckpt;
  return encodeSafetensors({
    format: FORMAT,
    version: VERSION,
    step,
    key: key === undefined ? null : [key.k0, key.k1],
    data: data === undefined ? null : { epoch: data.epoch, index: data.index },
    params,
    optState,
    modelState: modelState ?? null,
    extra: extra ?? null,
  });
}

/** Decodes checkpoint bytes; an error says what is missing or malformed. */
export function decodeCheckpoint<P = unknown, S = unknown, M = unknown>(
  bytes: Uint8Array,
  options: { backend?: Backend } = {},
): Checkpoint<P, S, M> {
  const t = decodeSafetensors<Record<string, unknown>>(bytes, options);
  const bad = (why: string): Error => new Error(`loadCheckpoint: not a gen-ts checkpoint: ${why}`);
  if (t === null || typeof t !== 'object' || t['format'] !== FORMAT) throw bad('no checkpoint marker');
  if (t['version'] !== VERSION)
    throw bad(`version ${JSON.stringify(t['version'])}, this library reads ${VERSION}`);
  const step = t['step'];
  if (!Number.isSafeInteger(step) || (step as number) < 0) throw bad(`step ${JSON.stringify(step)}`);
  let key: PRNGKey | undefined;
  const k = t['key'];
  if (k !== null) {
    if (!Array.isArray(k) || k.length !== 2 || !k.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32))
      throw bad('key must be two 32-bit words');
    key = keyFromWords(k[0] as number, k[1] as number);
  }
  let data: DataPosition | undefined;
  const d = t['data'] as Record<string, unknown> | null;
  if (d !== null) {
    const ok = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
    if (typeof d !== 'object' || !ok(d['epoch']) || !ok(d['index']))
      throw bad('data must be { epoch, index }');
    data = { epoch: d['epoch'] as number, index: d['index'] as number };
  }
  const out: Checkpoint<P, S, M> = {
    params: t['params'] as P,
    optState: t['optState'] as S,
    step: step as number,
    ...(t['modelState'] !== null ? { modelState: t['modelState'] as M } : {}),
    ...(key ? { key } : {}),
    ...(data ? { data } : {}),
    ...(t['extra'] !== null ? { extra: t['extra'] } : {}),
  };
  return out;
}

/** @internal Validates a checkpoint's fields, naming the bad one. */
export function checkCheckpoint(op: string, c: Checkpoint): void {
  if (c === null || typeof c !== 'object') throw new TypeError(`${op}: expected a checkpoint object`);
  const known = ['params', 'optState', 'modelState', 'key', 'step', 'data', 'extra'];
  for (const k of Object.keys(c))
    if (!known.includes(k)) throw new TypeError(`${op}: unknown field '${k}' (known: ${known.join(', ')})`);
  if (!('params' in c)) throw new TypeError(`${op}: 'params' is required`);
  if (!('optState' in c)) throw new TypeError(`${op}: 'optState' is required (the optimizer's state)`);
  if (!Number.isSafeInteger(c.step) || c.step < 0)
    throw new TypeError(`${op}: 'step' must be a non-negative integer, got ${c.step}`);
  if (c.key !== undefined && !(c.key instanceof PRNGKey))
    throw new TypeError(`${op}: 'key' must be a PRNGKey`);
  if (c.data !== undefined) {
    const ok = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
    if (!ok(c.data.epoch) || !ok(c.data.index))
      throw new TypeError(`${op}: 'data' must be { epoch, index } with non-negative integers`);
  }
}
