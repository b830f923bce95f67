import { describe, expect, it } from 'vitest'
import { createKeyCache } from '../../../gateways/router/key-cache.ts'
import type { ApiKeyRecord } from '../../../projections/api-keys/key-lookup.ts'
import { touchedBy } from '../../../projections/router/touched.ts'
import { keyRecord } from '../../gateways/router/key-record.ts'

// An organization's limits live in its settings, not on its keys: the router's cached key records
// must hear of an OrganizationSettingsChanged, or a new limit would wait for the cache to forget.

describe('organization limits and the router key cache', () => {
  it('re-reads the cached keys of an organization whose settings changed, with the new limits', async () => {
    const records = new Map<string, ApiKeyRecord>([
      ['h1', keyRecord({ api_key_id: 'k1', organization_id: 'o1' })],
      ['h2', keyRecord({ api_key_id: 'k2', organization_id: 'o2' })],
    ])
    const keys = createKeyCache(async (hash) => records.get(hash) ?? null)
    for (const hash of ['h1', 'h2']) await keys.lookup(hash)
    const limited = {
      organization_rpm_limit: 60,
      organization_tpm_limit: 1000,
      organization_limits_fail_open: true,
    }
    records.set('h1', keyRecord({ api_key_id: 'k1', organization_id: 'o1', ...limited }))
    records.set('h2', keyRecord({ api_key_id: 'k2', organization_id: 'o2', ...limited }))
    const event = {
      type: 'OrganizationSettingsChanged',
      stream: 'organization-o1',
      data: {
        organization_id: 'o1',
        timezone: 'UTC',
        allowed_models: null,
        mfa_required: false,
        rpm_limit: 60,
      },
    }
    const changes = await keys.refresh(touchedBy([event]))
    expect(changes.set.map(([hash]) => hash)).toEqual(['h1'])
    expect(await keys.lookup('h1')).toMatchObject(limited)
    // o2's settings did not change: its cached record stays as it was.
    expect(await keys.lookup('h2')).toMatchObject({
      organization_rpm_limit: null,
      organization_limits_fail_open: false,
    })
  })
})
