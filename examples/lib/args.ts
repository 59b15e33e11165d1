/**
 * Command-line flags of the examples: `--name value` pairs, each declared with its kind and
 * default; an unknown flag, a missing value or a value of the wrong kind is an error naming it.
 */

/** A flag's kind and default: a positive integer or a string. */
export type FlagSpec = { readonly int: number } | { readonly string: string };

/** The parsed values, by flag name (without the dashes). */
export type Flags<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K] extends { int: number } ? number : string;
};

/** Parses `argv` (default: the process's arguments) against `spec`; `example` names the program in errors. */
export function parseFlags<S extends Record<string, FlagSpec>>(
  example: string,
  spec: S,
  argv: readonly string[] = process.argv.slice(2),
): Flags<S> {
  const out: Record<string, number | string> = {};
  for (const [name, s] of Object.entries(spec)) out[name] = 'int' in s ? s.int : s.string;
  const known = Object.keys(spec).map((n) => `--${n}`);
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const name = flag.slice(2);
    const s = flag.startsWith('--') ? spec[name] : undefined;
    if (s === undefined) throw new Error(`${example}: unknown flag ${flag} (known: ${known.join(', ')})`);
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${example}: flag ${flag} needs a value`);
    if ('int' in s) {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1)
        throw new Error(`${example}: flag ${flag} must be a positive integer, got ${v}`);
      out[name] = n;
    } else out[name] = v;
  }
  return out as Flags<S>;
}
