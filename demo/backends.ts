/**
 * The backends the demo can train on, by name: `cpu` (the reference backend, float32 for the
 * training tasks) or a gpu.js mode from `@gen-ts/gpu` (`webasm`, `webgpu`, `headlessgl`,
 * `gpujs-cpu`). The quadratic checks always run on the cpu backend in float64.
 */
import { cpu, useBackend } from '@gen-ts/core';

export const BACKENDS = ['cpu', 'webasm', 'webgpu', 'headlessgl', 'gpujs-cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Makes `name` the current backend of this process (a gpu.js one is loaded only when asked for). */
export async function useBackendByName(name: string): Promise<void> {
  if (!(BACKENDS as readonly string[]).includes(name))
    throw new TypeError(`demo: unknown backend '${name}' (known: ${BACKENDS.join(', ')})`);
  if (name === 'cpu') {
    useBackend(cpu());
    return;
  }
  const { gpujs } = await import('@gen-ts/gpu');
  const backend = gpujs({
    mode: name === 'gpujs-cpu' ? 'cpu' : (name as 'webasm' | 'webgpu' | 'headlessgl'),
  });
  await backend.ready?.();
  useBackend(backend);
}
