/**
 * Buffers. A `Store` is one allocation: host memory (`Float32Array`) on the cpu, webasm and
 * headlessgl modes, a GPU-resident buffer on webgpu. Under gpu.js's async contract a store may be
 * pending: a promise of a kernel result that later kernels wait on. Every dtype is stored as
 * float32 (int32 and bool values are exact integers there, up to 2^24).
 *
 * A `Handle` is what a tensor holds: a reference to a store, optionally viewed with its last two
 * axes swapped (a free `transpose` that `matmul` reads directly). Reshapes and views share a store,
 * so stores are reference counted; a store is released when its last handle is disposed or
 * garbage-collected (a `FinalizationRegistry` catches the tensors nobody disposed, e.g. the
 * intermediates of a `grad`).
 */

/** A GPU-resident buffer as gpu.js's webgpu pipeline mode returns it. */
export interface DeviceBuffer {
  toArray(): Promise<unknown>;
  delete(): void;
}

/** The data of a store once computed. */
export type StoreValue = Float32Array | DeviceBuffer;

/** Counts live stores and releases them; one per backend. */
export class StoreTracker {
  /** Stores allocated and not yet released. */
  live = 0;
  private readonly registry: FinalizationRegistry<Lease> | null;

  constructor(finalize: boolean) {
    this.registry = finalize ? new FinalizationRegistry<Lease>(releaseLease) : null;
  }

  /** Ties the handle's stores to its lifetime: collected undisposed, they are unref'd. */
  watch(handle: Handle): void {
    this.registry?.register(handle, handle.lease, handle);
  }

  /** Stops watching a handle that was disposed explicitly. */
  unwatch(handle: Handle): void {
    this.registry?.unregister(handle);
  }
}

/** One allocation (see the file header). */
export class Store {
  /** The data, once computed. */
  value: StoreValue | null;
  /** The computation in flight, when the value is not there yet. */
  pending: Promise<StoreValue> | null;
  /** The uploaded values on the host (kept for int32 uploads, so indices are checked without a readback). */
  host: Float32Array | null = null;
  /** Set on index results a kernel of ours computed (window argmax): every value is in `[0, bound)`, so no check is needed. */
  indexBound: number | null = null;
  private refs = 1;

  constructor(
    readonly tracker: StoreTracker,
    /** Element count. */
    readonly size: number,
    value: StoreValue | null,
    pending: Promise<StoreValue> | null = null,
  ) {
    this.value = value;
    this.pending = null;
    tracker.live++;
    if (pending) this.await(pending);
  }

  /** Makes this store wait for `p`. A failure is kept for whoever reads (never unhandled). */
  private await(p: Promise<StoreValue>): void {
    const settled = p.then((v) => {
      if (this.refs > 0) {
        this.value = v;
        this.pending = null;
      } else releaseValue(v);
      return v;
    });
    settled.catch(() => undefined);
    this.pending = settled;
  }

  /** The value, or the promise of it. */
  get(): StoreValue | Promise<StoreValue> {
    if (this.value) return this.value;
    if (this.pending) return this.pending;
    throw new Error('gpujs: buffer used after it was released');
  }

  /** Adds a reference (a new handle sharing this store). */
  ref(): this {
    this.refs++;
    return this;
  }

  /** Drops a reference; the last one releases the data. */
  unref(): void {
    if (this.refs <= 0) return;
    if (--this.refs > 0) return;
    this.tracker.live--;
    if (this.value) releaseValue(this.value);
    this.value = null;
    this.host = null;
  }
}

function releaseValue(v: StoreValue): void {
  if (!(v instanceof Float32Array)) v.delete();
}

/** The stores a handle keeps alive; held apart from the handle so a finalizer can release them. */
interface Lease {
  store: Store;
  /** For a swapped-axes view: the contiguous copy, made the first time something needs one. */
  materialized: Store | null;
}

function releaseLease(l: Lease): void {
  l.store.unref();
  l.materialized?.unref();
  l.materialized = null;
}

/** What a tensor's `buf` is on this backend. */
export class Handle {
  /** Set once disposed. */
  disposed = false;
  /** @internal */
  readonly lease: Lease;

  constructor(
    store: Store,
    /**
     * When set, this handle is `store` (of shape `[...batch, rows, cols]`) with its last two axes
     * swapped, so its logical shape is `[...batch, cols, rows]`.
     */
    readonly swapped: boolean = false,
  ) {
    this.lease = { store, materialized: null };
  }

  /** The store this handle reads. */
  get store(): Store {
    return this.lease.store;
  }

  /** The contiguous copy of a swapped view, if made. */
  get materialized(): Store | null {
    return this.lease.materialized;
  }

  set materialized(s: Store | null) {
    this.lease.materialized = s;
  }

  /** Releases the stores now. */
  release(): void {
    if (this.disposed) return;
    this.disposed = true;
    releaseLease(this.lease);
  }
}
