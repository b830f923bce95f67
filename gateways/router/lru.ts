/**
 * A bounded set of recently seen keys: adding past `capacity` forgets the least recently used.
 * A Map keeps insertion order, so re-inserting on use makes its first key the oldest.
 */
export class Lru<K> {
  readonly #keys = new Map<K, true>()
  readonly #capacity: number

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new Error(`LRU capacity ${capacity} is not >= 1`)
    this.#capacity = capacity
  }

  get size(): number {
    return this.#keys.size
  }

  /** Whether key is held; a hit makes it the most recently used. */
  has(key: K): boolean {
    if (!this.#keys.delete(key)) return false
    this.#keys.set(key, true)
    return true
  }

  add(key: K): void {
    this.#keys.delete(key)
    this.#keys.set(key, true)
    if (this.#keys.size > this.#capacity) {
      const oldest = this.#keys.keys().next()
      if (!oldest.done) this.#keys.delete(oldest.value)
    }
  }

  delete(key: K): void {
    this.#keys.delete(key)
  }

  clear(): void {
    this.#keys.clear()
  }
}
