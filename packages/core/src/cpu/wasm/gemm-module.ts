/**
 * The matrix-product kernels as WebAssembly SIMD, generated per precision (f32x4, f64x2) in the
 * BLIS layout: `C[m, n] = A[m, k] B[k, n]` walks columns in blocks of `nc`, the inner dimension in
 * blocks of `kc` and rows in blocks of `mc`; each `kc x nc` block of B and `mc x kc` block of A is
 * first packed into panels (`nr` columns or `mr` rows wide, zero-padded, in the order the
 * micro-kernel reads them), and the micro-kernel keeps an `mr x nr` tile of C in registers while it
 * sums `kc` outer products. A and B are read through byte strides, so a transposed operand is
 * packed straight from its stored layout. C is written in full tiles: the caller gives it room for
 * `mr`-padded rows and an `nr`-padded row stride. Each element of C sums its k terms in order
 * p = 0 .. k-1 (a later `kc` block adds onto the stored tile), with a rounded multiply and a
 * rounded add per term, exactly as the plain loops do: float64 results match them bit for bit.
 */
import {
  Code,
  encodeModule,
  I32,
  V128,
  type FunctionDef,
  type MemOp,
  type MemoryImport,
  type Op,
  type ValType,
} from './emit.js';

/** One floating-point element type and its SIMD vector. */
export interface Precision {
  readonly name: 'f32' | 'f64';
  /** Bytes per element. */
  readonly bytes: number;
  /** Elements per 128-bit vector. */
  readonly lanes: number;
  readonly load: MemOp;
  readonly store: MemOp;
  /** Loads one element into every lane. */
  readonly splat: MemOp;
  readonly add: Op;
  readonly mul: Op;
}

export const F32X4: Precision = {
  name: 'f32',
  bytes: 4,
  lanes: 4,
  load: 'f32.load',
  store: 'f32.store',
  splat: 'v128.load32_splat',
  add: 'f32x4.add',
  mul: 'f32x4.mul',
};

export const F64X2: Precision = {
  name: 'f64',
  bytes: 8,
  lanes: 2,
  load: 'f64.load',
  store: 'f64.store',
  splat: 'v128.load64_splat',
  add: 'f64x2.add',
  mul: 'f64x2.mul',
};

/** Register and cache blocking of one precision (in elements). */
export interface Tiling {
  /** Rows of the register tile. */
  readonly mr: number;
  /** Vectors per row of the register tile (`nr = nv * lanes` columns). */
  readonly nv: number;
  /** The micro-kernel's inner loop is unrolled this many times. */
  readonly unroll: number;
  /** Inner-dimension block: one packed `kc x nr` panel of B should stay in L1. */
  readonly kc: number;
  /** Row block: the packed `mc x kc` block of A should stay in L2. */
  readonly mc: number;
  /** Column block: the packed `kc x nc` block of B. */
  readonly nc: number;
}

/** Columns of the register tile. */
export const nrOf = (p: Precision, t: Tiling): number => t.nv * p.lanes;

/** Bytes of the two packing buffers one call of `gemm` needs. */
export function packBytes(p: Precision, t: Tiling): { a: number; b: number } {
  const nr = nrOf(p, t);
  return {
    a: Math.ceil(t.mc / t.mr) * t.mr * t.kc * p.bytes,
    b: Math.ceil(t.nc / nr) * nr * t.kc * p.bytes,
  };
}

/**
 * `micro(kc, pa, pb, c, ldc, accumulate)`: the `mr x nr` tile at `c` (row stride `ldc` bytes)
 * becomes (or, if `accumulate`, gains) the sum over `kc` steps of packed column `pa` (mr
 * elements) times packed row `pb` (nr elements).
 */
function micro(p: Precision, t: Tiling): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32]);
  const [kc, pa, pb, cp, ldc, accumulate] = [0, 1, 2, 3, 4, 5];
  const nr = nrOf(p, t);
  const acc = Array.from({ length: t.mr * t.nv }, () => c.local(V128)); // zero-initialised
  const bv = Array.from({ length: t.nv }, () => c.local(V128));
  const av = c.local(V128);
  const row = c.local(I32);
  const eachRow = (f: (r: number) => void) => {
    c.get(cp).set(row);
    for (let r = 0; r < t.mr; r++) {
      f(r);
      c.bump(row, { local: ldc });
    }
  };
  c.get(accumulate).if(() =>
    eachRow((r) => {
      for (let v = 0; v < t.nv; v++)
        c.get(row)
          .mem('v128.load', v * 16)
          .set(acc[r * t.nv + v]!);
    }),
  );
  // One step: load the B row's vectors, then per A element a splat and nv multiply-adds.
  const step = (u: number) => {
    for (let v = 0; v < t.nv; v++)
      c.get(pb)
        .mem('v128.load', (u * nr + v * p.lanes) * p.bytes)
        .set(bv[v]!);
    for (let r = 0; r < t.mr; r++) {
      c.get(pa)
        .mem(p.splat, (u * t.mr + r) * p.bytes)
        .set(av);
      for (let v = 0; v < t.nv; v++) {
        const a = acc[r * t.nv + v]!;
        c.get(a).get(av).get(bv[v]!).op(p.mul).op(p.add).set(a);
      }
    }
  };
  const steps = (n: number) => {
    c.block(() =>
      c.loop(() => {
        c.get(kc).i32(n).op('i32.lt_s').brIf(1);
        for (let u = 0; u < n; u++) step(u);
        c.bump(pa, n * t.mr * p.bytes)
          .bump(pb, n * nr * p.bytes)
          .bump(kc, -n)
          .br(0);
      }),
    );
  };
  steps(t.unroll);
  if (t.unroll > 1) steps(1);
  eachRow((r) => {
    for (let v = 0; v < t.nv; v++)
      c.get(row)
        .get(acc[r * t.nv + v]!)
        .mem('v128.store', v * 16);
  });
  return c;
}

/**
 * Copies `bytes` (a multiple of the element size) from `src` to `dst`, both locals, in 16-byte
 * vectors and a scalar tail; the pointers are left unchanged.
 */
function copyRun(c: Code, p: Precision, dst: number, src: number, bytes: number): void {
  let o = 0;
  for (; o + 16 <= bytes; o += 16) c.get(dst).get(src).mem('v128.load', o).mem('v128.store', o);
  for (; o < bytes; o += p.bytes) c.get(dst).get(src).mem(p.load, o).mem(p.store, o);
}

/**
 * `pack(src, along, across, len, width, dst)`, shared by A and B: panels of `w` lines (`w = mr`
 * rows of A, or `nr` columns of B) of `len` steps each; line `l` of the matrix starts at
 * `src + l * across` and its step `s` is at `+ s * along` (byte strides). A panel is stored
 * step-major (`w` elements per step). Full panels whose lines are adjacent elements (`across` =
 * one element) copy one contiguous run per step; other full panels gather `w` elements per step
 * in straight-line code; the last, partial panel is gathered in a loop and zero-padded to `w`
 * lines (stale bytes there could be float denormals, which are slow on x86).
 */
function pack(p: Precision, w: number): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32]);
  const [src, along, across, len, width, dst] = [0, 1, 2, 3, 4, 5];
  const [l, lines, s, i, from, at] = [0, 0, 0, 0, 0, 0].map(() => c.local(I32)) as [
    number, number, number, number, number, number,
  ]; // prettier-ignore
  const nextStep = () => c.bump(from, { local: along }).bump(dst, w * p.bytes);
  const contiguous = () =>
    c.for(s, 0, { local: len }, 1, () => {
      copyRun(c, p, dst, from, w * p.bytes);
      nextStep();
    });
  const gatherFull = () =>
    c.for(s, 0, { local: len }, 1, () => {
      c.get(from).set(at);
      for (let e = 0; e < w; e++) {
        c.get(dst)
          .get(at)
          .mem(p.load)
          .mem(p.store, e * p.bytes);
        if (e + 1 < w) c.bump(at, { local: across });
      }
      nextStep();
    });
  const gatherPartial = () =>
    c.for(s, 0, { local: len }, 1, () => {
      c.get(from).set(at);
      c.for(i, 0, { local: lines }, 1, () => {
        c.get(dst).get(i).i32(p.bytes).op('i32.mul').op('i32.add');
        c.get(at).mem(p.load).mem(p.store);
        c.bump(at, { local: across });
      });
      // zeros for the missing lines: fill(dst + lines * bytes, 0, (w - lines) * bytes)
      c.get(dst).get(lines).i32(p.bytes).op('i32.mul').op('i32.add');
      c.i32(0).i32(w).get(lines).op('i32.sub').i32(p.bytes).op('i32.mul').memoryFill();
      nextStep();
    });
  c.for(l, 0, { local: width }, w, () => {
    c.get(width).get(l).op('i32.sub').set(lines); // lines = min(w, width - l)
    c.i32(w).get(lines).get(lines).i32(w).op('i32.gt_s').op('select').set(lines);
    c.get(src).set(from);
    c.get(lines).i32(w).op('i32.eq');
    c.ifElse(() => c.get(across).i32(p.bytes).op('i32.eq').ifElse(contiguous, gatherFull), gatherPartial);
    c.get(src).get(across).i32(w).op('i32.mul').op('i32.add').set(src);
  });
  return c;
}

/** Parameters of `gemm`. */
export const GEMM_ARGS = 16;

/**
 * `gemm(a, rsa, csa, b, rsb, csb, c, ldc, m, n, k, pa, pb, kc, mc, aPacked)`: `C = A B` for A
 * `[m, k]` at `a` (row and column byte strides `rsa`, `csa`), B `[k, n]` at `b` (`rsb`, `csb`) and
 * C at `c` with row stride `ldc` bytes (room for `m` rounded up to `mr` rows of `n` rounded up to
 * `nr` columns); `pa` and `pb` are the packing buffers (`packBytes`); `kc` <= the tiling's `kc` and
 * `mc` <= its `mc` (a multiple of `mr`) are this product's blocks. `k` > 0. With `aPacked` set, A
 * is already in the packed layout, for all of `k` (`mr`-row panels, step-major, zero rows after
 * `m`; `rsa` = `k` elements, `csa` unused), as `im2col` writes it: no block of A is packed.
 */
function gemm(p: Precision, t: Tiling, fn: { micro: number; packA: number; packB: number }): Code {
  const c = new Code(Array<typeof I32>(GEMM_ARGS).fill(I32));
  const [a, rsa, csa, b, rsb, csb, cp, ldc, m, n, k, pa, pb, kcMax, mcMax, aPacked] = Array.from({ length: GEMM_ARGS }, (_, i) => i) as [
    number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number,
  ]; // prettier-ignore
  const [jc, nc, pc, kc, ic, mc, jr, ir, aBase, aStride] = Array.from({ length: 10 }, () => c.local(I32)) as [
    number, number, number, number, number, number, number, number, number, number,
  ]; // prettier-ignore
  const nr = nrOf(p, t);
  // dst = min(block, total - at), `block` a constant or a local
  const min = (dst: number, block: number | { local: number }, total: number, at: number) => {
    const push = () => (typeof block === 'number' ? c.i32(block) : c.get(block.local));
    c.get(total).get(at).op('i32.sub').set(dst);
    push();
    c.get(dst).get(dst);
    push();
    c.op('i32.gt_s').op('select').set(dst);
  };
  // addr = base + i * s1 + j * s2
  const addr = (base: number, i: number, s1: number, j: number, s2: number) => {
    c.get(base).get(i).get(s1).op('i32.mul').op('i32.add').get(j).get(s2).op('i32.mul').op('i32.add');
  };
  c.for(jc, 0, { local: n }, t.nc, () => {
    min(nc, t.nc, n, jc);
    c.for(pc, 0, { local: k }, { local: kcMax }, () => {
      min(kc, { local: kcMax }, k, pc);
      // B block rows pc.., columns jc..: lines are columns (across = csb), steps are rows (along = rsb)
      addr(b, pc, rsb, jc, csb);
      c.get(rsb).get(csb).get(kc).get(nc).get(pb).call(fn.packB);
      c.for(ic, 0, { local: m }, { local: mcMax }, () => {
        min(mc, { local: mcMax }, m, ic);
        // the block's panels start at aBase, aStride steps apart
        c.get(aPacked).ifElse(
          () => {
            // rows ic.. are panel ic / mr of the whole of A; steps pc.. are pc * mr elements in
            c.get(a).get(ic).get(k).op('i32.mul').get(pc).i32(t.mr).op('i32.mul').op('i32.add');
            c.i32(p.bytes).op('i32.mul').op('i32.add').set(aBase).get(k).set(aStride);
          },
          () => {
            addr(a, ic, rsa, pc, csa);
            c.get(csa).get(rsa).get(kc).get(mc).get(pa).call(fn.packA);
            c.get(pa).set(aBase).get(kc).set(aStride);
          },
        );
        c.for(jr, 0, { local: nc }, nr, () => {
          c.for(ir, 0, { local: mc }, t.mr, () => {
            c.get(kc);
            c.get(aBase).get(ir).get(aStride).op('i32.mul').i32(p.bytes).op('i32.mul').op('i32.add');
            c.get(pb).get(jr).get(kc).op('i32.mul').i32(p.bytes).op('i32.mul').op('i32.add');
            // C tile at row ic + ir, column jc + jr
            c.get(cp).get(ic).get(ir).op('i32.add').get(ldc).op('i32.mul').op('i32.add');
            c.get(jc).get(jr).op('i32.add').i32(p.bytes).op('i32.mul').op('i32.add');
            c.get(ldc).get(pc).op('i32.eqz').op('i32.eqz');
            c.call(fn.micro);
          });
        });
      });
    });
  });
  return c;
}

/** Parameters of `im2col`. */
export const IM2COL_ARGS = 9;

/**
 * `im2col(x, table, dst, rows, positions, taps, cg, batchBytes, panelBytes)`: the patch matrix of
 * a convolution, written straight into `gemm`'s packed layout of A (the region at `dst` zeroed
 * first). Row `r` is output position `r % positions` of image `r / positions`; tap `k` of that
 * position reads the `cg` channels at byte offset `table[position * taps + k]` of the image
 * (`batchBytes` apart), or is a hole (-1: the zeros stay). Element `(r, k * cg + ch)` goes to lane
 * `r % mr` of panel `r / mr` (`panelBytes` = `mr * K * bytes` apart), step `k * cg + ch`.
 */
function im2col(p: Precision, t: Tiling): Code {
  const c = new Code(Array<typeof I32>(IM2COL_ARGS).fill(I32));
  const [x, table, dst, rows, positions, taps, cg, batchBytes, panelBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [r, pos, tap, ch, lane, panel, row, entry, src, to] = Array.from({ length: 10 }, () => c.local(I32)) as [
    number, number, number, number, number, number, number, number, number, number,
  ]; // prettier-ignore
  const step = t.mr * p.bytes; // one step of a panel
  c.get(dst).set(panel);
  c.get(table).set(entry);
  c.for(r, 0, { local: rows }, 1, () => {
    c.get(panel).get(lane).i32(p.bytes).op('i32.mul').op('i32.add').set(row);
    c.for(tap, 0, { local: taps }, 1, () => {
      c.get(entry).mem('i32.load').set(src);
      c.get(src).i32(0).op('i32.ge_s');
      c.if(() => {
        c.get(x).get(src).op('i32.add').set(src);
        c.get(row).get(tap).get(cg).op('i32.mul').i32(step).op('i32.mul').op('i32.add').set(to);
        c.for(ch, 0, { local: cg }, 1, () => {
          c.get(to).get(src).mem(p.load).mem(p.store);
          c.bump(src, p.bytes).bump(to, step);
        });
      });
      c.bump(entry, 4);
    });
    // next lane (next panel after mr), next position (next image after the last)
    c.bump(lane, 1).get(lane).i32(t.mr).op('i32.eq');
    c.if(() => c.i32(0).set(lane).bump(panel, { local: panelBytes }));
    c.bump(pos, 1).get(pos).get(positions).op('i32.eq');
    c.if(() => c.i32(0).set(pos).get(table).set(entry).bump(x, { local: batchBytes }));
  });
  return c;
}

/** Builds the module: f32 and f64 kernels over one imported memory. */
export function gemmModule(memory: MemoryImport, tilings: { f32: Tiling; f64: Tiling }): Uint8Array {
  const fns: FunctionDef[] = [];
  for (const [p, t] of [
    [F32X4, tilings.f32],
    [F64X2, tilings.f64],
  ] as const) {
    const base = fns.length;
    const six: ValType[] = [I32, I32, I32, I32, I32, I32];
    fns.push({ name: `micro_${p.name}`, params: six, code: micro(p, t) });
    fns.push({ name: `packA_${p.name}`, params: six, code: pack(p, t.mr) });
    fns.push({ name: `packB_${p.name}`, params: six, code: pack(p, nrOf(p, t)) });
    const g = gemm(p, t, { micro: base, packA: base + 1, packB: base + 2 });
    fns.push({ name: `gemm_${p.name}`, params: g.params, code: g });
    const i = im2col(p, t);
    fns.push({ name: `im2col_${p.name}`, params: i.params, code: i });
  }
  return encodeModule(memory, fns);
}
