/**
 * Debian's Chromium for the browser test, driven by playwright-core (which ships no browser): a
 * fresh profile each launch, headless, no sandbox when running as root (CI), SwiftShader for
 * WebGL2, WebGPU switched on, and nothing that reaches the network (the machine has none).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser; `GEN_TS_CHROMIUM` overrides it. */
export const CHROMIUM = process.env['GEN_TS_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why the browser test cannot run here, or null. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`;
}

export const CHROMIUM_FLAGS: readonly string[] = [
  '--use-angle=swiftshader', // WebGL2 on ANGLE over SwiftShader's Vulkan: no GPU needed
  '--enable-unsafe-swiftshader', // recent Chromium refuses the SwiftShader WebGL fallback without it
  '--enable-unsafe-webgpu', // WebGPU on Linux (on SwiftShader here)
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** A browser with a fresh profile; `close()` also removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'gen-ts-chromium-'));
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...(root ? ['--no-sandbox'] : []), ...CHROMIUM_FLAGS],
    viewport: { width: 1200, height: 1100 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
