import { describe, it } from 'vitest'
import type { IssueApiKey } from '../../../domain/api-keys/decide.ts'
import { apiKeyDecider } from '../../../domain/api-keys/decider.ts'
import type { Organization } from '../../../domain/organizations/organization.ts'
import { specFor } from '../../support/decider.ts'

const given = specFor(apiKeyDecider)
const now = '2026-11-26T10:00:00.000Z'
const data = {
  api_key_id: '0190a8e2-0000-7000-8000-0000000000a1',
  organization_id: '0190a8e2-0000-7000-8000-000000000001',
  name: 'ci',
  key_hash: 'a'.repeat(64),
  key_prefix: 'sk-aiaas-abcd',
  now,
}
const activeOrg: Organization = {
  status: 'Active',
  organization_id: data.organization_id,
  name: 'Acme',
  created_at: now,
  settings: { timezone: 'UTC', allowed_models: null, mfa_required: false },
  monthly_limit_usd: null,
}
const issue = (organization: Organization): IssueApiKey => ({ type: 'IssueApiKey', data, organization })
const { now: _now, ...issuedData } = data
const issued = { type: 'ApiKeyIssued' as const, data: { ...issuedData, issued_at: now } }

describe('API key decider', () => {
  it('issues a key for an active organization, storing only the hash', () => {
    given([]).when(issue(activeOrg)).then([issued])
  })

  it('refuses a key for an organization that does not exist', () => {
    given([])
      .when(issue({ status: 'Absent' }))
      .thenThrows('ORG_NOT_FOUND')
  })

  it('refuses to issue the same key id twice', () => {
    given([issued]).when(issue(activeOrg)).thenThrows('API_KEY_ALREADY_EXISTS')
  })
})
