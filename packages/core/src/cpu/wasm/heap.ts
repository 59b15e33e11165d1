/** Views of a WebAssembly memory, grown on demand and renewed when growing replaced the buffer. */
import type { WasmMemory } from './api.js';

const PAGE = 65536;

/** The float32, float64, int32 and byte views of one memory. */
export class Heap {
  private buffer: ArrayBufferLike | null = null;
  private f32: Float32Array = new Float32Array(0);
  private f64: Float64Array = new Float64Array(0);
  private bytes8: Uint8Array = new Uint8Array(0);
  private int32: Int32Array = new Int32Array(0);

  constructor(readonly memory: WasmMemory) {}

  /** Current size in bytes. */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** A view of the whole memory as `dtype`, grown first to at least `bytes`. */
  view(dtype: 'float32' | 'float64', bytes: number): Float32Array | Float64Array {
    this.grow(bytes);
    return dtype === 'float32' ? this.f32 : this.f64;
  }

  /** A byte view of the whole memory, grown first to at least `bytes`. */
  u8(bytes: number): Uint8Array {
    this.grow(bytes);
    return this.bytes8;
  }

  /** An int32 view of the whole memory, grown first to at least `bytes`. */
  i32(bytes: number): Int32Array {
    this.grow(bytes);
    return this.int32;
  }

  private grow(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (have < bytes) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    const buf = this.memory.buffer;
    // a shared memory's buffer object may stay the same while its length grows
    if (buf !== this.buffer || this.f64.length * 8 !== buf.byteLength) {
      this.buffer = buf;
      this.f32 = new Float32Array(buf);
      this.f64 = new Float64Array(buf);
      this.bytes8 = new Uint8Array(buf);
      this.int32 = new Int32Array(buf);
    }
  }
}
