import { argon2, randomBytes, timingSafeEqual } from 'node:crypto'

// Password hashing with Node's built-in argon2id (node:crypto, Node ≥ 24.7; docs/adr/0016).
// Parameters are OWASP's Password Storage Cheat Sheet first choice for argon2id: 19 MiB of
// memory, 2 passes, 1 lane. The result is a PHC string, as the reference implementation writes
// it (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`, unpadded base64), so a hash carries its own
// parameters and salt: raising them later leaves old hashes verifiable (needsRehash says which).

export const ARGON2ID_PARAMS = { memory: 19_456, passes: 2, parallelism: 1 } as const
const SALT_BYTES = 16
const TAG_BYTES = 32
const VERSION = 19

interface Argon2Params {
  memory: number
  passes: number
  parallelism: number
}

const PHC = /^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '')

/** NIST SP 800-63B §5.1.1.2: passwords are compared after Unicode normalization (NFKC). */
const normalized = (password: string) => Buffer.from(password.normalize('NFKC'), 'utf8')

function derive(password: string, salt: Buffer, params: Argon2Params, tagLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const input = { message: normalized(password), nonce: salt, tagLength, ...params }
    argon2('argon2id', input, (error, tag) => (error ? reject(error) : resolve(tag)))
  })
}

/** The PHC string of a new argon2id hash of `password`, under a fresh random salt. */
export async function hashPassword(
  password: string,
  params: Argon2Params = ARGON2ID_PARAMS,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const tag = await derive(password, salt, params, TAG_BYTES)
  const { memory, passes, parallelism } = params
  return `$argon2id$v=${VERSION}$m=${memory},t=${passes},p=${parallelism}$${b64(salt)}$${b64(tag)}`
}

function parse(phc: string) {
  const match = PHC.exec(phc)
  if (!match || Number(match[1]) !== VERSION) return null
  const [memory, passes, parallelism] = [match[2], match[3], match[4]].map(Number) as [number, number, number]
  const salt = Buffer.from(match[5] ?? '', 'base64')
  const tag = Buffer.from(match[6] ?? '', 'base64')
  return { params: { memory, passes, parallelism }, salt, tag }
}

/** Whether `password` hashes to `phc` under the parameters and salt it names; compared in constant time. */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const parsed = parse(phc)
  if (!parsed) throw new Error('not an argon2id PHC string')
  const tag = await derive(password, parsed.salt, parsed.params, parsed.tag.length)
  return timingSafeEqual(tag, parsed.tag)
}

/** Whether a stored hash was made with other parameters than today's (rehash at the next sign-in). */
export function needsRehash(phc: string, params: Argon2Params = ARGON2ID_PARAMS): boolean {
  const parsed = parse(phc)
  if (!parsed) return true
  const p = parsed.params
  return p.memory !== params.memory || p.passes !== params.passes || p.parallelism !== params.parallelism
}
