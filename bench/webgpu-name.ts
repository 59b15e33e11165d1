/** What the gpu benchmarks call their webgpu contender. */
import { webgpuStatus } from '@gen-ts/gpu';

/**
 * The name a webgpu contender is reported under, with the Dawn backend and the adapter it runs on
 * (e.g. `gen-ts webgpu (Dawn opengles: llvmpipe ...)`), or null when no adapter answers here.
 */
export async function webgpuName(prefix = 'gen-ts webgpu'): Promise<string | null> {
  const s = await webgpuStatus();
  if (!s.available) return null;
  return `${prefix} (Dawn ${s.backend}: ${s.adapter?.['device'] || s.detail})`;
}
