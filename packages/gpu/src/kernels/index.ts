/**
 * Every kernel generator, by name. A kernel is asked for as `(name, args)`: the cache key is the
 * name and the arguments themselves (plain data), so it names exactly what the generator sees and
 * cannot drift from it; on a miss the generator turns the arguments into source.
 */
import { copySpec, mapSpec } from './elementwise.js';
import { matmulBlockedSpec, matmulScalarSpec } from './matmul.js';
import { concatSpec, padSpec, scatterAddSpec, takeSpec } from './movement.js';
import { argmaxSpec, reducePartialSpec, reduceSpec } from './reduce.js';
import { randomSpec } from './random.js';
import type { KernelSpec } from './spec.js';
import { im2colSpec, reduceWindowSpec, windowGatherSpec, windowScatterSpec } from './window.js';

/** Every kernel generator, by name. */
export const GENERATORS = {
  map: mapSpec,
  copy: copySpec,
  matmulBlocked: matmulBlockedSpec,
  matmulScalar: matmulScalarSpec,
  pad: padSpec,
  concat: concatSpec,
  take: takeSpec,
  scatterAdd: scatterAddSpec,
  reduce: reduceSpec,
  reducePartial: reducePartialSpec,
  argmax: argmaxSpec,
  im2col: im2colSpec,
  reduceWindow: reduceWindowSpec,
  windowGather: windowGatherSpec,
  windowScatter: windowScatterSpec,
  random: randomSpec,
} satisfies Record<string, (...args: never[]) => KernelSpec>;

/** The name of a kernel generator. */
export type KernelName = keyof typeof GENERATORS;
/** The arguments of generator `K`. */
export type KernelArgs<K extends KernelName> = Parameters<(typeof GENERATORS)[K]>;

/** The cache key of a kernel: its generator's name and arguments. */
export function kernelKey<K extends KernelName>(name: K, args: KernelArgs<K>): string {
  return name + encode(args);
}

/**
 * A plain-data value as text: numbers, booleans and strings as themselves (op names and dtypes hold
 * no brackets or commas), arrays and objects bracketed. On the hot path of every kernel call: about
 * a fifth of `JSON.stringify`'s cost on these small arguments, mostly by joining flat arrays natively.
 */
function encode(v: unknown): string {
  if (typeof v !== 'object' || v === null) return String(v);
  if (Array.isArray(v)) {
    let i = 0;
    while (i < v.length && typeof v[i] !== 'object') i++;
    if (i === v.length) return '[' + v.join(',') + ']';
    let s = '[';
    for (i = 0; i < v.length; i++) s += encode(v[i]) + ',';
    return s + ']';
  }
  let s = '{';
  const o = v as Record<string, unknown>;
  for (const k in o) s += k + ':' + encode(o[k]) + ',';
  return s + '}';
}

/** Generates the kernel `(name, args)`. */
export function generate<K extends KernelName>(name: K, args: KernelArgs<K>): KernelSpec {
  return (GENERATORS[name] as (...a: KernelArgs<K>) => KernelSpec)(...args);
}
