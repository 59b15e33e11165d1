/** Backends for tests: one that refuses every read, and a scope that selects a gpu.js backend. */
import { cpu, getBackend, useBackend, type Backend } from '@gen-ts/core';
import type { GpujsBackend } from '@gen-ts/gpu';

/** The cpu backend, except that `read` and `readSync` throw: code run on it must never read back. */
export function noReadBackend(): Backend {
  return new Proxy(cpu(), {
    get(target, prop, receiver) {
      if (prop === 'read' || prop === 'readSync')
        return () => {
          throw new Error('readback during a training step');
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Runs `body` with `b` selected (across its awaits), then restores the backend and destroys `b`. */
export async function usingGpujs(b: GpujsBackend, body: () => Promise<void>): Promise<void> {
  const prev: Backend = getBackend();
  await b.ready();
  useBackend(b);
  try {
    await body();
  } finally {
    useBackend(prev);
    b.destroy();
  }
}
