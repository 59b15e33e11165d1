/**
 * One way to validate an options object, used by every optimizer and every transformation that
 * takes one: `checkOptions(op, options, rules)` rejects a non-object (with the optax habit
 * `sgd(0.01)` answered by `sgd({ lr: 0.01 })`) and unknown keys (suggesting ours for names from
 * PyTorch or Keras: `beta1` -> `b1`), runs one rule per option and returns a typed, fully defaulted
 * object. It runs at construction, so a bad option never surfaces mid-training (values from a
 * schedule are range-free, see `withScheduledValues` in util.ts). `checkState` does the same for
 * the state an `update` receives.
 */
import { isPlainObject } from '@gen-ts/core';
import type { Schedule } from './types.js';
import { checkBoolean, checkNumber, checkNumberOrSchedule } from './util.js';

/** Checks one option's value (`undefined` when absent) and returns it, defaulted; `required` when it has no default. */
export type Rule<T> = ((op: string, name: string, value: unknown) => T) & { readonly required?: boolean };

type Range = Parameters<typeof checkNumber>[3];

/** A number option with a default, in `range`. */
export function numberRule(def: number, range: Range = {}): Rule<number> {
  return (op, name, v) => checkNumber(op, name, v === undefined ? def : v, range);
}

/** A number option without a default: `undefined` when absent. */
export function optionalNumberRule(range: Range = {}): Rule<number | undefined> {
  return (op, name, v) => (v === undefined ? undefined : checkNumber(op, name, v, range));
}

/** A boolean option with a default. */
export function booleanRule(def: boolean): Rule<boolean> {
  return (op, name, v) => checkBoolean(op, name, v === undefined ? def : v);
}

/** One of `values` (strings), with a default. */
export function oneOfRule<T extends string>(def: T, values: readonly T[]): Rule<T> {
  return (op, name, v) => {
    const x = v === undefined ? def : v;
    if (!values.includes(x as T))
      throw new TypeError(
        `${op}: option ${name} must be ${values.map((s) => `'${s}'`).join(' or ')}, got ${String(x)}`,
      );
    return x as T;
  };
}

/** A number in `range` or a schedule, with a default. */
export function numberOrScheduleRule(def: number, range: Range = {}): Rule<number | Schedule> {
  return (op, name, v) => checkNumberOrSchedule(op, name, v === undefined ? def : v, range);
}

/** Any value, checked by the caller (an option whose check depends on another). */
export function anyRule<T>(def: T): Rule<T> {
  return (_op, _name, v) => (v === undefined ? def : (v as T));
}

/** The learning rate: a finite number > 0, or a schedule of the step count; required when `def` is absent. */
export function rateRule(def?: number): Rule<number | Schedule> {
  const rule = (op: string, name: string, v: unknown) => {
    if (v === undefined && def === undefined)
      throw new TypeError(
        `${op}: option ${name} (the learning rate, a number > 0 or a schedule) is required`,
      );
    return checkNumberOrSchedule(op, name, v === undefined ? def : v, { min: 0, minExclusive: true });
  };
  return Object.assign(rule, { required: def === undefined });
}

// Names from PyTorch, Keras and optax, mapped to ours (suggested when the op knows ours).
const OTHER_NAMES: Readonly<Record<string, string>> = {
  beta1: 'b1',
  beta2: 'b2',
  beta_1: 'b1',
  beta_2: 'b2',
  betas: 'b1',
  learning_rate: 'lr',
  learningRate: 'lr',
  epsilon: 'eps',
  rho: 'decay',
  alpha: 'decay',
};

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** What a value is, for messages. */
function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `an object with keys ${Object.keys(v).join(', ') || '(none)'}`;
  if (typeof v === 'function') return 'a function';
  return `${typeof v} ${String(v)}`;
}

/**
 * Throws unless `options` is a plain object whose keys are all in `known`; `undefined` is an empty
 * object. `needsLr`: the factory takes a required learning rate, so a bare number is answered with
 * `op({ lr: number })`. `path` names a nested options object (`'safeguard'`).
 */
export function checkOptionsObject(
  op: string,
  options: unknown,
  known: readonly string[],
  { needsLr = false, path }: { needsLr?: boolean; path?: string } = {},
): Record<string, unknown> {
  const what = path === undefined ? 'options' : `option ${path}`;
  if (options === undefined) {
    if (needsLr)
      throw new TypeError(`${op}: needs an options object with the learning rate, e.g. ${op}({ lr: 1e-3 })`);
    return {};
  }
  if (
    path === undefined &&
    known.includes('lr') &&
    (typeof options === 'number' || typeof options === 'function')
  )
    throw new TypeError(
      `${op}: options are one object; pass the learning rate as an option: ${op}({ lr: ${
        typeof options === 'number' ? String(options) : 'schedule'
      } })`,
    );
  if (!isPlainObject(options))
    throw new TypeError(`${op}: ${what} must be an object, got ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (known.includes(k)) continue;
    const ours = [OTHER_NAMES[k], camel(k)].find((n) => n !== undefined && n !== k && known.includes(n));
    const name = path === undefined ? k : `${path}.${k}`;
    throw new TypeError(
      `${op}: unknown option ${name}${ours === undefined ? '' : ` (did you mean ${ours}?)`} (known: ${known.join(', ')})`,
    );
  }
  return options;
}

/** The checked options: each rule's result under its name. */
export type Checked<R extends Record<string, Rule<unknown>>> = { readonly [K in keyof R]: ReturnType<R[K]> };

/**
 * Validates `options` against `rules` (one per known option) and returns them checked and
 * defaulted. `alsoKnown` names options the caller passes on to another check (GeN's, for the GeN
 * aliases); they are accepted here and returned in `rest`. `path` names a nested options object.
 */
export function checkOptions<R extends Record<string, Rule<unknown>>>(
  op: string,
  options: unknown,
  rules: R,
  { alsoKnown = [], path }: { alsoKnown?: readonly string[]; path?: string } = {},
): Checked<R> & { readonly rest: Readonly<Record<string, unknown>> } {
  const names = Object.keys(rules);
  const o = checkOptionsObject(op, options, [...names, ...alsoKnown], {
    needsLr: rules.lr?.required === true,
    path,
  });
  const out: Record<string, unknown> = {};
  for (const n of names) out[n] = rules[n]!(op, path === undefined ? n : `${path}.${n}`, o[n]);
  const rest = Object.fromEntries(Object.entries(o).filter(([k]) => !names.includes(k)));
  return { ...(out as Checked<R>), rest };
}

/**
 * Throws unless `state` is an object holding `keys` (an array of `length` when `keys` is a
 * number): the state an `update` gets must be the one its transformation's `init` (or previous
 * `update`) returned.
 */
export function checkState(op: string, state: unknown, keys: readonly string[] | number): void {
  const ok =
    typeof keys === 'number'
      ? Array.isArray(state) && state.length === keys
      : state !== null && typeof state === 'object' && !Array.isArray(state) && keys.every((k) => k in state);
  if (!ok)
    throw new TypeError(
      `${op}: update got ${describe(state)} as its state, where this transformation's state is ` +
        `${typeof keys === 'number' ? `an array of ${keys} member states` : `an object with ${keys.join(', ')}`}; ` +
        'pass the state its init (or the previous update) returned',
    );
}
