/**
 * A pytree's structure as a JSON string, for the string-only `__metadata__` of a safetensors file.
 * Tensor leaves become references to tensor names; the other leaves (numbers, strings, booleans,
 * null, undefined) are stored in place, with the numbers JSON cannot write (NaN, +-Infinity, -0)
 * spelled out, so a tree comes back exactly as it went in.
 *
 * Node encoding: `{"t": name}` a tensor, `{"a": [...]}` an array, `{"o": [[key, node], ...]}` an
 * object (key order kept), `{"v": value}` a JSON value, `{"u": 1}` undefined, `{"f": "NaN"}` one
 * of the special numbers.
 */
import { isPlainObject, Tensor } from '@gen-ts/core';

/** The deepest structure decoded: a bound on recursion for hostile metadata. */
export const MAX_TREE_DEPTH = 512;

type Node =
  | { t: string }
  | { a: Node[] }
  | { o: [string, Node][] }
  | { v: string | number | boolean | null }
  | { u: 1 }
  | { f: 'NaN' | 'Infinity' | '-Infinity' | '-0' };

/** A tensor leaf and the name it is stored under. */
export interface NamedLeaf {
  readonly name: string;
  readonly tensor: Tensor;
}

/**
 * Walks `tree` and names its tensor leaves by their paths (`params.layers.0.w`), as PyTorch's state
 * dicts do; a path that is taken already (keys holding dots) or reserved gets a `~k` suffix.
 */
export function encodeTree(tree: unknown, what: string): { json: string; leaves: NamedLeaf[] } {
  const leaves: NamedLeaf[] = [];
  const taken = new Set<string>(['__metadata__']);
  const seen = new Set<object>();
  const nameFor = (path: string[]): string => {
    const base = path.length === 0 ? 'tensor' : path.join('.');
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}~${k}`;
    taken.add(name);
    return name;
  };
  const walk = (t: unknown, path: string[], depth: number): Node => {
    if (depth > MAX_TREE_DEPTH)
      throw new Error(`${what}: the tree is nested deeper than ${MAX_TREE_DEPTH} levels`);
    if (t instanceof Tensor) {
      const name = nameFor(path);
      leaves.push({ name, tensor: t });
      return { t: name };
    }
    if (typeof t === 'number') {
      if (Number.isNaN(t)) return { f: 'NaN' };
      if (t === Infinity) return { f: 'Infinity' };
      if (t === -Infinity) return { f: '-Infinity' };
      if (Object.is(t, -0)) return { f: '-0' };
      return { v: t };
    }
    if (typeof t === 'string' || typeof t === 'boolean' || t === null) return { v: t };
    if (t === undefined) return { u: 1 };
    if (typeof t === 'object') {
      if (seen.has(t)) throw new Error(`${what}: the tree contains a cycle at '${path.join('.')}'`);
      seen.add(t);
      let node: Node;
      // Array.from visits holes too (as undefined), where map would skip them and JSON write null
      if (Array.isArray(t)) node = { a: Array.from(t, (c, i) => walk(c, [...path, String(i)], depth + 1)) };
      else if (isPlainObject(t))
        node = { o: Object.keys(t).map((k) => [k, walk(t[k], [...path, k], depth + 1)] as [string, Node]) };
      else
        throw new TypeError(
          `${what}: cannot store a ${t.constructor?.name ?? 'object'} at '${path.join('.')}'; ` +
            'use tensors, arrays, plain objects, numbers, strings, booleans and null',
        );
      seen.delete(t);
      return node;
    }
    throw new TypeError(`${what}: cannot store a ${typeof t} at '${path.join('.')}'`);
  };
  const root = walk(tree, [], 0);
  return { json: JSON.stringify(root), leaves };
}

/**
 * Rebuilds a tree from `encodeTree`'s JSON and the tensors by name. Every malformed part is an
 * error naming where it is (the metadata comes from a file and may be anything); each tensor is
 * used at most once.
 */
export function decodeTree(json: string, tensors: ReadonlyMap<string, Tensor>, what: string): unknown {
  let root: unknown;
  try {
    root = JSON.parse(json);
  } catch (e) {
    throw new Error(`${what}: the tree in __metadata__ is not valid JSON (${(e as Error).message})`);
  }
  const used = new Set<string>();
  const bad = (where: string, why: string): Error =>
    new Error(`${what}: malformed tree in __metadata__ at ${where || 'the root'}: ${why}`);
  const build = (n: unknown, where: string, depth: number): unknown => {
    if (depth > MAX_TREE_DEPTH) throw bad(where, `nested deeper than ${MAX_TREE_DEPTH} levels`);
    if (!isPlainObject(n)) throw bad(where, 'expected an object node');
    const keys = Object.keys(n);
    if (keys.length !== 1)
      throw bad(where, `expected one of t, a, o, v, u, f, got keys ${JSON.stringify(keys)}`);
    const k = keys[0]!;
    const v = n[k];
    switch (k) {
      case 't': {
        if (typeof v !== 'string') throw bad(where, 'a tensor reference must be a string');
        const t = tensors.get(v);
        if (t === undefined) throw bad(where, `it names tensor '${v}', which the file does not hold`);
        if (used.has(v)) throw bad(where, `tensor '${v}' is referenced twice`);
        used.add(v);
        return t;
      }
      case 'a':
        if (!Array.isArray(v)) throw bad(where, 'an array node must hold an array');
        return v.map((c, i) => build(c, `${where}[${i}]`, depth + 1));
      case 'o': {
        if (!Array.isArray(v)) throw bad(where, 'an object node must hold [key, node] pairs');
        const o: Record<string, unknown> = {};
        for (const pair of v) {
          if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string')
            throw bad(where, 'an object node must hold [key, node] pairs');
          const key = pair[0];
          if (Object.prototype.hasOwnProperty.call(o, key)) throw bad(where, `key '${key}' appears twice`);
          // defineProperty: a key named __proto__ stays a plain key instead of setting the prototype
          Object.defineProperty(o, key, {
            value: build(pair[1], `${where}.${key}`, depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return o;
      }
      case 'v':
        if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
          throw bad(where, 'a value node must hold a string, number, boolean or null');
        return v;
      case 'u':
        return undefined;
      case 'f':
        if (v === 'NaN') return NaN;
        if (v === 'Infinity') return Infinity;
        if (v === '-Infinity') return -Infinity;
        if (v === '-0') return -0;
        throw bad(where, `unknown special number ${JSON.stringify(v)}`);
      default:
        throw bad(where, `unknown node kind '${k}'`);
    }
  };
  const tree = build(root, '', 0);
  if (used.size !== tensors.size) {
    const extra = [...tensors.keys()].filter((n) => !used.has(n));
    throw new Error(
      `${what}: the file holds tensors the tree does not reference: ${extra.slice(0, 5).join(', ')}`,
    );
  }
  return tree;
}
