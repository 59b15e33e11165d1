/**
 * Files (Node only; in a browser these functions throw, see `node-modules.ts`): safetensors on disk, and the atomic write every saver here goes through. A
 * file is written to a temporary name beside it, flushed to disk (`fsync`), renamed over the
 * target, and the directory is flushed too, so a crash at any point leaves either the previous
 * file or the new one, never a partial one.
 */
import { nodeModule, processId } from '../node-modules.js';
import { checkCheckpoint, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  type DecodeSafetensorsOptions,
  type EncodeSafetensorsOptions,
} from './safetensors.js';

/** @internal Test seams of `writeFileAtomic`: called after the temporary file is flushed, before the rename. */
export interface AtomicWriteHooks {
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

/**
 * @internal Writes `bytes` to `path` atomically: temporary file, fsync, rename, fsync of the
 * directory. On an error the temporary file is removed and `path` is left as it was.
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  hooks: AtomicWriteHooks = {},
): Promise<void> {
  const { open, rename, rm } = nodeModule('node:fs/promises', 'writeFileAtomic');
  const { basename, dirname, join } = nodeModule('node:path', 'writeFileAtomic');
  const hex = nodeModule('node:crypto', 'writeFileAtomic').randomBytes(4).toString('hex');
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${processId()}.${hex}.tmp`);
  try {
    const fh = await open(temp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await hooks.beforeRename?.(temp);
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncDirectory(dir);
}

/** Flushes a directory entry (the rename) to disk; platforms that cannot open a directory skip it. */
async function syncDirectory(dir: string): Promise<void> {
  const { open } = nodeModule('node:fs/promises', 'writeFileAtomic');
  let fh;
  try {
    fh = await open(dir, 'r');
  } catch {
    return; // e.g. Windows: directories cannot be opened for fsync
  }
  try {
    await fh.sync();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw e;
  } finally {
    await fh.close();
  }
}

/**
 * Saves a pytree of tensors as a safetensors file, atomically (see `encodeSafetensors` for the
 * layout; any safetensors reader opens it).
 *
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { tensor, type Tensor } from '@gen-ts/core';
 * import { loadSafetensors, saveSafetensors } from '@gen-ts/nn';
 *
 * const path = join(mkdtempSync(join(tmpdir(), 'st-')), 'weights.safetensors');
 * await saveSafetensors(path, { dense: { w: tensor([[1, 2]]), b: tensor([0.5]) } });
 * const back = await loadSafetensors<{ dense: { b: Tensor } }>(path);
 * console.log(back.dense.b.toArray()); // [0.5]
 * ```
 */
export async function saveSafetensors(
  path: string,
  tree: unknown,
  options?: EncodeSafetensorsOptions,
): Promise<void> {
  if (typeof path !== 'string' || path === '')
    throw new TypeError('saveSafetensors: path must be a non-empty string');
  await writeFileAtomic(path, await encodeSafetensors(tree, options));
}

/**
 * Loads a safetensors file: the tree `saveSafetensors` wrote, or a record of tensors by name for a
 * file from another tool (see `decodeSafetensors` for the dtypes that load). A missing file, or a
 * truncated, corrupt or hostile one, is an error naming the path and what is wrong.
 */
export async function loadSafetensors<T = unknown>(
  path: string,
  options?: DecodeSafetensorsOptions,
): Promise<T> {
  return readDecoded('loadSafetensors', path, (bytes) => decodeSafetensors<T>(bytes, options));
}

/**
 * Saves a checkpoint atomically (temporary file, fsync, rename, fsync of the directory): if the
 * process dies at any point, `path` still holds the previous checkpoint or the new one, whole.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { key, tensor } from '@gen-ts/core';
 * import { genSgd } from '@gen-ts/gen';
 * import { loadCheckpoint, saveCheckpoint } from '@gen-ts/nn';
 *
 * const path = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'run.ckpt');
 * const params = { w: tensor([1, 2]) };
 * await saveCheckpoint(path, { params, optState: genSgd({ lr: 0.1 }).init(params), key: key(1), step: 10 });
 * const c = await loadCheckpoint(path);
 * console.log(c.step, String(c.key)); // 10 PRNGKey(0, 1)
 * ```
 */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  if (typeof path !== 'string' || path === '')
    throw new TypeError('saveCheckpoint: path must be a non-empty string');
  checkCheckpoint('saveCheckpoint', checkpoint);
  await writeFileAtomic(path, await encodeCheckpoint(checkpoint));
}

/** Loads a checkpoint written by `saveCheckpoint`; an error names the path and what is wrong. */
export async function loadCheckpoint<P = unknown, S = unknown, M = unknown>(
  path: string,
  options: DecodeSafetensorsOptions = {},
): Promise<Checkpoint<P, S, M>> {
  return readDecoded('loadCheckpoint', path, (bytes) => decodeCheckpoint<P, S, M>(bytes, options));
}

/** Reads `path` and decodes it; an error names the path (and says when the file cannot be read). */
async function readDecoded<T>(op: string, path: string, decode: (bytes: Uint8Array) => T): Promise<T> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${op}: path must be a non-empty string`);
  const { readFile } = nodeModule('node:fs/promises', op);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${op}: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return decode(bytes);
  } catch (e) {
    const err = e as Error;
    err.message = `${path}: ${err.message}`;
    throw err;
  }
}
