/**
 * `@gen-ts/core/web` outside a browser: Node has no Web Workers, which both the status and
 * `wasmThreads` say, after the arguments are checked. Browsers are tested in
 * test/browser/threads.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { wasmThreads, wasmThreadsStatus } from './web.js';

describe('@gen-ts/core/web in Node', () => {
  it('says there are no Web Workers, and points to @gen-ts/core/node', async () => {
    const noWorkers =
      /this runtime has no Web Workers \(in Node, use wasmThreads from '@gen-ts\/core\/node'\)/;
    const s = wasmThreadsStatus();
    expect(s.available).toBe(false);
    expect(s.reason).toMatch(noWorkers);
    await expect(wasmThreads(2)).rejects.toThrow(noWorkers);
  });

  it('checks the arguments first', async () => {
    await expect(wasmThreads(1.5)).rejects.toThrow(/threads must be an integer in \[1, 33\], got 1.5/);
    await expect(wasmThreads(2, { minMultiplyAdd: 0 } as never)).rejects.toThrow(
      /unknown option 'minMultiplyAdd'/,
    );
    await expect(wasmThreads(2, { minMultiplyAdds: -1 })).rejects.toThrow(
      /option 'minMultiplyAdds' must be >= 0, got -1/,
    );
  });
});
