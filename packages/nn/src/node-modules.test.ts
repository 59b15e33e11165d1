/**
 * Where Node's modules are missing (a browser: no `process.getBuiltinModule`), the functions that
 * need the file system throw, naming themselves and what they need, instead of failing to load;
 * with them (Node), they run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadBrownCorpus, loadCheckpoint, loadMnist, saveSafetensors } from './index.js';
import { nodeModule, processId } from './node-modules.js';

const proc = process as { getBuiltinModule?: unknown };
const original = proc.getBuiltinModule;
afterEach(() => {
  proc.getBuiltinModule = original;
});

describe('Node modules reached at call time', () => {
  it('are there in Node', () => {
    expect(typeof nodeModule('node:path', 'test').join).toBe('function');
    expect(processId()).toBe(process.pid);
  });

  it('are missing in a browser, and the functions that need them say so', async () => {
    proc.getBuiltinModule = undefined;
    const browser = /needs Node 20\.16 or later \(it uses node:[a-z/]+.*\); it cannot run in a browser/;
    expect(() => loadMnist({ train: 10, test: 10 })).toThrow(new RegExp(`^loadMnist ${browser.source}`));
    expect(() => loadBrownCorpus({ maxDocuments: 2 })).toThrow(
      new RegExp(`^loadBrownCorpus ${browser.source}`),
    );
    await expect(loadCheckpoint('/no/such/file')).rejects.toThrow(
      new RegExp(`^loadCheckpoint ${browser.source}`),
    );
    await expect(saveSafetensors('/no/such/dir/x.safetensors', {})).rejects.toThrow(browser);
  });
});
