import { createHash } from 'node:crypto'

// Ids of an idempotent request derive from (actor, key, route): a request executed again after an
// unknown outcome draws the same organization id, the same event ids…, and the event store answers
// a batch it already holds with what it stored, so nothing is written twice.

/** A stable JSON text of a value: object keys sorted, so key order never changes a hash. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest()

/**
 * The i-th id of an idempotent request: a uuidv7 whose time is when the key was first used (so
 * ids keep their creation order, as fresh uuidv7s do) and whose 74 other bits are
 * sha256(seed, i).
 */
export function idempotentIds(seed: string, startedAtMs: number): (index: number) => string {
  return (index) => {
    const bytes = sha256(`${seed}\u0000${index}`).subarray(0, 16)
    let time = BigInt(startedAtMs)
    for (let i = 5; i >= 0; i--) {
      bytes[i] = Number(time & 0xffn)
      time >>= 8n
    }
    bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f)
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f)
    const hex = bytes.toString('hex')
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }
}
