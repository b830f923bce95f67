import type { FastifyRequest } from 'fastify'
import { hashKeySecret } from '../../domain/api-keys/key-secret.ts'
import { AppError } from '../../domain/errors.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/api-keys.ts'
import { bearerToken } from '../http/bearer.ts'

export type FindKeyByHash = (keyHash: string) => Promise<ApiKeyRecord | null>

/**
 * Looks keys up in the read model through a small in-memory cache. Only found keys are cached,
 * so a key issued a moment ago works on its first use; the TTL bounds how long a revocation
 * takes to reach this replica until the change feed lands (later issue).
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
    const hash = hashKeySecret(token)
    const hit = cache.get(hash)
    let record = hit && hit.expires > options.now() ? hit.record : null
    if (!record) {
      record = await find(hash)
      if (record) cache.set(hash, { record, expires: options.now() + options.ttlMs })
    }
    if (!record) throw new AppError('UNAUTHENTICATED', 'Incorrect API key provided.')
    if (record.status !== 'active') throw new AppError('API_KEY_REVOKED', 'This API key has been revoked.')
    return record
  }
}

export type Authenticate = ReturnType<typeof createKeyAuthenticator>
