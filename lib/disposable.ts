// Ownership helpers: every wrapper of a native object has dispose() and Symbol.dispose; a FinalizationRegistry
// frees the native side if a wrapper is garbage-collected undisposed (a safety net, not the contract).
import { makeError } from './errors.js';

interface NativeDisposable {
  dispose(): void;
}

const registry = new FinalizationRegistry<NativeDisposable>((native) => {
  native.dispose();
});

export abstract class Disposable {
  #native: NativeDisposable | undefined;
  readonly #what: string;

  protected constructor(native: NativeDisposable, what: string) {
    this.#native = native;
    this.#what = what;
    registry.register(this, native, this);
  }

  /** True once dispose() was called. */
  get disposed(): boolean {
    return this.#native === undefined;
  }

  /** Releases the native object now. Work already queued still completes; later calls throw DISPOSED. */
  dispose(): void {
    if (!this.#native) return;
    registry.unregister(this);
    const native = this.#native;
    this.#native = undefined;
    native.dispose();
  }

  /** `using` support (Symbol.dispose exists on Node >= 20.4). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** The native object, or a DISPOSED error. */
  protected native<T extends NativeDisposable>(): T {
    if (!this.#native) throw makeError('DISPOSED', `${this.#what} was disposed; create a new one`);
    return this.#native as T;
  }
}
