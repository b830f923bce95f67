import type { FastifyRequest } from 'fastify'
import { hashKeySecret, keyFormat } from '../../domain/api-keys/key-secret.ts'
import { AppError } from '../../domain/errors.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/key-lookup.ts'
import { bearerToken } from '../http/bearer.ts'

export type FindKeyByHash = (keyHash: string) => Promise<ApiKeyRecord | null>

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

/**
 * Looks keys up in the read model through a small in-memory cache. A token that cannot be a key
 * (wrong format or checksum) is refused before any lookup. Only found keys are cached, so a key
 * issued a moment ago works on its first use; the TTL bounds how long a revocation or a
 * suspension takes to reach this replica until the change feed lands (later issue).
 */
export function createKeyAuthenticator(find: FindKeyByHash, options: { ttlMs: number; now: () => number }) {
  const cache = new Map<string, { record: ApiKeyRecord; expires: number }>()
  return async function authenticate(request: FastifyRequest): Promise<ApiKeyRecord> {
    const token = bearerToken(request)
    if (token === null) {
      throw new AppError(
        'UNAUTHENTICATED',
        'You didn\u2019t provide an API key (Authorization: Bearer <key>).',
      )
    }
    if (keyFormat(token) === 'malformed') throw incorrect()
    const hash = hashKeySecret(token)
    const hit = cache.get(hash)
    let record = hit && hit.expires > options.now() ? hit.record : null
    if (!record) {
      record = await find(hash)
      if (record) cache.set(hash, { record, expires: options.now() + options.ttlMs })
    }
    if (!record) throw incorrect()
    refuseUnusable(record, options.now())
    return record
  }
}

export type Authenticate = ReturnType<typeof createKeyAuthenticator>
