/**
 * Prints which WebGPU adapter Dawn finds on this machine (backend, feature level, vendor, device,
 * description) as JSON, and exits 1 when none answers. `GEN_TS_DAWN_BACKEND` picks the Dawn
 * backend (default `opengles`; `vulkan` on a machine with a GPU driver).
 * Run: npx tsx scripts/webgpu-status.ts
 */
import { webgpuStatus } from '@gen-ts/gpu';

const status = await webgpuStatus();
console.log(JSON.stringify(status, null, 2));
process.exitCode = status.available ? 0 : 1;
