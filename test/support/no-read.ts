/** A backend that refuses every read: a computation that reads a value back to the host fails. */
import { cpu, type Backend } from '@gen-ts/core';

/** The cpu backend with `read` and `readSync` throwing `readback during a training step`. */
export function noReadBackend(): Backend {
  return new Proxy(cpu(), {
    get(target, prop, receiver) {
      if (prop === 'read' || prop === 'readSync') {
        return () => {
          throw new Error('readback during a training step');
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
