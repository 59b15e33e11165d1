/**
 * A small WebAssembly binary emitter: just the instructions the cpu kernels use, named as in the
 * text format (`c.op('f32x4.mul')`, `c.mem('v128.load', 16)`), so kernel code reads like a `.wat`
 * file while being generated from TypeScript at load time (no build step, no tool). A module is one
 * imported memory plus exported functions; see the WebAssembly core spec, "Binary Format", for the
 * encodings used here.
 */

/** Value types and their binary codes. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
/** One of the value types above. */
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

// Opcodes without immediates. Numbers above 0xff are prefixed: 0xfdNN is SIMD op NN (LEB-coded).
const OPS = {
  'i32.eqz': 0x45,
  'i32.eq': 0x46,
  'i32.lt_s': 0x48,
  'i32.gt_s': 0x4a,
  'i32.ge_s': 0x4e,
  'i32.add': 0x6a,
  'i32.sub': 0x6b,
  'i32.mul': 0x6c,
  select: 0x1b,
  'f32x4.eq': 0xfd41,
  'f32x4.ne': 0xfd42,
  'f32x4.lt': 0xfd43,
  'f32x4.gt': 0xfd44,
  'f32x4.le': 0xfd45,
  'f32x4.ge': 0xfd46,
  'f64x2.eq': 0xfd47,
  'f64x2.ne': 0xfd48,
  'f64x2.lt': 0xfd49,
  'f64x2.gt': 0xfd4a,
  'f64x2.le': 0xfd4b,
  'f64x2.ge': 0xfd4c,
  'v128.and': 0xfd4e,
  'v128.or': 0xfd50,
  'v128.bitselect': 0xfd52,
  'i32x4.splat': 0xfd11,
  'i8x16.neg': 0xfd61,
  'i8x16.narrow_i16x8_s': 0xfd65,
  'i16x8.ne': 0xfd2e,
  'i16x8.narrow_i32x4_s': 0xfd85,
  'i32x4.extend_low_i16x8_s': 0xfda7,
  'i32x4.extend_high_i16x8_s': 0xfda8,
  'i64x2.extend_low_i32x4_s': 0xfdc7,
  'i64x2.extend_high_i32x4_s': 0xfdc8,
  'f32x4.add': 0xfde4,
  'f32x4.sub': 0xfde5,
  'f32x4.mul': 0xfde6,
  'f32x4.div': 0xfde7,
  'f32x4.min': 0xfde8,
  'f32x4.max': 0xfde9,
  'f64x2.add': 0xfdf0,
  'f64x2.sub': 0xfdf1,
  'f64x2.mul': 0xfdf2,
  'f64x2.div': 0xfdf3,
  'f64x2.min': 0xfdf4,
  'f64x2.max': 0xfdf5,
} as const;

// Memory instructions (each takes a memarg: alignment exponent and offset).
const MEM_OPS = {
  'i32.load': [0x28, 2],
  'i32.store': [0x36, 2],
  'f32.load': [0x2a, 2],
  'f64.load': [0x2b, 3],
  'f32.store': [0x38, 2],
  'f64.store': [0x39, 3],
  'v128.load': [0xfd00, 4],
  'v128.load8x8_u': [0xfd02, 3],
  'v128.load32_splat': [0xfd09, 2],
  'v128.load64_splat': [0xfd0a, 3],
  'v128.store': [0xfd0b, 4],
} as const;

/** An instruction without immediates, by its text-format name. */
export type Op = keyof typeof OPS;
/** A load or store, by its text-format name. */
export type MemOp = keyof typeof MEM_OPS;

function uleb(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

function sleb(out: number[], v: number): void {
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function opcode(out: number[], code: number): void {
  if (code > 0xff) {
    out.push(code >> 8);
    uleb(out, code & 0xff);
  } else out.push(code);
}

/**
 * The body of one function under construction. Instructions append to `bytes`; locals are
 * numbered after the parameters. Structured control flow takes callbacks, so nesting in the
 * TypeScript source is nesting in the module.
 */
export class Code {
  /** The encoded instructions so far. */
  readonly bytes: number[] = [];
  private readonly extra: ValType[] = [];

  /** @param params the parameter types (locals 0 .. params.length - 1) */
  constructor(readonly params: readonly ValType[]) {}

  /** A new local of type `t`; returns its index. */
  local(t: ValType): number {
    this.extra.push(t);
    return this.params.length + this.extra.length - 1;
  }

  /** The local declarations, run-length coded as the binary format wants them. */
  localDecls(): number[] {
    const runs: [number, ValType][] = [];
    for (const t of this.extra) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const out: number[] = [];
    uleb(out, runs.length);
    for (const [n, t] of runs) {
      uleb(out, n);
      out.push(t);
    }
    return out;
  }

  op(name: Op): this {
    opcode(this.bytes, OPS[name]);
    return this;
  }
  /** A load or store at the address on the stack plus the constant `offset` (bytes). */
  mem(name: MemOp, offset = 0): this {
    const [code, align] = MEM_OPS[name];
    opcode(this.bytes, code);
    uleb(this.bytes, align);
    uleb(this.bytes, offset);
    return this;
  }
  get(local: number): this {
    return this.indexed(0x20, local);
  }
  set(local: number): this {
    return this.indexed(0x21, local);
  }
  i32(v: number): this {
    this.bytes.push(0x41);
    sleb(this.bytes, v | 0);
    return this;
  }
  /** `memory.fill` (dst, byte value, n on the stack). */
  memoryFill(): this {
    this.bytes.push(0xfc, 11, 0);
    return this;
  }
  /** `local = local + delta` (i32). */
  bump(local: number, delta: number | { local: number }): this {
    this.get(local);
    if (typeof delta === 'number') this.i32(delta);
    else this.get(delta.local);
    return this.op('i32.add').set(local);
  }
  /** `call` of the function with index `fn` (its arguments on the stack). */
  call(fn: number): this {
    return this.indexed(0x10, fn);
  }
  br(depth: number): this {
    return this.indexed(0x0c, depth);
  }
  brIf(depth: number): this {
    return this.indexed(0x0d, depth);
  }

  /** `block ... end`; a `br` of depth 0 inside `body` jumps past the end. */
  block(body: () => void): this {
    return this.structured(0x02, body);
  }
  /** `loop ... end`; a `br` of depth 0 inside `body` jumps back to the start. */
  loop(body: () => void): this {
    return this.structured(0x03, body);
  }
  /** `if ... end` on the i32 on the stack. */
  if(body: () => void): this {
    return this.structured(0x04, body);
  }
  /** `if ... else ... end` on the i32 on the stack. */
  ifElse(then: () => void, otherwise: () => void): this {
    return this.structured(0x04, () => {
      then();
      this.bytes.push(0x05);
      otherwise();
    });
  }

  /**
   * `for (i = from; i < to; i += step) body()` (signed compare), `to` a local, `from` and `step`
   * locals or constants. Inside `body`, depth 2 is the loop's exit.
   */
  for(
    i: number,
    from: number | { local: number },
    to: { local: number },
    step: number | { local: number },
    body: () => void,
  ): this {
    if (typeof from === 'number') this.i32(from);
    else this.get(from.local);
    this.set(i);
    return this.block(() =>
      this.loop(() => {
        this.get(i).get(to.local).op('i32.ge_s').brIf(1);
        body();
        this.bump(i, step).br(0);
      }),
    );
  }

  /** An instruction with one unsigned immediate (a local, function or branch depth). */
  private indexed(code: number, index: number): this {
    this.bytes.push(code);
    uleb(this.bytes, index);
    return this;
  }
  private structured(code: number, body: () => void): this {
    this.bytes.push(code, 0x40); // 0x40: the block yields no value
    body();
    this.bytes.push(0x0b);
    return this;
  }
}

/** One exported function of a module. */
export interface FunctionDef {
  readonly name: string;
  readonly params: readonly ValType[];
  readonly code: Code;
}

/** The imported memory, in 64 KiB pages; a `shared` memory (for threads) needs a maximum. */
export interface MemoryImport {
  readonly initialPages: number;
  readonly maximumPages?: number;
  readonly shared: boolean;
}

function section(out: number[], id: number, body: number[]): void {
  out.push(id);
  uleb(out, body.length);
  for (const b of body) out.push(b);
}

function name(out: number[], s: string): void {
  uleb(out, s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

/** Encodes a module that imports `env.memory` and exports `fns` (no results: kernels write memory). */
export function encodeModule(memory: MemoryImport, fns: readonly FunctionDef[]): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(types, fns.length);
  for (const f of fns) {
    types.push(0x60);
    uleb(types, f.params.length);
    for (const p of f.params) types.push(p);
    types.push(0); // no results
  }
  section(out, 1, types);
  const imports: number[] = [1];
  name(imports, 'env');
  name(imports, 'memory');
  const max = memory.maximumPages;
  if (memory.shared && max === undefined) throw new Error('encodeModule: a shared memory needs a maximum');
  imports.push(0x02, (memory.shared ? 0x02 : 0) | (max === undefined ? 0 : 0x01));
  uleb(imports, memory.initialPages);
  if (max !== undefined) uleb(imports, max);
  section(out, 2, imports);
  const funcs: number[] = [];
  uleb(funcs, fns.length);
  fns.forEach((_, i) => uleb(funcs, i));
  section(out, 3, funcs);
  const exports: number[] = [];
  uleb(exports, fns.length);
  fns.forEach((f, i) => {
    name(exports, f.name);
    exports.push(0x00);
    uleb(exports, i);
  });
  section(out, 7, exports);
  const code: number[] = [];
  uleb(code, fns.length);
  for (const f of fns) {
    const body = [...f.code.localDecls(), ...f.code.bytes, 0x0b];
    uleb(code, body.length);
    for (const b of body) code.push(b);
  }
  section(out, 10, code);
  return Uint8Array.from(out);
}
