import { AppError } from '../../domain/errors.ts'

// Object storage for exports (S3 in production, a local directory embedded).
export interface ObjectStore {
  /** Stores body under key, replacing any object there; readers never see a partial object. */
  put(key: string, body: Buffer | string, contentType: string): Promise<void>
  /**
   * Stores a stream under key without holding it whole in memory; like put, the object becomes
   * visible only once the stream has ended and been stored whole (a failed or aborted stream
   * leaves no object, or the previous one).
   */
  putStream(key: string, body: AsyncIterable<Uint8Array | string>, contentType: string): Promise<void>
  /** The object's bytes, or null when there is no object under key. */
  get(key: string): Promise<Buffer | null>
  /**
   * The keys that start with `prefix` (a key's leading segments ending in '/', e.g. `anchors/`),
   * in ascending byte order, every page read. For small sets of objects (anchors), not exports.
   */
  list(prefix: string): Promise<string[]>
  /** A URL that lets its holder GET the object without credentials until it expires. */
  presignGet(key: string, expiresInSeconds: number): Promise<string>
  close(): Promise<void>
}

// Keys are '/'-separated relative paths. Both adapters accept the same set, so an export written
// embedded can be written to S3 unchanged, and the local adapter can map keys to files safely:
// no empty segment, no segment starting with a dot (so no '.', '..' or hidden files), nothing that
// needs escaping in a file name or a URL.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/

export function assertObjectKey(key: string): void {
  const valid =
    key.length > 0 && key.length <= 512 && key.split('/').every((segment) => SEGMENT.test(segment))
  if (!valid) {
    throw new AppError('OBJECT_KEY_INVALID', `invalid object key ${JSON.stringify(key)}`, { key })
  }
}

/** SigV4 presigned URLs live at most 7 days; the local adapter keeps the same bound. */
export const MAX_PRESIGN_SECONDS = 604_800

export function assertPresignExpiry(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new AppError('PRESIGN_EXPIRY_INVALID', `expiry must be 1..${MAX_PRESIGN_SECONDS} seconds`, {
      expires_in_seconds: seconds,
    })
  }
}
