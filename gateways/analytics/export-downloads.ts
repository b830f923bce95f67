import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../domain/errors.ts'
import {
  PRESIGNED_PATH_PREFIX,
  type PresignSecret,
  verifyPresignedUrl,
} from '../../infra/local/object-store.ts'
import type { ObjectStore } from '../../infra/ports/object-store.ts'

// Embedded mode's stand-in for S3's presigned GET: `/exports/<key>?expires&signature`, made by the
// local object store's presignGet. The link is the credential (no token, as with S3): a link not
// signed with this process's key or altered is 403 PRESIGNED_URL_INVALID, one past its expiry
// 403 PRESIGNED_URL_EXPIRED, both before any file is read.

/** The links' signing key, derived from the admin token so a restart keeps issued links valid. */
export function exportLinkKey(adminToken: string): Buffer {
  return createHmac('sha256', adminToken).update('aiaas export download links v1').digest()
}

export function exportDownloadRoute(app: FastifyInstance, store: ObjectStore, secret: PresignSecret): void {
  app.get(`${PRESIGNED_PATH_PREFIX}*`, async (request, reply) => {
    const key = verifyPresignedUrl(secret, request.url)
    const body = await store.get(key)
    if (body === null) throw new AppError('EXPORT_NOT_FOUND', 'no such export')
    return reply
      .header('content-type', key.endsWith('.csv') ? 'text/csv; charset=utf-8' : 'application/octet-stream')
      .header('cache-control', 'private, no-store')
      .send(body)
  })
}
