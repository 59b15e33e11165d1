/**
 * How the cpu backend runs its elementwise loops. The fast path compiles one loop per (op, dtype,
 * access pattern) with `new Function` (`kernels.ts`); a page whose Content-Security-Policy has
 * no 'unsafe-eval' forbids that, so there is a second path of plain closures (`loops-closure.ts`)
 * that computes the same values without generating code.
 */
/** The two ways of running elementwise loops. */
export type CpuLoops = 'compiled' | 'closures';

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

/** Validates `cpu()`'s option `loops` into the loop path; a bad value throws naming it. */
export function resolveLoops(value: unknown): CpuLoops {
  const loops = value ?? 'auto';
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
