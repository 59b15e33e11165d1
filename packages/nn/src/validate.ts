/**
 * Option and input validation shared by the layers, losses and metrics. Options are checked once,
 * at construction, against a spec that maps each option to a check with its default, so an unknown
 * or ill-typed option fails there with a message naming the layer and the option, never mid-training.
 * The spec is also the single list of what a layer accepts.
 */
import { isFloat, PRNGKey, Tensor, type Shape } from '@gen-ts/core';
import type { ApplyOptions } from './layer.js';

/** The float dtypes parameters can have. */
export type FloatDType = 'float32' | 'float64';

/** `[2,3]` as text, for error messages. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Reads one option: `value` is what the user passed (undefined when absent), `label` names it. */
export type Check<T> = (value: unknown, label: string) => T;

/** A spec: one check per option. */
export type Spec<T> = { readonly [K in keyof T]: Check<T[K]> };

/**
 * Validates `options` against `spec` and returns them with defaults filled in. Throws a TypeError
 * for an unknown option or a non-object, naming `where` (a layer or loss name) and the option.
 */
export function parseOptions<T>(where: string, options: unknown, spec: Spec<T>): T {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options)))
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  const given = (options ?? {}) as Record<string, unknown>;
  const known = Object.keys(spec);
  for (const k of Object.keys(given)) {
    if (!known.includes(k))
      throw new TypeError(
        `${where}: unknown option ${JSON.stringify(k)} (known: ${known.join(', ') || 'none'})`,
      );
  }
  const out = {} as Record<string, unknown>;
  for (const k of known) out[k] = (spec as Record<string, Check<unknown>>)[k]!(given[k], `${where}: ${k}`);
  return out as T;
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v instanceof Tensor) return `a ${v.dtype}${fmt(v.shape)} tensor`;
  if (typeof v === 'function') return `function ${v.name || '(anonymous)'}`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `array ${JSON.stringify(v)}`;
  if (v === null || typeof v !== 'object') return String(v);
  return v.constructor?.name ?? 'object';
}

/** A boolean option. */
export function bool(def: boolean): Check<boolean> {
  return (v, label) => {
    if (v === undefined) return def;
    if (typeof v !== 'boolean') throw new TypeError(`${label} must be a boolean, got ${describe(v)}`);
    return v;
  };
}

/** A positive integer option; required when `def` is undefined. */
export function positiveInt(def?: number): Check<number> {
  return (v, label) => {
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new RangeError(`${label} must be a positive integer, got ${describe(v)}`);
    return v;
  };
}

/** An optional positive integer (undefined stays undefined: the layer derives it). */
export function optionalPositiveInt(): Check<number | undefined> {
  return (v, label) => (v === undefined ? undefined : positiveInt()(v, label));
}

/** A finite number in `[min, max]` (`max` excluded when `maxOpen`). */
export function numberIn(def: number, min: number, max: number, maxOpen = false): Check<number> {
  return (v, label) => {
    if (v === undefined) return def;
    const ok = typeof v === 'number' && v >= min && (maxOpen ? v < max : v <= max);
    if (!ok)
      throw new RangeError(
        `${label} must be a number in [${min}, ${max}${maxOpen ? ')' : ']'}, got ${describe(v)}`,
      );
    return v as number;
  };
}

/** A finite positive number. */
export function positive(def: number): Check<number> {
  return (v, label) => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      throw new RangeError(`${label} must be a finite positive number, got ${describe(v)}`);
    return v;
  };
}

/** A finite number. */
export function finite(def: number): Check<number> {
  return (v, label) => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new RangeError(`${label} must be a finite number, got ${describe(v)}`);
    return v;
  };
}

/** One of the listed strings. */
export function oneOf<T extends string>(def: T, values: readonly T[]): Check<T> {
  return (v, label) => {
    if (v === undefined) return def;
    if (typeof v !== 'string' || !values.includes(v as T))
      throw new TypeError(
        `${label} must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${describe(v)}`,
      );
    return v as T;
  };
}

/** The parameters' dtype (default float32, as in flax's `param_dtype` and Keras). */
export function floatDType(def: FloatDType = 'float32'): Check<FloatDType> {
  return oneOf<FloatDType>(def, ['float32', 'float64']);
}

/** An integer axis (negative counts from the end). */
export function integer(def: number): Check<number> {
  return (v, label) => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new TypeError(`${label} must be an integer, got ${describe(v)}`);
    return v;
  };
}

/** Throws unless `inputShape` is an array of non-negative integers of at least `minRank` axes. */
export function checkInputShape(where: string, inputShape: unknown, minRank: number, what = ''): Shape {
  if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isInteger(d) && d >= 0))
    throw new TypeError(
      `${where}: inputShape must be an array of non-negative integers, got ${describe(inputShape)}`,
    );
  if (inputShape.length < minRank)
    throw new RangeError(
      `${where}: input shape ${fmt(inputShape)} has rank ${inputShape.length}, needs at least ${minRank}${what}`,
    );
  return inputShape;
}

/** Throws unless `k` is a PRNGKey (init's first argument). */
export function checkKey(where: string, k: unknown, what = 'init'): PRNGKey {
  if (!(k instanceof PRNGKey))
    throw new TypeError(`${where}: ${what} needs a PRNGKey from key(seed) or split, got ${describe(k)}`);
  return k;
}

const APPLY_KEYS = ['key', 'train', 'state', 'mask'];

/** Validates `apply`'s options (known keys, types) and returns them with `train` defaulted to false. */
export function applyOptions<S>(
  where: string,
  options: ApplyOptions<S> | undefined,
): ApplyOptions<S> & { train: boolean } {
  if (options === undefined) return { train: false };
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${where}: apply options must be an object, got ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (!APPLY_KEYS.includes(k))
      throw new TypeError(
        `${where}: unknown apply option ${JSON.stringify(k)} (known: ${APPLY_KEYS.join(', ')})`,
      );
  }
  if (options.train !== undefined && typeof options.train !== 'boolean')
    throw new TypeError(`${where}: apply option train must be a boolean, got ${describe(options.train)}`);
  if (options.key !== undefined) checkKey(where, options.key, 'apply option key');
  if (options.mask !== undefined && !(options.mask instanceof Tensor))
    throw new TypeError(`${where}: apply option mask must be a bool tensor, got ${describe(options.mask)}`);
  return { ...options, train: options.train ?? false };
}

/**
 * Throws unless `x` is a float tensor of `dtype` with at least `minRank` axes (and, when `features`
 * is given, that many entries on its last axis). `expected` describes the shape for the message.
 */
export function checkFloatInput(
  where: string,
  x: unknown,
  dtype: string,
  minRank: number,
  features?: number,
): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${where}: input must be a Tensor, got ${describe(x)}`);
  if (!isFloat(x.dtype) || x.dtype !== dtype)
    throw new TypeError(
      `${where}: input ${x.dtype}${fmt(x.shape)} must be ${dtype}, the dtype of the parameters`,
    );
  if (x.rank < minRank)
    throw new RangeError(`${where}: input ${fmt(x.shape)} has rank ${x.rank}, needs at least ${minRank}`);
  if (features !== undefined && x.shape[x.rank - 1] !== features)
    throw new RangeError(
      `${where}: input ${fmt(x.shape)} has ${x.shape[x.rank - 1]} features on its last axis, the parameters expect ${features}`,
    );
  return x;
}

/**
 * Runs `fn`, rethrowing any error with `prefix` in front of the failing layer's name: a message
 * `linear: ...` from the layer at `sequential[2]` becomes `sequential[2].linear: ...`. The error's
 * class is kept and the original is its `cause`.
 */
export function withContext<T>(prefix: string, name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const msg = e.message.startsWith(`${name}`)
      ? `${prefix}.${e.message}`
      : `${prefix}.${name}: ${e.message}`;
    const Ctor = e.constructor as new (m: string, o?: { cause: unknown }) => Error;
    let wrapped: Error;
    try {
      wrapped = new Ctor(msg, { cause: e });
    } catch {
      wrapped = new Error(msg, { cause: e });
    }
    if (wrapped.message !== msg) wrapped = new Error(msg, { cause: e });
    throw wrapped;
  }
}
