/**
 * A bounded FIFO ring for the audit backlog: O(1) push, and when full the oldest entry is
 * overwritten (the caller counts it as dropped). Slots are allocated as the ring grows, so an
 * idle gateway does not hold a 100 k-slot array.
 */
export class BoundedQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.#size;
  }

  /** Appends `item`; returns true when the oldest entry was overwritten to make room. */
  push(item: T): boolean {
    const items = this.#items;
    if (this.#size < this.capacity) {
      // Grow only while the live entries are contiguous from slot 0 (head never wrapped).
      if (items.length < this.capacity && this.#head + this.#size === items.length) {
        items.push(item);
      } else {
        items[(this.#head + this.#size) % items.length] = item;
      }
      this.#size++;
      return false;
    }
    items[this.#head] = item;
    this.#head = (this.#head + 1) % items.length;
    return true;
  }

  /** Up to `n` entries from the oldest, without removing them. */
  peek(n: number): T[] {
    const count = Math.min(n, this.#size);
    const out = new Array<T>(count);
    const items = this.#items;
    for (let i = 0; i < count; i++) out[i] = items[(this.#head + i) % items.length] as T;
    return out;
  }

  /** Removes the `n` oldest entries. */
  drop(n: number): void {
    const count = Math.min(n, this.#size);
    const items = this.#items;
    for (let i = 0; i < count; i++) items[(this.#head + i) % items.length] = undefined;
    this.#size -= count;
    this.#head = this.#size === 0 ? 0 : (this.#head + count) % items.length;
    if (this.#size === 0) items.length = Math.min(items.length, 1024);
  }
}
