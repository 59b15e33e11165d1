/**
 * Transforms on parts of the params. `partition` routes each leaf to the transformation named by
 * its label; `masked` applies one transformation to the selected leaves and passes the others
 * through. Each inner transformation sees its leaves as a flat array (in `treeFlatten` order), so
 * a global norm, for example, is taken over that group only. Loss-dependent transforms (GeN,
 * `newtonDirection`) need the whole params and do not belong inside these.
 */
import { treeFlatten, treeUnflatten, type Tensor } from '@gen-ts/core';
import { checkTransform } from './base.js';
import { leafLabels } from './util.js';
import { checkState } from './validate.js';
import type { GradientTransformation } from './types.js';

/** A label per param leaf: a tree shaped like the params (or a prefix of it) with strings at the leaves. */
export type LabelTree = string | readonly LabelTree[] | { readonly [key: string]: LabelTree };

/** A mask per param leaf: a tree shaped like the params (or a prefix of it) with booleans at the leaves. */
export type MaskTree = boolean | readonly MaskTree[] | { readonly [key: string]: MaskTree };

/** The state of `partition`: one inner state per label. */
export interface PartitionState {
  /** The state of the transformation of each label. */
  readonly inner: Readonly<Record<string, unknown>>;
}

/** The state of `masked`. */
export interface MaskedState<S> {
  /** The inner transformation's state (over the selected leaves). */
  readonly inner: S;
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';

function resolve<L>(labels: L | ((params: any) => L), tree: unknown): L {
  return typeof labels === 'function' ? (labels as (p: unknown) => L)(tree) : labels;
}

/**
 * Applies `transforms[label]` to the leaves labelled `label`. `labels` is a label tree or a
 * function of the params returning one. Every label used must name a transformation.
 * @example
 * ```ts
 * import { adam, partition, setToZero } from '@gen-ts/gen';
 * import { tensor } from '@gen-ts/core';
 * const opt = partition({ train: adam({ lr: 1e-3 }), frozen: setToZero() }, { encoder: 'frozen', head: 'train' });
 * const params = { encoder: tensor([1, 2]), head: tensor([3]) };
 * const grads = { encoder: tensor([1, 1]), head: tensor([1]) };
 * const [updates] = opt.update(grads, opt.init(params), params);
 * console.log(updates.encoder.toArray(), updates.head.toArray()); // [0, 0] and [-0.001]
 * ```
 */
export function partition(
  transforms: Readonly<Record<string, GradientTransformation<any, any>>>,
  labels: LabelTree | ((params: any) => LabelTree),
): GradientTransformation<PartitionState, any> {
  const names = Object.keys(transforms);
  names.forEach((n) => checkTransform('partition', `transform ${n}`, transforms[n]));
  const groups = (tree: unknown, ls: LabelTree): Map<string, number[]> => {
    const perLeaf = leafLabels('partition', tree, ls, isString);
    const m = new Map<string, number[]>(names.map((n) => [n, []]));
    perLeaf.forEach((l, i) => {
      const g = m.get(l);
      if (g === undefined)
        throw new Error(
          `partition: label ${JSON.stringify(l)} names no transform (have ${names.join(', ')})`,
        );
      g.push(i);
    });
    return m;
  };
  return {
    init: (params) => {
      const [leaves] = treeFlatten(params);
      const m = groups(params, resolve(labels, params));
      const inner: Record<string, unknown> = {};
      for (const n of names) inner[n] = transforms[n]!.init(m.get(n)!.map((i) => leaves[i]!));
      return { inner };
    },
    update: (updates, state, params, extra) => {
      checkState('partition', state, ['inner']);
      checkState('partition', state.inner, names);
      const [leaves, def] = treeFlatten(updates);
      const pLeaves = params === undefined ? undefined : treeFlatten(params)[0];
      const m = groups(updates, resolve(labels, params ?? updates));
      const out: Tensor[] = leaves.slice();
      const inner: Record<string, unknown> = {};
      for (const n of names) {
        const idx = m.get(n)!;
        const [u, s] = transforms[n]!.update(
          idx.map((i) => leaves[i]!),
          state.inner[n],
          pLeaves && idx.map((i) => pLeaves[i]!),
          extra,
        );
        idx.forEach((i, j) => (out[i] = u[j]!));
        inner[n] = s;
      }
      return [treeUnflatten(def, out), { inner }];
    },
  };
}

/**
 * Applies `inner` to the leaves where `mask` is true and passes the others through unchanged.
 * `mask` is a boolean tree or a function of the params returning one.
 * @example
 * ```ts
 * import { addDecayedWeights, masked } from '@gen-ts/gen';
 * import { tensor, zeros } from '@gen-ts/core';
 * const decay = masked(addDecayedWeights(1e-4), { w: true, b: false }); // no weight decay on biases
 * const params = { w: tensor([1, 2]), b: tensor([3]) };
 * const [updates] = decay.update({ w: zeros([2]), b: zeros([1]) }, decay.init(params), params);
 * console.log(updates.w.toArray(), updates.b.toArray()); // [1e-4, 2e-4] and [0]
 * ```
 */
export function masked<S, X>(
  inner: GradientTransformation<S, X>,
  mask: MaskTree | ((params: any) => MaskTree),
): GradientTransformation<MaskedState<S>, X> {
  checkTransform('masked', 'inner', inner);
  const selected = (tree: unknown, m: MaskTree): number[] =>
    leafLabels('masked', tree, m, isBool).flatMap((b, i) => (b ? [i] : []));
  return {
    init: (params) => {
      const [leaves] = treeFlatten(params);
      return { inner: inner.init(selected(params, resolve(mask, params)).map((i) => leaves[i]!)) };
    },
    update: (updates, state, params, extra) => {
      checkState('masked', state, ['inner']);
      const [leaves, def] = treeFlatten(updates);
      const pLeaves = params === undefined ? undefined : treeFlatten(params)[0];
      const idx = selected(updates, resolve(mask, params ?? updates));
      const [u, s] = inner.update(
        idx.map((i) => leaves[i]!),
        state.inner,
        pLeaves && idx.map((i) => pLeaves[i]!),
        extra,
      );
      const out = leaves.slice();
      idx.forEach((i, j) => (out[i] = u[j]!));
      return [treeUnflatten(def, out), { inner: s }];
    },
  };
}
