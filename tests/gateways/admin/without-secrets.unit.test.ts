import { describe, expect, it } from 'vitest'
import { withoutSecrets } from '../../../gateways/admin/idempotency.ts'

// What an idempotent response is stored as: never with a secret, at any depth.

describe('withoutSecrets', () => {
  it('drops key, secret and api_key members at any depth and says it did', () => {
    const response = {
      id: 'k1',
      key: 'sk-aiaas-secret',
      backends: [{ url: 'http://b', api_key: 'provider-secret', api_key_set: true }],
      nested: { secret: 's' },
    }
    const stripped = withoutSecrets(response)
    expect(stripped.hadSecret).toBe(true)
    expect(stripped.value).toEqual({
      id: 'k1',
      backends: [{ url: 'http://b', api_key_set: true }],
      nested: {},
    })
    expect(JSON.stringify(stripped.value)).not.toMatch(/secret/)
  })

  it('keeps a response without secrets as it is', () => {
    const response = { id: 'o1', name: 'Acme', monthly_limit_usd: null, tags: ['a'] }
    expect(withoutSecrets(response)).toEqual({ value: response, hadSecret: false })
  })
})
