/**
 * The combinators of the protocol: `applyUpdates`, `identity`, `setToZero`, `chain` and
 * `namedChain`. A chain runs its members in order, feeding each one's updates to the next, and
 * hands the same `params` and `extra` to every member (a member ignores extras it does not read).
 */
import { add, treeMap, zerosLike } from '@gen-ts/core';
import { castTo } from './util.js';
import { checkState } from './validate.js';
import type { ExtraOf, GradientTransformation, NoExtra, StateOf, UnionToIntersection } from './types.js';

/**
 * `params + updates`, leaf by leaf; each update is cast to its param's dtype first, so float32
 * params stay float32 whatever precision the optimizer computed in.
 */
export function applyUpdates<P>(params: P, updates: P): P {
  return treeMap<P>((p, u) => add(p, castTo(u!, p)), params, updates);
}

/** The state of a transformation that keeps none. */
export type EmptyState = Record<string, never>;

/** Passes updates through unchanged. */
export function identity(): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => [updates, state],
  };
}

/** Replaces every update with zeros (freezes the params it is applied to, e.g. inside `partition`). */
export function setToZero(): GradientTransformation<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => [treeMap((u) => zerosLike(u), updates), state],
  };
}

/** The state of `chain(t1, t2, ...)`: one state per member, in order. */
export type ChainState<T extends readonly GradientTransformation<any, any>[]> = {
  [K in keyof T]: StateOf<T[K]>;
};

/** The extras of a chain: everything any member reads. */
export type ChainExtra<T extends readonly GradientTransformation<any, any>[]> = T extends readonly []
  ? NoExtra
  : UnionToIntersection<ExtraOf<T[number]>>;

/**
 * Composes transformations: `chain(a, b)(g) = b(a(g))`. The state is the tuple of member states;
 * `params` and `extra` are forwarded to every member.
 * @example
 * ```ts
 * import { chain, clipByGlobalNorm, scaleByAdam, scaleByLearningRate } from '@gen-ts/gen';
 * import { tensor } from '@gen-ts/core';
 * const opt = chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3));
 * const params = tensor([1, 2]);
 * const [updates] = opt.update(tensor([0.5, -0.5]), opt.init(params), params);
 * console.log(updates.toArray()); // about [-1e-3, 1e-3]: Adam's first step has unit size
 * ```
 */
export function chain<const T extends readonly GradientTransformation<any, any>[]>(
  ...transforms: T
): GradientTransformation<ChainState<T>, ChainExtra<T>> {
  transforms.forEach((t, i) => checkTransform('chain', `argument ${i}`, t));
  return {
    init: (params) => transforms.map((t) => t.init(params)) as ChainState<T>,
    update: (updates, state, params, extra) => {
      checkState('chain', state, transforms.length);
      const next: unknown[] = [];
      let u = updates;
      transforms.forEach((t, i) => {
        const [nu, ns] = t.update(u, (state as readonly unknown[])[i], params, extra);
        u = nu;
        next.push(ns);
      });
      return [u, next as ChainState<T>];
    },
  };
}

/** The state of `namedChain({...})`: one state per member, under the member's name. */
export type NamedChainState<T extends Record<string, GradientTransformation<any, any>>> = {
  [K in keyof T]: StateOf<T[K]>;
};

/**
 * Like `chain`, with named members (run in the object's key order) and a state keyed by the same
 * names, so a member's state is found by name: `state.adam.mu`.
 * @example
 * ```ts
 * import { clipByGlobalNorm, namedChain, scaleByAdam, scaleByLearningRate } from '@gen-ts/gen';
 * import { tensor } from '@gen-ts/core';
 * const opt = namedChain({ clip: clipByGlobalNorm(1), adam: scaleByAdam(), lr: scaleByLearningRate(1e-3) });
 * const params = tensor([1, 2]);
 * const [, state] = opt.update(tensor([0.5, -0.5]), opt.init(params), params);
 * console.log(state.adam.count); // 1: Adam's step count, found by name
 * ```
 */
export function namedChain<T extends Record<string, GradientTransformation<any, any>>>(
  transforms: T,
): GradientTransformation<NamedChainState<T>, UnionToIntersection<ExtraOf<T[keyof T]>>> {
  const names = Object.keys(transforms);
  names.forEach((n) => checkTransform('namedChain', `member ${n}`, transforms[n]));
  return {
    init: (params) =>
      Object.fromEntries(names.map((n) => [n, transforms[n]!.init(params)])) as NamedChainState<T>,
    update: (updates, state, params, extra) => {
      checkState('namedChain', state, names);
      const next: Record<string, unknown> = {};
      let u = updates;
      for (const n of names) {
        const [nu, ns] = transforms[n]!.update(u, (state as Record<string, unknown>)[n], params, extra);
        u = nu;
        next[n] = ns;
      }
      return [u, next as NamedChainState<T>];
    },
  };
}

/** @internal Throws unless `t` looks like a transformation. */
export function checkTransform(op: string, what: string, t: unknown): void {
  const ok =
    t !== null &&
    typeof t === 'object' &&
    typeof (t as GradientTransformation).init === 'function' &&
    typeof (t as GradientTransformation).update === 'function';
  if (!ok)
    throw new TypeError(`${op}: ${what} is not a gradient transformation (an object with init and update)`);
}
