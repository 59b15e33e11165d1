/**
 * What `webgpuStatus()` reports: the Dawn backend asked for, the feature level that goes with it
 * (`compatibility` on the OpenGL backends, which is what Mesa's software adapter offers; `core`
 * elsewhere, e.g. Vulkan on a GPU), and the adapter's info when one answers.
 */
import { webgpuStatus } from '@gen-ts/gpu';
import { describe, expect, it } from 'vitest';

describe('webgpuStatus', () => {
  it('names the Dawn backend, its feature level and the adapter', async () => {
    const s = await webgpuStatus();
    const backend = process.env['GEN_TS_DAWN_BACKEND'] ?? 'opengles';
    expect(s.backend).toBe(backend);
    expect(s.featureLevel).toBe(backend === 'opengles' || backend === 'opengl' ? 'compatibility' : 'core');
    if (process.env['GEN_TS_REQUIRE_WEBGPU'] === '1' && process.env['GEN_TS_HEADLESSGL'] !== '1')
      expect(s.available, s.detail).toBe(true);
    if (s.available) {
      expect(s.adapter?.['description'] || s.adapter?.['device']).toBeTruthy();
      expect(s.detail).toBe(s.adapter?.['description'] || s.adapter?.['device']);
    } else expect(s.adapter).toBeUndefined();
    expect(await webgpuStatus()).toBe(s); // cached for the process
  });
});
