import { randomBytes } from 'node:crypto'
import { AppError } from '../../domain/errors.ts'

// Key-encryption keys from AIAAS_KEK: `id:base64` entries, comma-separated. The first wraps new
// data keys; the others only unwrap, so a rotation can list the new key first and the old one
// after it until `aiaas secrets rotate-kek` has re-wrapped every data key.
export interface Kek {
  id: string
  key: Buffer
}

export interface Keyring {
  active: Kek
  find(id: string): Kek | undefined
}

const ENTRY = /^([A-Za-z0-9_.-]{1,64}):([A-Za-z0-9+/]+={0,2})$/
const KEY_BYTES = 32

function parseEntry(entry: string): Kek {
  const match = ENTRY.exec(entry.trim())
  const key = match?.[2] === undefined ? undefined : Buffer.from(match[2], 'base64')
  if (!match?.[1] || key?.length !== KEY_BYTES) {
    // The value is never echoed: it is a key.
    throw new AppError('CONFIG_INVALID', 'AIAAS_KEK: each entry is `<id>:<base64 of 32 bytes>`')
  }
  return { id: match[1], key }
}

/** Parses AIAAS_KEK; throws CONFIG_INVALID on a malformed entry or a repeated id. */
export function parseKeyring(text: string): Keyring {
  const keks = text.split(',').map(parseEntry)
  const ids = new Set(keks.map((k) => k.id))
  const active = keks[0]
  if (!active || ids.size !== keks.length) {
    throw new AppError('CONFIG_INVALID', 'AIAAS_KEK: key ids must be distinct')
  }
  return { active, find: (id) => keks.find((k) => k.id === id) }
}

/** True when text parses as AIAAS_KEK (the config schema's check). */
export function isKeyringText(text: string): boolean {
  try {
    parseKeyring(text)
    return true
  } catch {
    return false
  }
}

/** A fresh AIAAS_KEK value with one key, for embedded mode and tests. */
export function newKeyringText(id: string): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`
}
