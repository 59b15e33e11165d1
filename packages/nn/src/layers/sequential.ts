/**
 * Containers: `sequential` (layers one after another) and `residual` (a layer plus a skip).
 * A container's params and state mirror its layers: an array for an array of layers, a record with
 * the same names for a record. `apply`'s key is split once per layer, so dropout in different layers
 * draws different masks; `train` and `mask` pass through unchanged. Errors from a layer are
 * rethrown with its place in front: `sequential[2].linear: ...`, `sequential.head.linear: ...`.
 */
import { add, split, type Tensor, type Tree } from '@gen-ts/core';
import type { ApplyOptions, Layer } from '../layer.js';
import { applyOptions, checkInputShape, checkKey, describe, fmt, withContext } from '../validate.js';
import { lambdaLayer, type NoParams } from './activation.js';

/** Any layer, whatever its params and state. */
export type AnyLayer = Layer<any, any>;

/** What `sequential` accepts as a layer: a layer, or a plain function of a tensor (an activation). */
export type LayerLike = AnyLayer | ((x: Tensor) => Tensor);

/** The params type of a layer-like. */
export type ParamsOf<L> = L extends Layer<infer P, any> ? P : NoParams;
/** The state type of a layer-like (`undefined` when it has none). */
export type StateOf<L> = L extends Layer<any, infer S> ? S : undefined;

/** The params of `sequential(layers)`: one entry per layer, in the same array or record shape. */
export type SequentialParams<Ls> = { -readonly [K in keyof Ls]: ParamsOf<Ls[K]> };
/**
 * The state of `sequential(layers)`: `undefined` when no layer has state (`Members` is the union of
 * the layers), else one entry per layer (`undefined` for the stateless ones).
 */
export type SequentialState<Ls, Members> = [StateOf<Members>] extends [undefined]
  ? undefined
  : { -readonly [K in keyof Ls]: StateOf<Ls[K]> };

function toLayer(l: unknown, where: string): AnyLayer {
  if (typeof l === 'function') return lambdaLayer(l.name || 'function', l as (x: Tensor) => Tensor);
  if (
    l !== null &&
    typeof l === 'object' &&
    typeof (l as AnyLayer).init === 'function' &&
    typeof (l as AnyLayer).apply === 'function'
  )
    return l as AnyLayer;
  throw new TypeError(
    `${where} must be a layer ({ init, apply }) or a function of a tensor, got ${describe(l)}`,
  );
}

/**
 * Layers applied one after another. Give an array (params and state are arrays) or a record of
 * named layers (params and state are records with those names, in insertion order). Plain
 * functions (`relu`, `(x) => mul(x, 2)`) count as layers without parameters.
 *
 * @example
 * ```ts
 * import { key, ones, relu } from '@gen-ts/core';
 * import { linear, sequential } from '@gen-ts/nn';
 *
 * const model = sequential([linear(32), relu, linear(10)]);
 * const { params, outputShape } = model.init(key(0), [4, 8]);
 * console.log(outputShape, model.apply(params, ones([4, 8])).shape); // [4, 10] [4, 10]
 * ```
 */
export function sequential<const Ls extends readonly LayerLike[]>(
  layers: Ls,
): Layer<SequentialParams<Ls>, SequentialState<Ls, Ls[number]>>;
export function sequential<const Ls extends { readonly [name: string]: LayerLike }>(
  layers: Ls,
): Layer<SequentialParams<Ls>, SequentialState<Ls, Ls[keyof Ls]>>;
export function sequential(layers: readonly LayerLike[] | { readonly [name: string]: LayerLike }): AnyLayer {
  const isArray = Array.isArray(layers);
  if (!isArray && (layers === null || typeof layers !== 'object'))
    throw new TypeError(`sequential: expected an array or a record of layers, got ${describe(layers)}`);
  const names = isArray ? layers.map((_, i) => i) : Object.keys(layers);
  if (names.length === 0) throw new TypeError('sequential: needs at least one layer');
  const label = (n: string | number) => (isArray ? `sequential[${n}]` : `sequential.${n}`);
  const members = names.map((n) => toLayer((layers as Record<string | number, unknown>)[n], label(n)));
  const stateful = members.some((m) => m.stateful);
  const collect = (values: unknown[]) =>
    isArray ? values : Object.fromEntries(names.map((n, i) => [n, values[i]]));
  const pick = (tree: unknown, i: number): unknown => (tree as Record<string | number, unknown>)[names[i]!];

  return {
    name: 'sequential',
    stateful,
    init(k, inputShape) {
      checkKey('sequential', k);
      let shape = checkInputShape('sequential', inputShape, 0);
      const keys = split(k, members.length);
      const params: unknown[] = [];
      const states: unknown[] = [];
      members.forEach((m, i) => {
        const r = withContext(label(names[i]!), m.name, () => m.init(keys[i]!, shape));
        params.push(r.params);
        states.push(r.state);
        shape = r.outputShape;
      });
      return { params: collect(params), state: stateful ? collect(states) : undefined, outputShape: shape };
    },
    apply(params, x, options) {
      const o = applyOptions('sequential', options);
      checkStructure('sequential', 'params', params, isArray, names);
      if (stateful && o.state !== undefined) checkStructure('sequential', 'state', o.state, isArray, names);
      const keys = o.key === undefined ? undefined : split(o.key, members.length);
      const states: unknown[] = members.map(() => undefined); // every slot, stateless layers included
      let h = x;
      members.forEach((m, i) => {
        const sub: ApplyOptions<unknown> = {
          train: o.train,
          ...(keys ? { key: keys[i]! } : {}),
          ...(m.stateful && o.state !== undefined ? { state: pick(o.state, i) } : {}),
          ...(o.mask ? { mask: o.mask } : {}),
        };
        const r: unknown = withContext(label(names[i]!), m.name, () => m.apply(pick(params, i), h, sub));
        if (m.stateful) {
          [h, states[i]] = r as [Tensor, unknown];
        } else h = r as Tensor;
      });
      return stateful ? [h, collect(states)] : h;
    },
  };
}

function checkStructure(
  where: string,
  what: string,
  tree: unknown,
  isArray: boolean,
  names: readonly (string | number)[],
): void {
  const ok = isArray
    ? Array.isArray(tree) && tree.length === names.length
    : tree !== null && typeof tree === 'object' && !Array.isArray(tree) && names.every((n) => n in tree);
  if (!ok)
    throw new TypeError(
      `${where}: ${what} must be ${isArray ? `an array of ${names.length} entries` : `a record with keys ${names.join(', ')}`} as init returned it, got ${describe(tree)}`,
    );
}

/**
 * `x + layer(x)`: a skip connection around `layer`, whose output must have the input's shape.
 * Params and state are `layer`'s own.
 *
 * @example
 * ```ts
 * import { key, ones } from '@gen-ts/core';
 * import { linear, residual } from '@gen-ts/nn';
 *
 * const block = residual(linear(8));
 * const { params } = block.init(key(0), [2, 8]);
 * console.log(block.apply(params, ones([2, 8])).shape); // [2, 8]
 * ```
 */
export function residual<P extends Tree, S extends Tree>(layer: Layer<P, S>): Layer<P, S>;
export function residual(layer: AnyLayer): AnyLayer {
  const inner = toLayer(layer, 'residual: layer');
  const ctx = <T>(fn: () => T) => withContext('residual', inner.name, fn);
  return {
    name: 'residual',
    stateful: inner.stateful,
    init(k, inputShape) {
      checkKey('residual', k);
      const s = checkInputShape('residual', inputShape, 0);
      const r = ctx(() => inner.init(k, s));
      if (!sameShape(r.outputShape, s))
        throw new RangeError(
          `residual: ${inner.name} maps ${fmt(s)} to ${fmt(r.outputShape)}; a skip connection needs equal shapes`,
        );
      return r;
    },
    apply(params, x, options) {
      applyOptions('residual', options);
      const r: unknown = ctx(() => inner.apply(params, x, options));
      const [y, s] = inner.stateful ? (r as [Tensor, unknown]) : [r as Tensor, undefined];
      if (!sameShape(y.shape, x.shape))
        throw new RangeError(
          `residual: ${inner.name} maps ${fmt(x.shape)} to ${fmt(y.shape)}; a skip connection needs equal shapes`,
        );
      return inner.stateful ? [add(x, y), s] : add(x, y);
    },
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
