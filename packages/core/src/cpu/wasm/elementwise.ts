/**
 * Elementwise float kernels on f32x4 / f64x2: arithmetic (add, sub, mul, div, maximum, minimum),
 * comparisons into bool bytes, and `where`; and, in float32, the windowed max and argmax of max
 * pooling over a channels-last layout (`windowMax`). A JavaScript loop over a Float32Array converts every
 * element to a double and back and runs one element per iteration (1.3 ns an element here, for
 * `a - b` on 200k elements); the vector loop with its copies in and out takes a fifth of that
 * (BENCHMARKS.md). Each lane computes exactly what the scalar loop computes: one IEEE operation
 * rounded to the element type (for float32, a double result rounded once is the same number,
 * since a double holds more than twice float32's precision), NaN if an operand is NaN, and
 * f32x4.max / f64x2.max have `Math.max`'s semantics (NaN wins, -0 below +0); comparisons with NaN
 * are false except `ne`. Comparisons and min/max are also branch-free, where V8's scalar code
 * mispredicts on data with random signs (relu's input).
 *
 * Operands are copied into the module's memory and the result out, as for the products. A call
 * walks `rows` rows of `groups` groups (a group is one vector for arithmetic, 16 elements for a
 * comparison, 8 for `where`); each operand steps by one vector or 0 (a broadcast scalar, splatted)
 * within a row and by its own row step between rows, so a row broadcast (a bias) is a row step of
 * 0. A row's last group may run past the row's end: it writes lanes that the next row (or the
 * padding after the result) overwrites, and reads lanes whose results are dropped.
 */
import type { BinaryOp, CompareOp } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import type { WasmMemory, WasmModule, WebAssemblyApi } from './api.js';
import { Code, encodeModule, I32, V128, type FunctionDef, type Op, type ValType } from './emit.js';
import { Heap } from './heap.js';

/** The float binary ops with a vector instruction. */
export type VectorOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';
const VECTOR_OPS: Record<VectorOp, string> = {
  add: 'add',
  sub: 'sub',
  mul: 'mul',
  div: 'div',
  maximum: 'max',
  minimum: 'min',
};
const COMPARES: readonly CompareOp[] = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'];
type P = 'f32' | 'f64';
const SHAPE: Record<P, string> = { f32: 'f32x4', f64: 'f64x2' };

/** `f(a, b, out, groups, rows, aStep, bStep, aRow, bRow, outRow)`: the walk of the file header. */
const WALK: readonly ValType[] = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32];

/** The rows x groups walk; `body(a, b, out)` handles one group and advances the three pointers. */
function walk(body: (c: Code, a: number, b: number, out: number) => void): Code {
  const c = new Code(WALK);
  const [a, b, out, groups, rows, aRow, bRow, outRow] = [0, 1, 2, 3, 4, 7, 8, 9];
  const [pa, pb, po, i, r] = [c.local(I32), c.local(I32), c.local(I32), c.local(I32), c.local(I32)];
  c.for(r, 0, { local: rows }, 1, () => {
    c.get(a).set(pa).get(b).set(pb).get(out).set(po);
    c.for(i, 0, { local: groups }, 1, () => body(c, pa, pb, po));
    c.bump(a, { local: aRow }).bump(b, { local: bRow }).bump(out, { local: outRow });
  });
  return c;
}

/** One lane-wise op of the two operands' next vectors, left on the stack; both pointers advance. */
function pair(c: Code, a: number, b: number, op: Op): Code {
  c.get(a).mem('v128.load').get(b).mem('v128.load').op(op);
  return c.bump(a, { local: 5 }).bump(b, { local: 6 }); // params 5, 6: aStep, bStep
}

function arithmetic(p: P, name: string): Code {
  return walk((c, a, b, out) => {
    c.get(out);
    pair(c, a, b, `${SHAPE[p]}.${name}` as Op).mem('v128.store');
    c.bump(out, 16);
  });
}

/**
 * 16 comparisons into 16 bytes of 0/1: each lane's mask (all ones or all zeros) narrows with
 * signed saturation, which keeps -1 and 0, from i32 to i16 to i8 lanes; negating -1 gives 1. A
 * float64 mask is two equal i32 halves, so after the same two steps each element fills two bytes,
 * and one more narrowing (of those byte pairs read as i16 lanes) packs 16 elements.
 */
function comparison(p: P, op: CompareOp): Code {
  const cmp = `${SHAPE[p]}.${op}` as Op;
  return walk((c, a, b, out) => {
    // four vectors of masks, narrowed twice into one vector (f32: 16 elements; f64: 8, twice each)
    const four = () => {
      pair(c, a, b, cmp);
      pair(c, a, b, cmp).op('i16x8.narrow_i32x4_s');
      pair(c, a, b, cmp);
      pair(c, a, b, cmp).op('i16x8.narrow_i32x4_s').op('i8x16.narrow_i16x8_s');
    };
    c.get(out);
    four();
    if (p === 'f64') {
      four();
      c.op('i8x16.narrow_i16x8_s');
    }
    c.op('i8x16.neg').mem('v128.store');
    c.bump(out, 16);
  });
}

/**
 * `where` on 8 elements per group: `f(cond, a, b, out, groups, aStep, bStep)`, cond full. The 8
 * cond bytes widen to i16 lanes, compare with 0 into masks, and widen to the element width (each
 * step doubles a lane, sign-extending the mask); `v128.bitselect` picks a where the mask is set.
 */
function whereCode(p: P): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32, I32]);
  const [cond, a, b, out, groups, aStep, bStep] = [0, 1, 2, 3, 4, 5, 6];
  const [i, m16, zero] = [c.local(I32), c.local(V128), c.local(V128)]; // `zero` is never set
  const m32 = [c.local(V128), c.local(V128)];
  const pick = (mask: number, offset: number) => {
    c.get(out).get(a).mem('v128.load').get(b).mem('v128.load').get(mask).op('v128.bitselect');
    c.mem('v128.store', offset).bump(a, { local: aStep }).bump(b, { local: bStep });
  };
  c.for(i, 0, { local: groups }, 1, () => {
    c.get(cond).mem('v128.load8x8_u').get(zero).op('i16x8.ne').set(m16);
    c.get(m16).op('i32x4.extend_low_i16x8_s').set(m32[0]!);
    c.get(m16).op('i32x4.extend_high_i16x8_s').set(m32[1]!);
    if (p === 'f32') {
      pick(m32[0]!, 0);
      pick(m32[1]!, 16);
    } else {
      const m64 = c.local(V128);
      for (let h = 0; h < 2; h++) {
        for (const [k, widen] of ['i64x2.extend_low_i32x4_s', 'i64x2.extend_high_i32x4_s'].entries()) {
          c.get(m32[h]!)
            .op(widen as Op)
            .set(m64);
          pick(m64, 32 * h + 16 * k);
        }
      }
    }
    c.bump(cond, 8).bump(out, 64 / (p === 'f32' ? 2 : 1));
  });
  return c;
}

/**
 * Max pooling on 4 channels at once: `f(x, table, y, rows, positions, taps, groups, xBlock)`. Row
 * `r` is output position `r % positions` of image `r / positions` (images `xBlock` bytes apart
 * from `x`); its tap `k` reads the `groups` vectors of channels at byte offset `table[2 * (p *
 * taps + k)]` of the image, and `table[... + 1]` is the tap's index. The caller has replaced a
 * hole by the position's first real tap, which can never win against itself, so the loop has no
 * branches on the geometry. A tap wins where it is greater or where it is NaN and the best so far
 * is not: the first maximum, NaN winning and then staying, exactly the scalar loop's rule
 * (`f32x4.max` would differ: it makes max(-0, +0) = +0 where the first one should stay).
 */
function windowMaxCode(argmax: boolean): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [x, table, y, rows, positions, taps, groups, xBlock] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [r, pos, tp, g, go, k, e] = Array.from({ length: 7 }, () => c.local(I32)) as [
    number, number, number, number, number, number, number,
  ]; // prettier-ignore
  const [best, idx, v, mask] = [c.local(V128), c.local(V128), c.local(V128), c.local(V128)];
  const load = (entry: number) => c.get(x).get(entry).mem('i32.load').op('i32.add').get(go).op('i32.add');
  c.i32(0).set(pos).get(table).set(tp);
  c.for(r, 0, { local: rows }, 1, () => {
    c.i32(0).set(go);
    c.for(g, 0, { local: groups }, 1, () => {
      load(tp).mem('v128.load').set(best);
      if (argmax) c.get(tp).mem('i32.load', 4).op('i32x4.splat').set(idx);
      c.get(tp).i32(8).op('i32.add').set(e);
      c.for(k, 1, { local: taps }, 1, () => {
        load(e).mem('v128.load').set(v);
        c.get(v).get(best).op('f32x4.gt');
        c.get(v).get(v).op('f32x4.ne').get(best).get(best).op('f32x4.eq').op('v128.and');
        c.op('v128.or').set(mask);
        c.get(v).get(best).get(mask).op('v128.bitselect').set(best);
        if (argmax)
          c.get(e).mem('i32.load', 4).op('i32x4.splat').get(idx).get(mask).op('v128.bitselect').set(idx);
        c.bump(e, 8);
      });
      c.get(y)
        .get(argmax ? idx : best)
        .mem('v128.store');
      c.bump(y, 16).bump(go, 16);
    });
    // the next position's taps; the next image after the last position
    c.bump(pos, 1).get(pos).get(positions).op('i32.eq');
    c.ifElse(
      () => c.i32(0).set(pos).get(table).set(tp).bump(x, { local: xBlock }),
      () => c.get(tp).get(taps).i32(8).op('i32.mul').op('i32.add').set(tp),
    );
  });
  return c;
}

/**
 * The bytes of one precision's module (imports one plain memory). One module per precision keeps
 * each under the 4 KiB a browser's main thread may compile synchronously.
 */
export function elementwiseModule(p: 'f32' | 'f64'): Uint8Array {
  const fns: FunctionDef[] = [];
  for (const [op, name] of Object.entries(VECTOR_OPS))
    fns.push({ name: op, params: WALK, code: arithmetic(p, name) });
  for (const op of COMPARES) fns.push({ name: op, params: WALK, code: comparison(p, op) });
  fns.push({ name: 'where', params: WALK.slice(0, 7), code: whereCode(p) });
  if (p === 'f32')
    for (const argmax of [false, true]) {
      const code = windowMaxCode(argmax);
      fns.push({ name: argmax ? 'windowArgmax' : 'windowMax', params: code.params, code });
    }
  return encodeModule({ initialPages: 1, shared: false }, fns);
}

/** Elements below which the copies and the call cost more than the loop they replace. */
export const MIN_ELEMENTS = 64;
/** Extra bytes after each region, for the lanes a row's last group runs past its end. */
const SLACK = 128;
const round16 = (n: number): number => Math.ceil(n / 16) * 16;

/** How a binary op reads its operands: both full, one a scalar, or one repeating every `m` outputs. */
export type Broadcast =
  | { readonly pattern: 'same' | 'scalarA' | 'scalarB' }
  | { readonly pattern: 'rowA' | 'rowB'; readonly m: number };

type Fn = (...args: number[]) => void;

/** The vector kernels, on their own memory. */
export class WasmElementwise {
  private readonly fns: Record<'float32' | 'float64', Record<string, Fn>>;
  private readonly heap: Heap;

  /**
   * @param modules the compiled f32 and f64 modules (`elementwiseModule`), instantiated on `memory`
   * @param maxBytes the largest memory a call may grow it to (addresses are i32); a larger op
   * stays in the caller's loop rather than failing in `Memory.grow`
   */
  constructor(
    api: WebAssemblyApi,
    modules: readonly [WasmModule, WasmModule],
    memory: WasmMemory,
    private readonly maxBytes = 2 ** 31,
  ) {
    const inst = (m: WasmModule) => new api.Instance(m, { env: { memory } }).exports as Record<string, Fn>;
    this.fns = { float32: inst(modules[0]), float64: inst(modules[1]) };
    this.heap = new Heap(memory);
  }

  /** Current size of the memory, in bytes. */
  get bytes(): number {
    return this.heap.bytes;
  }

  /** True when `op` has a vector kernel. */
  static has(op: BinaryOp | CompareOp): op is VectorOp | CompareOp {
    return op in VECTOR_OPS || COMPARES.includes(op as CompareOp);
  }

  /**
   * `res = op(a, b)` for float `a`, `b` read as `how` says (`res` of the same dtype, or bool for a
   * comparison); false, doing nothing, below `MIN_ELEMENTS` or above `maxBytes` (the caller runs
   * its loop).
   */
  binary(
    op: VectorOp | CompareOp,
    dtype: 'float32' | 'float64',
    a: TypedArray,
    b: TypedArray,
    res: TypedArray,
    how: Broadcast,
  ): boolean {
    const n = res.length;
    if (n < MIN_ELEMENTS) return false;
    const es = dtype === 'float32' ? 4 : 8;
    const lanes = 16 / es;
    const compare = !(op in VECTOR_OPS);
    const group = compare ? 16 : lanes; // elements per group
    const m = how.pattern === 'rowA' || how.pattern === 'rowB' ? how.m : n;
    const rows = n / m;
    const groups = Math.ceil(m / group);
    const [ra, rb] = [round16(a.length * es) + SLACK, round16(b.length * es) + SLACK];
    const [pa, pb, pc] = [0, ra, ra + rb];
    const outBytes = compare ? 1 : es;
    const end = pc + round16(n * outBytes) + SLACK;
    if (end > this.maxBytes) return false;
    const u8 = this.heap.u8(end);
    const view = this.heap.view(dtype, 0);
    const put = (x: TypedArray, at: number) => {
      if (x.length === 1) view.fill(x[0]!, at / es, at / es + lanes);
      else view.set(x, at / es);
    };
    put(a, pa);
    put(b, pb);
    const step = (x: TypedArray) => (x.length === 1 ? 0 : 16);
    const rowStep = (x: TypedArray) => (x.length === n ? m * es : 0);
    this.fns[dtype][op]!(pa, pb, pc, groups, rows, step(a), step(b), rowStep(a), rowStep(b), m * outBytes);
    if (compare) res.set(u8.subarray(pc, pc + n));
    else res.set(view.subarray(pc / es, pc / es + n));
    return true;
  }

  /**
   * `res = cond ? a : b` for a full bool `cond` and float `a`, `b` each full or one element; false,
   * doing nothing, for any other shape, below `MIN_ELEMENTS` or above `maxBytes`.
   */
  where(
    dtype: 'float32' | 'float64',
    cond: TypedArray,
    a: TypedArray,
    b: TypedArray,
    res: TypedArray,
  ): boolean {
    const n = res.length;
    const ok = (x: TypedArray) => x.length === n || x.length === 1;
    if (n < MIN_ELEMENTS || cond.length !== n || !ok(a) || !ok(b)) return false;
    const es = dtype === 'float32' ? 4 : 8;
    const lanes = 16 / es;
    const groups = Math.ceil(n / 8);
    const pc = 0;
    const pa = round16(n) + SLACK;
    const pb = pa + round16(a.length * es) + SLACK;
    const po = pb + round16(b.length * es) + SLACK;
    const end = po + round16(n * es) + SLACK;
    if (end > this.maxBytes) return false;
    const u8 = this.heap.u8(end);
    const view = this.heap.view(dtype, 0);
    u8.set(cond, pc);
    for (const [x, at] of [
      [a, pa],
      [b, pb],
    ] as const) {
      if (x.length === 1) view.fill(x[0]!, at / es, at / es + lanes);
      else view.set(x, at / es);
    }
    const step = (x: TypedArray) => (x.length === 1 ? 0 : 16);
    this.fns[dtype]['where']!(pc, pa, pb, po, groups, step(a), step(b));
    res.set(view.subarray(po / es, po / es + n));
    return true;
  }

  /**
   * Max pooling's max (`res` float32) or argmax (`res` int32) of float32 `x`: `rows` outputs of
   * `inner` channels (a multiple of 4), row `r` being position `r % positions` of image
   * `r / positions` (`imageSize` elements apart in `x`); `table` holds `[offset, tap]` pairs (element
   * offsets, no holes) per position and tap, as the kernel's header says. False, doing nothing,
   * below `MIN_ELEMENTS` or above `maxBytes`.
   */
  windowMax(
    argmax: boolean,
    x: Float32Array,
    table: Int32Array,
    g: { readonly rows: number; readonly positions: number; readonly taps: number; readonly inner: number },
    imageSize: number,
    res: Float32Array | Int32Array,
  ): boolean {
    const n = res.length;
    if (n < MIN_ELEMENTS || g.inner % 4 !== 0 || n !== g.rows * g.inner) return false;
    const pt = round16(x.length * 4) + SLACK;
    const py = pt + round16(table.length * 4);
    const end = py + n * 4;
    if (end > this.maxBytes) return false;
    const words = this.heap.i32(end);
    const f32 = this.heap.view('float32', 0) as Float32Array;
    f32.set(x, 0);
    for (let i = 0; i < table.length; i += 2) {
      words[pt / 4 + i] = table[i]! * 4;
      words[pt / 4 + i + 1] = table[i + 1]!;
    }
    const f = this.fns.float32[argmax ? 'windowArgmax' : 'windowMax']!;
    f(0, pt, py, g.rows, g.positions, g.taps, g.inner / 4, imageSize * 4);
    res.set((argmax ? words : f32).subarray(py / 4, py / 4 + n));
    return true;
  }
}
