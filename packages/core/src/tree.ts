/**
 * Pytrees: nested arrays and plain objects whose leaves are tensors. Other values (numbers,
 * strings, booleans, null, undefined) are kept as static parts of the structure, not leaves.
 * Optimizers use the vector algebra at the end (`treeAdd`, `treeScale`, `treeVdot`, ...).
 */
import { add, mul, sqrt, sub } from './ops/elementwise.js';
import { zerosLike } from './ops/creation.js';
import { sum } from './ops/reduce.js';
import { Tensor } from './tensor.js';

/** A nested structure of arrays and plain objects with tensors at the leaves. */
export type Tree =
  Tensor | readonly Tree[] | { readonly [key: string]: Tree } | number | string | boolean | null | undefined;

/** The structure of a pytree without its leaves; rebuild one with `treeUnflatten`. */
export type TreeDef =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'static'; readonly value: unknown }
  | { readonly kind: 'array'; readonly children: readonly TreeDef[] }
  | { readonly kind: 'object'; readonly keys: readonly string[]; readonly children: readonly TreeDef[] };

const LEAF: TreeDef = { kind: 'leaf' };

/** True for the objects a pytree descends into: plain objects (prototype `Object.prototype` or null). */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** Splits a pytree into its tensor leaves (depth-first, object keys in insertion order) and its structure. */
export function treeFlatten(tree: unknown): [Tensor[], TreeDef] {
  const leaves: Tensor[] = [];
  // the containers being walked, and the keys down to here: a container met again inside itself
  // is a cycle (the same subtree in two places is not)
  const open = new Set<object>();
  const path: (string | number)[] = [];
  const walk = (t: unknown): TreeDef => {
    if (t instanceof Tensor) {
      leaves.push(t);
      return LEAF;
    }
    const array = Array.isArray(t);
    if (array || isPlainObject(t)) {
      const c = t as Record<string, unknown> & unknown[];
      if (open.has(c)) throw cycleError(path);
      open.add(c);
      let def: TreeDef;
      if (array) {
        const children = new Array<TreeDef>(c.length);
        for (let i = 0; i < c.length; i++) {
          if (!(i in c)) continue; // a hole stays a hole
          path.push(i);
          children[i] = walk(c[i]);
          path.pop();
        }
        def = { kind: 'array', children };
      } else {
        const keys = Object.keys(c);
        const children = new Array<TreeDef>(keys.length);
        for (let i = 0; i < keys.length; i++) {
          path.push(keys[i]!);
          children[i] = walk(c[keys[i]!]);
          path.pop();
        }
        def = { kind: 'object', keys, children };
      }
      open.delete(c);
      return def;
    }
    if (t !== null && typeof t === 'object') {
      throw new TypeError(
        `treeFlatten: cannot flatten a ${t.constructor?.name ?? 'object'}; use arrays, plain objects and tensors`,
      );
    }
    return { kind: 'static', value: t };
  };
  const def = walk(tree);
  return [leaves, def];
}

function cycleError(path: readonly (string | number)[]): TypeError {
  const where =
    path.length === 0
      ? 'the root'
      : `tree${path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')}`;
  return new TypeError(
    `treeFlatten: the tree contains a cycle: ${where} refers back to a container it is inside`,
  );
}

/** Number of leaves a structure holds. */
export function treeDefLeafCount(def: TreeDef): number {
  switch (def.kind) {
    case 'leaf':
      return 1;
    case 'static':
      return 0;
    default:
      return def.children.reduce((n, c) => n + treeDefLeafCount(c), 0);
  }
}

/** Rebuilds a pytree from a structure and leaves (the inverse of `treeFlatten`). */
export function treeUnflatten<T = Tree>(def: TreeDef, leaves: readonly Tensor[]): T {
  const n = treeDefLeafCount(def);
  if (leaves.length !== n) throw new Error(`treeUnflatten: structure has ${n} leaves, got ${leaves.length}`);
  let i = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case 'leaf':
        return leaves[i++];
      case 'static':
        return d.value;
      case 'array':
        return d.children.map(build);
      case 'object': {
        const o: Record<string, unknown> = {};
        d.keys.forEach((k, j) => (o[k] = build(d.children[j]!)));
        return o;
      }
    }
  };
  return build(def) as T;
}

/** The tensor leaves of a pytree. */
export function treeLeaves(tree: unknown): Tensor[] {
  return treeFlatten(tree)[0];
}

/**
 * True when two structures are the same. Statics are compared as values (`SameValueZero`: `===`,
 * except that NaN equals NaN, so a tree holding a NaN hyperparameter matches itself).
 */
export function treeDefEqual(a: TreeDef, b: TreeDef): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'leaf':
      return true;
    case 'static':
      return sameValueZero(a.value, (b as typeof a).value);
    case 'array': {
      const bb = b as typeof a;
      return (
        a.children.length === bb.children.length &&
        a.children.every((c, i) => treeDefEqual(c, bb.children[i]!))
      );
    }
    case 'object': {
      const bb = b as typeof a;
      return (
        a.keys.length === bb.keys.length &&
        a.keys.every((k, i) => k === bb.keys[i]) &&
        a.children.every((c, i) => treeDefEqual(c, bb.children[i]!))
      );
    }
  }
}

function sameValueZero(x: unknown, y: unknown): boolean {
  return x === y || (x !== x && y !== y);
}

/** Describes a structure briefly, for error messages. */
export function treeDefString(def: TreeDef): string {
  switch (def.kind) {
    case 'leaf':
      return '*';
    case 'static':
      return JSON.stringify(def.value) ?? String(def.value);
    case 'array':
      return `[${def.children.map(treeDefString).join(', ')}]`;
    case 'object':
      return `{${def.keys.map((k, i) => `${k}: ${treeDefString(def.children[i]!)}`).join(', ')}}`;
  }
}

/**
 * Applies `f` to corresponding leaves of `tree` and `rest` (which must share its structure),
 * returning a pytree of the results.
 */
export function treeMap<T = Tree>(
  f: (x: Tensor, ...rest: Tensor[]) => Tensor,
  tree: unknown,
  ...rest: unknown[]
): T {
  const [leaves, def] = treeFlatten(tree);
  const others = rest.map((r, j) => {
    const [l, d] = treeFlatten(r);
    if (!treeDefEqual(def, d)) {
      throw new Error(
        `treeMap: tree ${j + 1} has structure ${treeDefString(d)}, expected ${treeDefString(def)}`,
      );
    }
    return l;
  });
  return treeUnflatten<T>(
    def,
    leaves.map((x, i) => f(x, ...others.map((l) => l[i]!))),
  );
}

/** Leafwise `a + b`. */
export function treeAdd<T>(a: T, b: T): T {
  return treeMap<T>((x, y) => add(x, y!), a, b);
}

/** Leafwise `a - b`. */
export function treeSub<T>(a: T, b: T): T {
  return treeMap<T>((x, y) => sub(x, y!), a, b);
}

/** Every leaf times `s` (a number or a 0-d tensor). */
export function treeScale<T>(a: T, s: number | Tensor): T {
  return treeMap<T>((x) => mul(x, s), a);
}

/** Zeros shaped like every leaf. */
export function treeZerosLike<T>(a: T): T {
  return treeMap<T>((x) => zerosLike(x), a);
}

/** The inner product `sum_i <a_i, b_i>` over all leaves, as a 0-d tensor. */
export function treeVdot(a: unknown, b: unknown): Tensor {
  const [la, da] = treeFlatten(a);
  const [lb, db] = treeFlatten(b);
  if (!treeDefEqual(da, db))
    throw new Error(`treeVdot: structures differ: ${treeDefString(da)} vs ${treeDefString(db)}`);
  if (la.length === 0) throw new Error('treeVdot: the trees have no leaves');
  let acc = sum(mul(la[0]!, lb[0]!));
  for (let i = 1; i < la.length; i++) acc = add(acc, sum(mul(la[i]!, lb[i]!)));
  return acc;
}

/** The Euclidean norm over all leaves, as a 0-d tensor. */
export function treeNorm(a: unknown): Tensor {
  return sqrt(treeVdot(a, a));
}
