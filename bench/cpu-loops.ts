/**
 * The cpu backend's elementwise loops: compiled (`new Function`, the default) against the
 * closures a strict Content-Security-Policy needs (`cpu({ loops: 'closures' })`), interleaved in
 * one process, median ms per call, on 2^20 float32 elements (and 1000 adds of 64). Run:
 * npx tsx bench/cpu-loops.ts
 */
import { loadavg } from 'node:os';
import { add, cpu, exp, mul, slice, tensor, withBackend, type Backend, type Tensor } from '@gen-ts/core';
import { compare, row } from './harness.js';

const N = 1 << 20;
const values = Float32Array.from({ length: N }, (_, i) => Math.sin(i) * 3);
const make = (b: Backend) =>
  withBackend(b, () => [tensor(values, { shape: [1024, 1024] }), tensor(values.slice(0, 1024))] as const);
const backends = { compiled: cpu({ loops: 'compiled' }), closures: cpu({ loops: 'closures' }) };
const cases: [string, (x: Tensor, row: Tensor) => Tensor][] = [
  ['add (same shape)', (x) => add(x, x)],
  ['mul by a scalar', (x) => mul(x, 2)],
  ['add a row (broadcast)', (x, r) => add(x, r)],
  ['exp', (x) => exp(x)],
  [
    'add on 64 elements, 1000 times',
    (_x, r) => {
      const small = slice(r, [0], [64]);
      let y = small;
      for (let i = 0; i < 1000; i++) y = add(small, small);
      return y;
    },
  ],
];

// Every op runs on both backends first, so each loop's call sites have seen the mix a model
// makes them see (a closure's call to its op function is then not monomorphic).
for (const k of ['compiled', 'closures'] as const) {
  const [x, r] = make(backends[k]);
  withBackend(backends[k], () => cases.forEach(([, f]) => f(x, r)));
}
console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${N} float32 elements`,
);
console.log(row(['op', 'compiled ms', 'closures ms', 'closures / compiled']));
console.log(row(['---', '---', '---', '---']));
for (const [name, f] of cases) {
  const inputs = { compiled: make(backends.compiled), closures: make(backends.closures) };
  const t = await compare(
    (['compiled', 'closures'] as const).map((k) => ({
      name: k,
      run: () => withBackend(backends[k], () => f(inputs[k][0], inputs[k][1])),
    })),
    31,
    5,
  );
  console.log(row([name, t.get('compiled')!, t.get('closures')!, t.get('closures')! / t.get('compiled')!]));
}
