/**
 * Checkpoints: everything round-trips exactly (GeN's rate and fit, injected hyperparameters, model
 * state, key, step, data position), a restored optimizer state keeps working, and a write that dies
 * between the temporary file and the rename (an exception, or the process killed) leaves the
 * previous checkpoint whole and loadable.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { key, tensor, treeLeaves, type Tensor } from '@gen-ts/core';
import { chain, findGeNState, genAdam, injectHyperparams, sgd } from '@gen-ts/gen';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.js';
import { loadCheckpoint, saveCheckpoint, writeFileAtomic } from './files.js';
import { encodeSafetensors } from './safetensors.js';

const dir = () => mkdtempSync(join(tmpdir(), 'gen-ts-ckpt-'));
const bits = (t: Tensor) => Array.from(new Uint8Array(t.dataSync().buffer));

/** A checkpoint of a few GeN-Adam steps, so the state holds a real fit. */
function sample(step = 3): Checkpoint {
  const opt = chain(genAdam({ lr: 1e-2, phi: 1 }), injectHyperparams(sgd)({ lr: 0.5 }));
  let params = {
    w: tensor(
      [
        [0.5, -1],
        [2, 0.25],
      ],
      { dtype: 'float64' },
    ),
  };
  let optState = opt.init(params);
  const valueFn = (p: typeof params) => p.w.square().sum();
  for (let i = 0; i < step; i++) {
    const g = { w: params.w.mul(2) };
    const [u, s] = opt.update(g, optState, params, { valueFn });
    params = { w: params.w.add(u.w) };
    optState = s;
  }
  return {
    params,
    optState,
    modelState: { mean: tensor([0.1, 0.2]), count: tensor(7, { dtype: 'int32' }) },
    key: key(42),
    step,
    data: { epoch: 1, index: 2 },
    extra: { note: 'hi', flags: tensor([true, false], { dtype: 'bool' }) },
  };
}

describe('checkpoints', () => {
  it('round-trip every part bit for bit, and the restored optimizer state keeps working', async () => {
    const c = sample();
    const back = decodeCheckpoint(await encodeCheckpoint(c));
    expect(back.step).toBe(3);
    expect(back.data).toEqual({ epoch: 1, index: 2 });
    expect(String(back.key)).toBe(String(key(42)));
    const leavesA = treeLeaves([c.params, c.optState, c.modelState, c.extra]);
    const leavesB = treeLeaves([back.params, back.optState, back.modelState, back.extra]);
    expect(leavesB.map((t) => [t.dtype, t.shape])).toEqual(leavesA.map((t) => [t.dtype, t.shape]));
    leavesA.forEach((t, i) => expect(bits(leavesB[i]!)).toEqual(bits(t)));
    // the non-tensor parts: GeN's step count and fit record, the injected hyperparameters
    const genA = findGeNState(c.optState)!;
    const genB = findGeNState(back.optState)!;
    expect([genB.count, genB.fit.evals, genB.fit.step]).toEqual([genA.count, genA.fit.evals, genA.fit.step]);
    expect(JSON.stringify(back.optState, (_k, v) => (v instanceof Object && 'dtype' in v ? 'T' : v))).toBe(
      JSON.stringify(c.optState, (_k, v) => (v instanceof Object && 'dtype' in v ? 'T' : v)),
    );
    const opt = chain(genAdam({ lr: 1e-2, phi: 1 }), injectHyperparams(sgd)({ lr: 0.5 }));
    const p = back.params as { w: Tensor };
    const step = (s: unknown) =>
      opt.update({ w: p.w.mul(2) }, s as never, p, { valueFn: (q: { w: Tensor }) => q.w.square().sum() })[0];
    expect(bits(step(back.optState).w)).toEqual(bits(step(c.optState).w));
  });

  it('saves and loads through a file, refusing what is not a checkpoint', async () => {
    const path = join(dir(), 'run.ckpt');
    await saveCheckpoint(path, sample());
    expect((await loadCheckpoint(path)).step).toBe(3);
    writeFileSync(path, await encodeSafetensors({ w: tensor([1]) }));
    await expect(loadCheckpoint(path)).rejects.toThrow(
      /run\.ckpt: loadCheckpoint: not a gen-ts checkpoint: no checkpoint marker/,
    );
    writeFileSync(path, (await encodeCheckpoint(sample())).subarray(0, 100));
    await expect(loadCheckpoint(path)).rejects.toThrow(/run\.ckpt: safetensors: .*truncated/);
    await expect(loadCheckpoint(join(dir(), 'none'))).rejects.toThrow(
      /loadCheckpoint: cannot read .*none: ENOENT/,
    );
    await expect(saveCheckpoint(path, { params: {}, step: -1 } as never)).rejects.toThrow(
      /'optState' is required/,
    );
    await expect(saveCheckpoint(path, { params: {}, optState: {}, step: 1.5 })).rejects.toThrow(
      /'step' must be a non-negative integer/,
    );
  });

  it('leaves the previous checkpoint intact when the write fails between temp file and rename', async () => {
    const d = dir();
    const path = join(d, 'run.ckpt');
    await saveCheckpoint(path, sample(2));
    const before = readFileSync(path);
    let temp = '';
    await expect(
      writeFileAtomic(path, await encodeCheckpoint(sample(5)), {
        beforeRename: (t) => {
          temp = t;
          expect(readFileSync(t).length).toBeGreaterThan(0); // the new file was written and flushed
          throw new Error('disk gone');
        },
      }),
    ).rejects.toThrow('disk gone');
    expect(readFileSync(path).equals(before)).toBe(true);
    expect((await loadCheckpoint(path)).step).toBe(2);
    expect(readdirSync(d)).toEqual(['run.ckpt']); // the temporary file was removed
    expect(temp).toMatch(/\.run\.ckpt\.\d+\.[0-9a-f]{8}\.tmp$/);
  });

  it('leaves the previous checkpoint intact when the process is killed between temp file and rename', async () => {
    const d = dir();
    const path = join(d, 'run.ckpt');
    await saveCheckpoint(path, sample(2));
    const files = fileURLToPath(new URL('./files.ts', import.meta.url));
    const script = join(d, 'crash.mts');
    const next = join(d, 'next.bin');
    writeFileSync(next, await encodeCheckpoint(sample(5)));
    writeFileSync(
      script,
      [
        `import { readFileSync } from 'node:fs';`,
        `import { writeFileAtomic } from ${JSON.stringify(files)};`,
        `await writeFileAtomic(${JSON.stringify(path)}, readFileSync(${JSON.stringify(next)}), {`,
        `  beforeRename: () => { process.kill(process.pid, 'SIGKILL'); },`,
        `});`,
        `console.log('not reached');`,
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      encoding: 'utf8',
    });
    expect(r.signal, r.stderr).toBe('SIGKILL');
    expect(r.stdout).not.toContain('not reached');
    const left = readdirSync(d).filter((f) => f.endsWith('.tmp'));
    expect(left.length).toBe(1); // it died with the new file written but not renamed
    expect((await loadCheckpoint(path)).step).toBe(2);
    await saveCheckpoint(path, sample(4)); // and the next save goes through
    expect((await loadCheckpoint(path)).step).toBe(4);
  }, 30_000);
});
