/**
 * How the cpu backend runs its elementwise loops. The fast path compiles one loop per (op, dtype,
 * access pattern) with `new Function` (`kernels.ts`); a page whose Content-Security-Policy has
 * no 'unsafe-eval' forbids that, so there is a second path of plain closures (`loops-closure.ts`)
 * that computes the same values without generating code.
 */
import type { Backend } from '../backend.js';

/** The two ways of running elementwise loops. */
export type CpuLoops = 'compiled' | 'closures';

/** What `cpu()` accepts. */
export interface CpuOptions {
  /**
   * Elementwise loops: `'compiled'` (made with `new Function`, the fast path; throws at
   * construction where it is forbidden), `'closures'` (no code generation, for a strict
   * Content-Security-Policy; the same values, at about the same speed on Node 20), or `'auto'` (the default:
   * compiled where `new Function` is allowed, else closures). `'auto'` finds out by calling
   * `new Function` once, which a page's CSP reports as a violation; pass `'closures'` to avoid that.
   */
  loops?: 'auto' | CpuLoops;
}

/** The reference backend, with the loop path it took. */
export interface CpuBackend extends Backend {
  /** The elementwise loops it runs: `compiled` or `closures` (see `CpuOptions.loops`). */
  readonly loops: CpuLoops;
}

let blocked: string | null | undefined;

/** Why `new Function` cannot run here (a Content-Security-Policy without 'unsafe-eval'), or null. Probed once. */
export function codegenBlocked(): string | null {
  if (blocked === undefined) {
    try {
      blocked = new Function('return 1')() === 1 ? null : 'new Function returned a wrong value';
    } catch (e) {
      blocked = `new Function is forbidden here (${(e as Error).message})`;
    }
  }
  return blocked;
}

/** Validates `cpu()` options into the loop path; a bad option throws naming it. */
export function resolveLoops(o: CpuOptions = {}): CpuLoops {
  if (typeof o !== 'object' || o === null) throw new TypeError('cpu: options must be an object');
  for (const k of Object.keys(o)) if (k !== 'loops') throw new TypeError(`cpu: unknown option '${k}'`);
  const loops = o.loops ?? 'auto';
  if (loops !== 'auto' && loops !== 'compiled' && loops !== 'closures')
    throw new TypeError(
      `cpu: option 'loops' must be 'auto', 'compiled' or 'closures', got ${JSON.stringify(loops)}`,
    );
  if (loops === 'closures') return 'closures';
  const why = codegenBlocked();
  if (why === null) return 'compiled';
  if (loops === 'compiled')
    throw new Error(`cpu: option loops 'compiled' cannot run here: ${why}; use 'closures'`);
  return 'closures';
}
