import { describe, expect, it } from 'vitest';
import { parseFlags } from './args.js';

const spec = { steps: { int: 100 }, out: { string: 'out' } };

describe('examples/lib/args', () => {
  it('gives the defaults, and the values passed', () => {
    expect(parseFlags('x', spec, [])).toEqual({ steps: 100, out: 'out' });
    expect(parseFlags('x', spec, ['--out', '/tmp/a', '--steps', '7'])).toEqual({ steps: 7, out: '/tmp/a' });
  });

  it('rejects unknown flags, missing values and bad integers, naming the program and the flag', () => {
    expect(() => parseFlags('x', spec, ['--step', '3'])).toThrow(
      'x: unknown flag --step (known: --steps, --out)',
    );
    expect(() => parseFlags('x', spec, ['--steps'])).toThrow('x: flag --steps needs a value');
    expect(() => parseFlags('x', spec, ['--steps', '0'])).toThrow('must be a positive integer, got 0');
    expect(() => parseFlags('x', spec, ['--steps', '2.5'])).toThrow('must be a positive integer, got 2.5');
  });
});
