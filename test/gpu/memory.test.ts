/**
 * Who frees what on gpu.js webasm (finalization off, so only disposal frees a buffer and every
 * count is exact): the README's training loop keeps its live buffers at the baseline over 500
 * steps, for SGD and for GeN-SGD probing the next batch; `tidy` releases what it does not return,
 * also when its function throws, and what it released reports `isDisposed`; GeN's new state may
 * carry tensors of the old one, and `dispose(old, next)` spares them.
 */
import {
  add,
  cast,
  dispose,
  greater,
  key,
  matmul,
  mean,
  mul,
  normal,
  slice,
  softplus,
  split,
  sub,
  tidy,
  treeLeaves,
  zeros,
  type Tensor,
} from '@gen-ts/core';
import { findGeNState, genSgd, sgd, trainStep } from '@gen-ts/gen';
import { gpujs, type GpujsBackend } from '@gen-ts/gpu';
import { describe, expect, it } from 'vitest';
import { usingGpujs } from '../support/backends.js';

type Batch = { x: Tensor; y: Tensor };

/** The README quickstart's data and loss: logistic regression on a hidden line, four batches. */
function quickstart() {
  const [kx, kw] = split(key(0));
  const x = normal(kx!, [512, 2]);
  const y = cast(greater(matmul(x, normal(kw!, [2, 1])), 0), 'float32');
  const batches: Batch[] = [0, 1, 2, 3].map((i) => ({
    x: slice(x, [128 * i, 0], [128, 2]),
    y: slice(y, [128 * i, 0], [128, 1]),
  }));
  const loss = (w: Tensor, b: Batch) => {
    const z = matmul(b.x, w);
    return mean(sub(softplus(z), mul(b.y, z)));
  };
  return { batches, loss };
}

/** Runs `body` on a fresh webasm backend with finalization off. */
function fresh(threads: number, body: (b: GpujsBackend) => Promise<void>): Promise<void> {
  const b = gpujs({ mode: 'webasm', threads, finalize: false });
  return usingGpujs(b, () => body(b));
}

const live = (b: GpujsBackend) => b.info().liveBuffers;

describe.each([0, 2])('memory on gpu.js webasm (threads %i)', (threads) => {
  for (const [name, make] of [
    ['sgd', () => sgd({ lr: 0.5 })],
    ['genSgd', () => genSgd({ lr: 1e-2 })],
  ] as const) {
    it(`the README loop with ${name} keeps live buffers at the baseline over 500 steps`, () =>
      fresh(threads, async (b) => {
        const { batches, loss } = quickstart();
        const opt = make();
        const step = trainStep(loss, opt);
        let w = zeros([2, 1]);
        let state = opt.init(w);
        const initial = new Set(treeLeaves([w, state]));
        const before = live(b); // the data and the initial params and state (the caller's)
        const losses: number[] = [];
        let baseline = -1;
        for (let t = 0; t < 500; t++) {
          const r = tidy(() => {
            const s = step(w, state, batches[t % 4]!, batches[(t + 1) % 4]!);
            // the loop keeps the new params and state, and every 100 steps the loss to read
            return { params: s.params, state: s.state, loss: t % 100 === 0 ? s.loss : undefined };
          });
          ({ params: w, state } = r);
          if (r.loss) {
            losses.push(await r.loss.item());
            r.loss.dispose();
          }
          if (t === 0) baseline = live(b);
          else if (live(b) !== baseline)
            expect.fail(`step ${t}: ${live(b)} live buffers, baseline ${baseline}`);
        }
        // the baseline: what was there before the loop, plus the current params and state
        const carried = treeLeaves([w, state]).filter((t) => !initial.has(t)).length;
        expect(baseline).toBe(before + carried);
        expect(losses[4]!).toBeLessThan(losses[0]!); // it trained
        if (name === 'genSgd') expect(await findGeNState(state)!.lr.item()).toBeGreaterThan(0.1);
      }));
  }

  it('a plain loop without tidy grows by exactly what it drops (the loss and `applied`), and by nothing else', () =>
    fresh(threads, async (b) => {
      const { batches, loss } = quickstart();
      const opt = genSgd({ lr: 1e-2 });
      const step = trainStep(loss, opt);
      let w = zeros([2, 1]);
      let state = opt.init(w);
      ({ params: w, state } = step(w, state, batches[0]!, batches[1]!));
      const start = live(b);
      for (let t = 1; t <= 40; t++) {
        const r = step(w, state, batches[t % 4]!, batches[(t + 1) % 4]!);
        ({ params: w, state } = r);
        expect(live(b)).toBe(start + 2 * t); // one undisposed loss and one `applied` per step
      }
      await w.data();
    }));

  it('tidy releases what it does not return, also when its function throws, and says so', () =>
    fresh(threads, async (b) => {
      const x = normal(key(1), [8, 8]);
      const before = live(b);
      let inner: Tensor | undefined;
      const kept = tidy(() => {
        inner = matmul(x, x);
        return { out: sub(inner, 1), n: 3 };
      });
      expect(live(b)).toBe(before + 1);
      expect(inner!.isDisposed).toBe(true);
      expect(kept.out.isDisposed).toBe(false);
      expect(() => mul(inner!, inner!)).toThrow(/used after dispose/);
      expect(() =>
        tidy(() => {
          matmul(x, x);
          mul(x, 2);
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(live(b)).toBe(before + 1);
      // nested: what the inner scope returns belongs to the outer one
      const outer = tidy(() => {
        const a = tidy(() => mul(x, 3));
        return sub(a, 1);
      });
      expect(live(b)).toBe(before + 2);
      await outer.data();
    }));

  it('a result beyond WebAssembly memory names the op, the shape and the bytes (not a bad module)', () =>
    fresh(threads, async (b) => {
      const before = live(b);
      const a = zeros([7e4, 1]);
      const c = zeros([1, 7e4]);
      expect(() => add(a, c)).toThrow(
        /^add: cannot allocate a float32\[70000,70000\] result \(4900000000 elements, 19\.6 GB\): gpujs\(webasm\): .*4 GiB/,
      );
      expect(live(b)).toBe(before + 2); // nothing half-made is left behind
    }));

  it("GeN's new state may carry tensors of the old one: dispose(old, next) spares them", () =>
    fresh(threads, async () => {
      const { batches, loss } = quickstart();
      const opt = genSgd({ lr: 1e-2, phi: 4 });
      const w = zeros([2, 1]);
      const s0 = opt.init(w);
      const grad = normal(key(2), [2, 1]);
      const [, s1] = opt.update(grad, s0, w, { valueFn: (p: Tensor) => loss(p, batches[1]!) });
      const [, s2] = opt.update(grad, s1, w, { valueFn: (p: Tensor) => loss(p, batches[1]!) }); // no probe
      const shared = treeLeaves(s2).filter((t) => treeLeaves(s1).includes(t));
      expect(shared.length).toBeGreaterThan(0); // the lr and the last fit, carried over
      dispose(s1, s2);
      expect(shared.every((t) => !t.isDisposed)).toBe(true);
      expect(
        treeLeaves(s1)
          .filter((t) => !shared.includes(t))
          .every((t) => t.isDisposed),
      ).toBe(true);
      const [u] = opt.update(grad, s2, w, { valueFn: (p: Tensor) => loss(p, batches[2]!) });
      expect(Number.isFinite(await (u as Tensor).sum().item())).toBe(true);
    }));
});
