import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { AppError } from '../../domain/errors.ts'
import { assertObjectKey, assertPresignExpiry, type ObjectStore } from '../ports/object-store.ts'

// The embedded object store (`make run`, unit tests): one file per key under a directory.
//
// Presigned URLs are HMAC-signed paths, `<baseUrl>/exports/<key>?expires=<unix s>&signature=<b64url>`,
// served by the dev server through verifyPresignedUrl(), rather than file:// URLs: a file:// URL
// only works on the machine that holds the file, cannot expire and cannot be refused, while an
// HMAC URL behaves like an S3 presigned one (a bearer link that expires and fails when altered),
// so one contract suite holds for both adapters and the download route is the same in dev.

export const PRESIGNED_PATH_PREFIX = '/exports/'

export interface PresignSecret {
  /** At least 32 bytes of secret, e.g. derived from the admin token; never sent to clients. */
  signingKey: string | Buffer
  /** Clock in ms; tests move it instead of waiting. */
  now?: () => number
}

export interface LocalObjectStoreOptions extends PresignSecret {
  /** Root directory, e.g. `${AIAAS_DATA_DIR}/objects`; created when missing. */
  dir: string
  /** Prefix of presigned URLs, e.g. the dev server's origin; '' gives a root-relative path. */
  baseUrl?: string
}

export function createLocalObjectStore(options: LocalObjectStoreOptions): ObjectStore {
  assertSigningKey(options.signingKey)
  const now = options.now ?? Date.now
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '')
  const pathOf = (key: string) => join(options.dir, ...key.split('/'))
  // Keys never start with a dot (assertObjectKey), so this directory cannot collide with one.
  const tmpDir = join(options.dir, '.tmp')

  /** Writes to a temp file, then renames: a concurrent get sees the old object or the new one. */
  async function writeWhole(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    assertObjectKey(key)
    const target = pathOf(key)
    await mkdir(tmpDir, { recursive: true })
    const tmp = join(tmpDir, randomUUID())
    try {
      await mkdir(dirname(target), { recursive: true })
      await write(tmp)
      await rename(tmp, target)
    } catch (error) {
      await rm(tmp, { force: true })
      throw conflictOr(error, key)
    }
  }

  return {
    // The content type is not kept: the port has no read path for it, and the dev download
    // route derives it from the key's extension.
    put: (key, body, _contentType) => writeWhole(key, (tmp) => writeFile(tmp, body)),
    // Streamed to a temp file, renamed when whole: readers never see a partial export.
    putStream: (key, body, _contentType) =>
      writeWhole(key, (tmp) => pipeline(Readable.from(body), createWriteStream(tmp))),

    async get(key) {
      assertObjectKey(key)
      try {
        return await readFile(pathOf(key))
      } catch (error) {
        // ENOENT: no object; EISDIR/ENOTDIR: the key is only a prefix of other keys.
        if (hasCode(error, 'ENOENT', 'EISDIR', 'ENOTDIR')) return null
        throw error
      }
    },

    async list(prefix) {
      // The deepest whole directory of the prefix is read recursively; its temp files never match.
      const base = prefix.slice(0, prefix.lastIndexOf('/') + 1)
      const dir = join(options.dir, ...base.split('/'))
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error) => {
        if (hasCode(error, 'ENOENT', 'ENOTDIR')) return []
        throw error
      })
      return entries
        .filter((entry) => entry.isFile())
        .map((entry) => relative(options.dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
        .filter((key) => key.startsWith(prefix) && !key.startsWith('.'))
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    },

    async presignGet(key, expiresInSeconds) {
      assertObjectKey(key)
      assertPresignExpiry(expiresInSeconds)
      const expires = Math.floor(now() / 1000) + expiresInSeconds
      const signature = sign(options.signingKey, key, expires)
      return `${baseUrl}${PRESIGNED_PATH_PREFIX}${key}?expires=${expires}&signature=${signature}`
    },

    async close() {},
  }
}

/**
 * Checks a presigned URL (absolute, or a path with its query) made by createLocalObjectStore with
 * the same key, and returns the object key it grants. Throws PRESIGNED_URL_INVALID when it was
 * not signed with this key or was altered, PRESIGNED_URL_EXPIRED when its time has passed.
 */
export function verifyPresignedUrl(secret: PresignSecret, url: string): string {
  const now = secret.now ?? Date.now
  const parsed = new URL(url, 'http://local.invalid')
  const invalid = () => new AppError('PRESIGNED_URL_INVALID', 'the download link is not valid')
  if (!parsed.pathname.startsWith(PRESIGNED_PATH_PREFIX)) throw invalid()
  const key = parsed.pathname.slice(PRESIGNED_PATH_PREFIX.length)
  const expires = Number(parsed.searchParams.get('expires'))
  const given = Buffer.from(parsed.searchParams.get('signature') ?? '', 'base64url')
  const expected = Buffer.from(sign(secret.signingKey, key, expires), 'base64url')
  if (
    !Number.isSafeInteger(expires) ||
    given.length !== expected.length ||
    !timingSafeEqual(given, expected)
  ) {
    throw invalid()
  }
  if (Math.floor(now() / 1000) >= expires) {
    throw new AppError('PRESIGNED_URL_EXPIRED', 'the download link has expired', { expired_at: expires })
  }
  return key
}

// The method is signed too, so a link can never be turned into anything but a download.
function sign(signingKey: string | Buffer, key: string, expires: number): string {
  return createHmac('sha256', signingKey).update(`GET\n${key}\n${expires}`).digest('base64url')
}

function assertSigningKey(signingKey: string | Buffer): void {
  if (Buffer.byteLength(signingKey) < 32) {
    throw new AppError('CONFIG_INVALID', 'the presign signing key needs at least 32 bytes')
  }
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  return (
    error instanceof Error && 'code' in error && typeof error.code === 'string' && codes.includes(error.code)
  )
}

// S3 allows both `a` and `a/b` as keys; a directory tree cannot hold a file and a folder of one name.
function conflictOr(error: unknown, key: string): unknown {
  return hasCode(error, 'EEXIST', 'ENOTDIR', 'EISDIR')
    ? new AppError('OBJECT_KEY_CONFLICT', `key ${key} clashes with a key that is a prefix of it`, { key })
    : error
}
