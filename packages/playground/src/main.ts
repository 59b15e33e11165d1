/**
 * The playground page: a backend selector, the 2-D panel and the MNIST panel. Everything runs in
 * float32 (the dtype every backend here stores) on the backend picked; `?backend=webgl2` (or
 * `webgpu`, `webasm`, `cpu`) picks one on load.
 */
import { useBackend } from '@gen-ts/core';
import { BACKENDS, startBackend, type BackendId, type RunningBackend } from './backends.js';
import type { FloatDType } from './problems.js';
import { DescentPanel } from './ui/descent-panel.js';
import { $, Busy, fill } from './ui/dom.js';
import { MnistPanel } from './ui/mnist-panel.js';
import './style.css';

let running: RunningBackend | null = null;
const busy = new Busy(showStatus);
const dtype = (): FloatDType => 'float32';
const descent = new DescentPanel(busy, dtype);
const mnist = new MnistPanel(busy, dtype);
const select = $<HTMLSelectElement>('#backend');
fill(
  select,
  BACKENDS.map((b) => [b.id, b.label]),
);

/** Switches every panel to backend `id`; on failure the running one stays and the reason is shown. */
async function switchTo(id: BackendId): Promise<void> {
  mnist.stop();
  let next: RunningBackend;
  try {
    next = await startBackend(id);
  } catch (e) {
    if (running) select.value = running.id;
    throw e instanceof Error ? new Error(`${id} cannot run here: ${e.message}`) : e;
  }
  useBackend(next.backend);
  running?.destroy();
  running = next;
  await descent.reset();
  await mnist.reset();
}

/** What runs: the Backend's name, its device, and the kernel classes seen so far. */
function showStatus(): void {
  const s = $('#backend-status');
  if (!running) {
    s.textContent = 'no backend yet';
    return;
  }
  const ranOn = running.ranOn();
  s.dataset['backend'] = running.backend.name;
  s.dataset['ranOn'] = JSON.stringify(ranOn);
  s.dataset['detail'] = running.detail;
  s.textContent = `running on ${running.backend.name} (${running.detail}); kernels ran on: ${ranOn.join(', ')}`;
}

select.addEventListener('change', () => void busy.run(() => switchTo(select.value as BackendId)));
const wanted = new URLSearchParams(location.search).get('backend') ?? 'cpu';
const first = BACKENDS.find((b) => b.id === wanted)?.id;
select.value = first ?? 'cpu';
void busy.run(async () => {
  if (!first) throw new Error(`?backend=${wanted} is not one of ${BACKENDS.map((b) => b.id).join(', ')}`);
  await switchTo(first);
});
