/**
 * One-element uploads on webgpu are kept on the device and shared (each upload there is a kernel
 * launch): values stay right whatever shares them, 0 and -0, NaN and the dtypes stay apart, the
 * cache holds at most KEPT_CONSTANTS, and a tensor's dispose leaves the shared buffer to the others.
 * On the other modes an upload is a host buffer and nothing is kept.
 */
import { div, mul, scalar, take, tensor } from '@gen-ts/core';
import { gpujs, KEPT_CONSTANTS } from '@gen-ts/gpu';
import { expect, it } from 'vitest';
import { usingGpujs as using } from '../support/backends.js';
import { describeModes } from '../support/gpu-modes.js';

/** Waits until every queued kernel has taken its inputs (they are released then). */
const settled = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

await describeModes('kept constants: ', (m) => {
  const webgpu = m.options.mode === 'webgpu';

  it('shares one buffer per (dtype, value) and keeps values apart', async () => {
    const b = gpujs({ ...m.options, finalize: false });
    await using(b, async () => {
      const x = tensor([1, 2, 3]);
      const before = b.info();
      const ys = [mul(x, 2), mul(x, 2), mul(x, 2)];
      const after = b.info();
      for (const y of ys) expect(Array.from(await y.data())).toEqual([2, 4, 6]);
      // three products, and one upload of 2 on webgpu (an upload there is a launch)
      expect(after.launches - before.launches).toBe(webgpu ? 4 : 3);
      expect(after.constants - before.constants).toBe(webgpu ? 1 : 0);

      const [pz, nz] = [scalar(0), scalar(-0)];
      expect(Array.from(await div(1, pz).data())).toEqual([Infinity]);
      expect(Array.from(await div(1, nz).data())).toEqual([-Infinity]);
      expect(Number.isNaN((await scalar(NaN).data())[0])).toBe(true);
      const [f, i] = [scalar(7), scalar(7, { dtype: 'int32' })];
      expect(f.dtype).toBe('float32');
      expect(i.dtype).toBe('int32');
      expect(Array.from(await i.data())).toEqual([7]);
      // int32 uploads keep their values on the host, so an index is range-checked at the call;
      // one that shared the float32 7's buffer would be checked only once read back
      expect(() => take(x, tensor([7], { dtype: 'int32' }), 0)).toThrow(/out of range/);

      // a dispose releases this tensor's reference only
      const [s1, s2] = [scalar(5), scalar(5)];
      s1.dispose();
      expect(Array.from(await mul(s2, x).data())).toEqual([5, 10, 15]);
      if (!webgpu) expect(b.info().constants).toBe(0);
    });
  });

  it(`keeps at most ${KEPT_CONSTANTS} and frees the evicted once unused`, async () => {
    const b = gpujs({ ...m.options, finalize: false });
    await using(b, async () => {
      const live0 = b.info().liveBuffers;
      const held = scalar(-1); // held while evicted: its buffer must stay valid
      for (let v = 0; v < 3 * KEPT_CONSTANTS; v++) scalar(v).dispose();
      await held.data();
      await settled();
      const i = b.info();
      expect(i.constants).toBe(webgpu ? KEPT_CONSTANTS : 0);
      // the kept ones, and the evicted one still held
      expect(i.liveBuffers - live0).toBe(webgpu ? KEPT_CONSTANTS + 1 : 1);
      expect(Array.from(await held.data())).toEqual([-1]);
      held.dispose();
      await settled();
      expect(b.info().liveBuffers - live0).toBe(webgpu ? KEPT_CONSTANTS : 0);
      expect(Array.from(await scalar(3 * KEPT_CONSTANTS - 1).data())).toEqual([3 * KEPT_CONSTANTS - 1]);
    });
  });
});
