import { createHash, randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'

// What an API key looks like and how it is hashed: the command that issues a key and the router
// that checks one must agree on both, so this lives in the domain, below both of them.
//
// `sk-aiaas-<public id>_<secret>_<checksum>`, as GitHub's tokens are built: a fixed prefix that
// SDKs and secret scanners recognise (OpenAI's `sk-`), a public id that names the key in lists,
// 32 base62 characters of secret (~190 bits) and the CRC-32 of everything before it in base62,
// so a mistyped or truncated key is refused before any lookup.
// Keys issued before this format (`sk-aiaas-` + 32 base64url characters) keep working: they
// have no checksum, so only their length and alphabet are checked before the lookup.
const PREFIX = 'sk-aiaas-'
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const PUBLIC_ID_LENGTH = 12
const SECRET_LENGTH = 32
/** 62^6 > 2^32: every CRC-32 fits in six base62 digits. */
const CHECKSUM_LENGTH = 6

const CURRENT = new RegExp(
  `^${PREFIX}([0-9A-Za-z]{${PUBLIC_ID_LENGTH}})_[0-9A-Za-z]{${SECRET_LENGTH}}_([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
)
const LEGACY = new RegExp(`^${PREFIX}[A-Za-z0-9_-]{32}$`)

/** n uniformly drawn base62 characters (rejection sampling: no modulo bias). */
function randomBase62(n: number): string {
  let out = ''
  while (out.length < n) {
    for (const byte of randomBytes(n * 2)) {
      if (byte < 248 && out.length < n) out += BASE62[byte % 62]
    }
  }
  return out
}

function base62(value: number, width: number): string {
  let out = ''
  for (let rest = value; rest > 0; rest = Math.floor(rest / 62)) out = BASE62[rest % 62] + out
  return out.padStart(width, '0')
}

const checksum = (body: string): string => base62(crc32(body), CHECKSUM_LENGTH)

/** A new key; drawn by the command handler, never inside a decider (deciders stay pure). */
export function newKeySecret(): string {
  const body = `${PREFIX}${randomBase62(PUBLIC_ID_LENGTH)}_${randomBase62(SECRET_LENGTH)}`
  return `${body}_${checksum(body)}`
}

/**
 * Whether a bearer token can be a key at all: `current` (format and checksum hold), `legacy`
 * (the format of keys issued before the checksum) or `malformed` (refused without a lookup).
 */
export function keyFormat(token: string): 'current' | 'legacy' | 'malformed' {
  const match = CURRENT.exec(token)
  if (match) {
    const body = token.slice(0, -(CHECKSUM_LENGTH + 1))
    return checksum(body) === match[2] ? 'current' : 'malformed'
  }
  return LEGACY.test(token) ? 'legacy' : 'malformed'
}

/** SHA-256 is enough here: the secret has ~190 random bits, so no slow hash is needed. */
export function hashKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** Enough of the key to recognise it in lists, too little to use it: prefix and public id. */
export function keyPrefix(secret: string): string {
  const match = CURRENT.exec(secret)
  return match ? `${PREFIX}${match[1]}` : secret.slice(0, PREFIX.length + 4)
}
