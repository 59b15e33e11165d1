/**
 * Threefry-2x32 on the device: one block per thread, generated as straight-line source with the
 * rotation constants as literals (see core's `prng.ts` for the streams every backend shares). The
 * key (and, for bernoulli, the thresholds) arrive as one small input of 16-bit halves, so a kernel
 * is compiled once per size and new keys cost no compile.
 *
 * Each 32-bit word is held as two 16-bit halves in floats: gpu.js declares every local a float
 * (measured: `const k = (x << 16) | y` compiles to `var k : f32` in WGSL, so a 32-bit word in a
 * variable loses its low bits, and an integer sum past 2^31 saturates on webasm and webgpu instead
 * of wrapping). Additions add the halves and carry, exactly (sums below 2^17). Rotations and xors
 * come in two styles, both exact:
 * - `bits`: integer bit operators (`^`, `<<`, `>>>`, `&`, `|`) on the halves, which gpu.js compiles
 *   to i32 operations on webasm and webgpu and runs as JavaScript on its cpu mode;
 * - `limbs`: float arithmetic only, for targets without integer bit operators (WebGL 1): rotations
 *   by powers of two and `floor`, xor bit by bit (a 16-step loop), every value below 2^17.
 */
import { THREEFRY_ROTATIONS, THREEFRY_PARITY } from '@gen-ts/core';
import type { KernelSpec } from './spec.js';

/** How the kernel does 32-bit arithmetic (see the file header). */
export type RandomArith = 'bits' | 'limbs';

/** What the kernel returns per element. */
export type RandomDraw = 'uniform' | 'bernoulli';

/** The key schedule's injections: after round r (r % 4 == 3), words 0 and 1 add these key words and constants. */
function injections(): { after: number; k0: number; k1: number; add: number }[] {
  return [1, 2, 3, 4, 5].map((i) => ({ after: 4 * i - 1, k0: i % 3, k1: (i + 1) % 3, add: i }));
}

/** Source of `x = x + y mod 2^32` on the limb pair `(xh, xl)`, `y` given as two expressions. */
function limbAdd(x: string, yh: string, yl: string): string {
  return (
    `${x}l = ${x}l + ${yl};\nif (${x}l >= 65536.0) {\n${x}l = ${x}l - 65536.0;\n${x}h = ${x}h + 1.0;\n}\n` +
    `${x}h = ${x}h + ${yh};\nif (${x}h >= 65536.0) {\n${x}h = ${x}h - 65536.0;\n}\n`
  );
}

const TWO_M16 = '0.0000152587890625'; // 2^-16: a multiplication by it is exact, a division might not be

/**
 * Source of `b = rotl(b, s)` on limbs: past 16 the halves swap; within a half, the top `r` bits
 * `m = floor(v / 2^(16 - r))` move to the other half and the rest shifts up, `(v - m 2^(16-r)) 2^r`.
 * Every intermediate stays below 2^17 (a form with `v * 2^r` reaching 2^31 came out wrong on
 * webgpu, whose compiler may reorder float arithmetic). Names carry `tag`, so no two rounds declare
 * the same local.
 */
function limbRotate(s: number, tag: string): string {
  let src = '';
  if (s >= 16) src += `const sw${tag} = bh;\nbh = bl;\nbl = sw${tag};\n`;
  const r = s % 16;
  if (r === 0) return src;
  const [mh, ml] = ['mh', 'ml'].map((v) => v + tag);
  const down = `${2 ** -(16 - r)}`; // 2^-(16-r): exact
  src += `const ${mh} = Math.floor(bh * ${down});\nconst ${ml} = Math.floor(bl * ${down});\n`;
  const keep = `${2 ** (16 - r)}.0`;
  return (
    src +
    `bh = (bh - ${mh} * ${keep}) * ${2 ** r}.0 + ${ml};\nbl = (bl - ${ml} * ${keep}) * ${2 ** r}.0 + ${mh};\n`
  );
}

/** Source of `b{limb} = b{limb} ^ a{limb}` for one 16-bit half, bit by bit (a literal-bounded loop). */
function limbXor(limb: 'h' | 'l', tag: string): string {
  const [p, q, r, w, p2, q2, j] = ['xp', 'xq', 'xr', 'xw', 'xp2', 'xq2', 'xj'].map((v) => v + tag);
  return (
    `let ${p} = a${limb};\nlet ${q} = b${limb};\nlet ${r} = 0.0;\nlet ${w} = 1.0;\n` +
    `for (let ${j} = 0; ${j} < 16; ${j}++) {\nconst ${p2} = Math.floor(${p} * 0.5);\nconst ${q2} = Math.floor(${q} * 0.5);\n` +
    `if (${p} - ${p2} * 2.0 != ${q} - ${q2} * 2.0) {\n${r} = ${r} + ${w};\n}\n` +
    `${p} = ${p2};\n${q} = ${q2};\n${w} = ${w} * 2.0;\n}\nb${limb} = ${r};\n`
  );
}

/** Source of `b = rotl(b, s)` with bit operators on the halves (every result below 2^16). */
function bitsRotate(s: number, tag: string): string {
  let src = '';
  if (s >= 16) src += `const sw${tag} = bh;\nbh = bl;\nbl = sw${tag};\n`;
  const r = s % 16;
  if (r === 0) return src;
  src += `const nh${tag} = ((bh << ${r}) & 65535) | (bl >>> ${16 - r});\n`;
  return src + `bl = ((bl << ${r}) & 65535) | (bh >>> ${16 - r});\nbh = nh${tag};\n`;
}

/** The 20 rounds on limb pairs `(ah, al)`, `(bh, bl)` (see the file header). */
function roundsBody(arith: RandomArith): string {
  // counter (thread, 0) plus the key: a = k0 + thread, b = k1
  let src = 'const t = this.thread.x * 1.0;\nconst th = Math.floor(t * ' + TWO_M16 + ');\n';
  src += 'let ah = x0[0];\nlet al = x0[1];\nlet bh = x0[2];\nlet bl = x0[3];\n';
  src += limbAdd('a', 'th', 't - th * 65536.0');
  const key = (k: number, half: 'h' | 'l') => `x0[${2 * k + (half === 'h' ? 0 : 1)}]`;
  const inj = injections();
  for (let r = 0; r < 20; r++) {
    const s = THREEFRY_ROTATIONS[r % 8]!;
    src += limbAdd('a', 'bh', 'bl');
    if (arith === 'bits') src += bitsRotate(s, `${r}`) + 'bh = bh ^ ah;\nbl = bl ^ al;\n';
    else src += limbRotate(s, `${r}`) + limbXor('h', `${r}h`) + limbXor('l', `${r}l`);
    const j = inj.find((x) => x.after === r);
    if (j) {
      src += limbAdd('a', key(j.k0, 'h'), key(j.k0, 'l'));
      src += limbAdd('b', key(j.k1, 'h'), key(j.k1, 'l'));
      src += limbAdd('b', '0.0', `${j.add}.0`);
    }
  }
  return src;
}

/**
 * `n` draws of `draw`. Input `x0`: the key schedule's words `k0`, `k1`, `k2` as halves, then
 * (bernoulli) the thresholds of core's `bernoulliThresholds` as halves.
 */
export function randomSpec(draw: RandomDraw, arith: RandomArith, n: number): KernelSpec {
  let src = 'function (x0) {\n' + roundsBody(arith);
  const t = 6; // where the thresholds start
  if (draw === 'uniform')
    src += 'return (ah * 256.0 + Math.floor(al * 0.00390625)) * 0.000000059604644775390625;\n}';
  else {
    // u < p iff a < 32X, or 32X <= a < 32X + 32 and b < 64Y (core's prng.ts), each on halves
    const lt = (h: string, l: string, at: number) =>
      `(${h} < x0[${at}] ? 1.0 : (${h} == x0[${at}] && ${l} < x0[${at + 1}] ? 1.0 : 0.0))`;
    src += `const below = ${lt('ah', 'al', t)};\nconst upto = ${lt('ah', 'al', t + 2)};\nconst second = ${lt('bh', 'bl', t + 4)};\n`;
    src += 'return below > 0.5 ? 1.0 : upto * second;\n}';
  }
  return { source: src, output: [n], size: n, work: arith === 'bits' ? 1 : 16 };
}

/** The kernel's input for key words `(k0, k1)` (and bernoulli thresholds `[hi, lo]` pairs). */
export function randomInput(
  key: readonly [number, number],
  thresholds: readonly (readonly [number, number])[],
): Float32Array {
  const halves = (v: number): number[] => [Math.floor((v >>> 0) / 65536), (v >>> 0) % 65536];
  const k2 = (key[0] ^ key[1] ^ THREEFRY_PARITY) >>> 0;
  return Float32Array.from([...[key[0], key[1], k2].flatMap(halves), ...thresholds.flat()]);
}
