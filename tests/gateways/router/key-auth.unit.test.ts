import type { FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import { hashKeySecret, newKeySecret } from '../../../domain/api-keys/key-secret.ts'
import { AppError } from '../../../domain/errors.ts'
import { createKeyAuthenticator } from '../../../gateways/router/key-auth.ts'
import { createKeyCache } from '../../../gateways/router/key-cache.ts'
import type { ApiKeyRecord } from '../../../projections/api-keys/key-lookup.ts'
import { keyRecord } from './key-record.ts'

// The router's key check: what is refused before a lookup and what after (the cache: key-cache.unit.test.ts).
// bearerToken reads only the headers, so a request is its headers here.
const requestWith = (token: string) =>
  ({ headers: { authorization: `Bearer ${token}` } }) as unknown as FastifyRequest
const T0 = Date.parse('2026-11-26T10:00:00Z')

function authenticator(records: Map<string, ApiKeyRecord>) {
  const clock = { now: T0 }
  const lookups: string[] = []
  const keys = createKeyCache(async (hash) => {
    lookups.push(hash)
    return records.get(hash) ?? null
  })
  const authenticate = createKeyAuthenticator(keys.lookup, { now: () => clock.now })
  return { authenticate, lookups, clock }
}

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (error: { code: string }) => error.code,
  )

describe('key authentication', () => {
  it('refuses a mistyped, truncated or foreign token without a lookup', async () => {
    const { authenticate, lookups } = authenticator(new Map())
    const key = newKeySecret()
    const typo = `${key.slice(0, 25)}${key[25] === 'Q' ? 'R' : 'Q'}${key.slice(26)}`
    for (const token of [typo, key.slice(0, -3), 'not-a-key', `sk-aiaas-${'x'.repeat(31)}`]) {
      expect(await codeOf(authenticate(requestWith(token))), token).toBe('UNAUTHENTICATED')
    }
    expect(lookups).toEqual([])
  })

  it('looks up a well-formed key, and a key of the old format, by the hash of the whole key', async () => {
    const key = newKeySecret()
    const legacy = `sk-aiaas-${'Ab1_'.repeat(8)}`
    const records = new Map([
      [hashKeySecret(key), keyRecord({ api_key_id: 'new' })],
      [hashKeySecret(legacy), keyRecord({ api_key_id: 'old' })],
    ])
    const { authenticate, lookups } = authenticator(records)
    expect(await authenticate(requestWith(key))).toMatchObject({ api_key_id: 'new' })
    expect(await authenticate(requestWith(legacy))).toMatchObject({ api_key_id: 'old' })
    expect(lookups).toEqual([hashKeySecret(key), hashKeySecret(legacy)])
  })

  it('refuses a revoked key, an expired key and a key of a suspended or closed organization', async () => {
    const cases: [Partial<ApiKeyRecord>, string][] = [
      [{ status: 'revoked' }, 'API_KEY_REVOKED'],
      [{ expires_at: new Date(T0).toISOString() }, 'API_KEY_EXPIRED'],
      [{ organization_status: 'suspended' }, 'ORGANIZATION_SUSPENDED'],
      [{ organization_status: 'closed' }, 'ORGANIZATION_SUSPENDED'],
    ]
    for (const [fields, code] of cases) {
      const key = newKeySecret()
      const { authenticate } = authenticator(new Map([[hashKeySecret(key), keyRecord(fields)]]))
      expect(await codeOf(authenticate(requestWith(key))), code).toBe(code)
    }
  })

  it('stops a key at its expiry and a replaced secret at its grace end, even while cached', async () => {
    const key = newKeySecret()
    const old = newKeySecret()
    const records = new Map([
      [hashKeySecret(key), keyRecord({ expires_at: new Date(T0 + 5000).toISOString() })],
      [hashKeySecret(old), keyRecord({ valid_until: new Date(T0 + 3000).toISOString() })],
    ])
    const { authenticate, lookups, clock } = authenticator(records)
    expect(await codeOf(authenticate(requestWith(key)))).toBe('accepted')
    expect(await codeOf(authenticate(requestWith(old)))).toBe('accepted')
    clock.now = T0 + 3000
    expect(await codeOf(authenticate(requestWith(old)))).toBe('UNAUTHENTICATED')
    expect(await codeOf(authenticate(requestWith(key)))).toBe('accepted')
    clock.now = T0 + 5000
    expect(await codeOf(authenticate(requestWith(key)))).toBe('API_KEY_EXPIRED')
    expect(lookups).toHaveLength(2)
  })

  it('answers 503 key_store_unavailable, not 500, for a key it cannot look up while PostgreSQL is down', async () => {
    const authenticate = createKeyAuthenticator(
      async () => {
        throw new AppError('DATABASE_UNAVAILABLE', 'database unavailable: connect ECONNREFUSED')
      },
      { now: () => T0 },
    )
    expect(await codeOf(authenticate(requestWith(newKeySecret())))).toBe('KEY_STORE_UNAVAILABLE')
  })
})
