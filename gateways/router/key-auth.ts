import type { FastifyRequest } from 'fastify'
import { hashKeySecret, keyFormat } from '../../domain/api-keys/key-secret.ts'
import { AppError, isAppError } from '../../domain/errors.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/key-lookup.ts'
import { bearerToken } from '../http/bearer.ts'

import type { FindKeyByHash } from './key-cache.ts'

const incorrect = () => new AppError('UNAUTHENTICATED', 'Incorrect API key provided.')

/**
 * Whether the key may be used now. Checked on every request, cached or not: expiry and the end
 * of a rotation's grace are times, so they take effect to the millisecond whatever the cache.
 */
function refuseUnusable(record: ApiKeyRecord, now: number): void {
  if (record.status !== 'active') throw new AppError('API_KEY_REVOKED', 'This API key has been revoked.')
  // A secret a rotation replaced, after its grace: to the caller it is just no longer a key.
  if (record.valid_until !== null && Date.parse(record.valid_until) <= now) throw incorrect()
  if (record.expires_at !== null && Date.parse(record.expires_at) <= now)
    throw new AppError('API_KEY_EXPIRED', 'This API key has expired.')
  if (record.organization_status !== 'active') {
    throw new AppError(
      'ORGANIZATION_SUSPENDED',
      `This API key's organization is ${record.organization_status}.`,
    )
  }
}

/** A key this router has no copy of while the read models do not answer: a 503 saying so. */
async function lookUp(find: FindKeyByHash, hash: string): Promise<ApiKeyRecord | null> {
  try {
    return await find(hash)
  } catch (error) {
    if (!isAppError(error) || error.code !== 'DATABASE_UNAVAILABLE') throw error
    throw new AppError(
      'KEY_STORE_UNAVAILABLE',
      'this key is not in the router\u2019s copy and PostgreSQL does not answer',
      {
        cause: error.message,
      },
    )
  }
}

/**
 * Checks the bearer key of a request. A token that cannot be a key (wrong format or checksum) is
 * refused before any lookup; `find` is the router's key cache (key-cache.ts), kept fresh by the
 * change feed.
 */
export function createKeyAuthenticator(find: FindKeyByHash, options: { now: () => number }) {
  return async function authenticate(request: FastifyRequest): Promise<ApiKeyRecord> {
    const token = bearerToken(request)
    if (token === null) {
      throw new AppError(
        'UNAUTHENTICATED',
        'You didn\u2019t provide an API key (Authorization: Bearer <key>).',
      )
    }
    if (keyFormat(token) === 'malformed') throw incorrect()
    const record = await lookUp(find, hashKeySecret(token))
    if (!record) throw incorrect()
    refuseUnusable(record, options.now())
    return record
  }
}

export type Authenticate = ReturnType<typeof createKeyAuthenticator>
