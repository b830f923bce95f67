import { describe, it } from 'vitest'
import type { ApiKeyEvent } from '../../../domain/api-keys/api-key.ts'
import type {
  IssueApiKey,
  RevokeApiKey,
  RotateApiKey,
  RotateSigningSecret,
} from '../../../domain/api-keys/decide.ts'
import { apiKeyDecider } from '../../../domain/api-keys/decider.ts'
import {
  evolve as evolveOrganization,
  initialState as noOrganization,
  type Organization,
  type OrganizationEvent,
} from '../../../domain/organizations/organization.ts'
import {
  evolve as evolveUser,
  initialState as noUser,
  type User,
  type UserEvent,
} from '../../../domain/users/user.ts'
import { specFor } from '../../support/decider.ts'

const given = specFor(apiKeyDecider)
const now = '2026-11-26T10:00:00.000Z'
const api_key_id = '0190a8e2-0000-7000-8000-0000000000a1'
const organization_id = '0190a8e2-0000-7000-8000-000000000001'
const data: IssueApiKey['data'] = {
  api_key_id,
  organization_id,
  name: 'ci',
  key_hash: 'a'.repeat(64),
  key_prefix: 'sk-aiaas-abcdefghijkl',
  allowed_models: ['echo'],
  rpm_limit: 60,
  tpm_limit: 10_000,
  expires_at: '2027-01-01T00:00:00.000Z',
  owner_user_id: null,
  require_signature: false,
  signing_secret: null,
  now,
}
/** A sealed signing secret as the command handler passes it (opaque to the decider). */
const sealed = (n: string) => ({
  data_key_id: `0190a8e2-0000-7000-8000-0000000000d${n}`,
  alg: 'AES-256-GCM' as const,
  iv: 'aXY=',
  ciphertext: `Y2lwaGVy${n}`,
  tag: 'dGFn',
})
const organization = (...events: OrganizationEvent[]): Organization =>
  [
    { type: 'OrganizationCreated' as const, data: { organization_id, name: 'Acme', created_at: now } },
    ...events,
  ].reduce(evolveOrganization, noOrganization)
const issue = (
  org: Organization,
  fields: Partial<IssueApiKey['data']> = {},
  owner: User | null = null,
): IssueApiKey => ({
  type: 'IssueApiKey',
  data: { ...data, ...fields },
  organization: org,
  owner,
})
const owner_user_id = '0190a8e2-0000-7000-8000-0000000000u1'
const user = (...events: UserEvent[]): User =>
  [
    {
      type: 'UserCreated' as const,
      data: { user_id: owner_user_id, email: 'ada@example.com', display_name: 'Ada', created_at: now },
    },
    ...events,
  ].reduce(evolveUser, noUser)
const member: UserEvent = {
  type: 'MembershipAdded',
  data: { user_id: owner_user_id, organization_id, roles: ['member'], at: now },
}
const { now: _now, signing_secret: _none, ...issuedData } = data
const issued: ApiKeyEvent = { type: 'ApiKeyIssued', data: { ...issuedData, issued_at: now } }
const later = '2026-11-26T11:00:00.000Z'
const revoke: RevokeApiKey = { type: 'RevokeApiKey', data: { api_key_id, now: later } }
const revoked: ApiKeyEvent = {
  type: 'ApiKeyRevoked',
  data: { api_key_id, organization_id, revoked_at: later },
}
const rotate = (grace_seconds: number): RotateApiKey => ({
  type: 'RotateApiKey',
  data: {
    api_key_id,
    key_hash: 'b'.repeat(64),
    key_prefix: 'sk-aiaas-bbbbbbbbbbbb',
    grace_seconds,
    now: later,
  },
})
const rotated = (previous_valid_until: string): ApiKeyEvent => ({
  type: 'ApiKeyRotated',
  data: {
    api_key_id,
    organization_id,
    key_hash: 'b'.repeat(64),
    key_prefix: 'sk-aiaas-bbbbbbbbbbbb',
    previous_key_hash: 'a'.repeat(64),
    previous_valid_until,
    rotated_at: later,
  },
})

describe('API key decider: issue', () => {
  it('issues a key with its models, limits and expiry, storing only the hash', () => {
    given([]).when(issue(organization())).then([issued])
  })

  it('issues a key that requires signatures with its sealed signing secret, in a second event', () => {
    given([])
      .when(issue(organization(), { require_signature: true, signing_secret: sealed('1') }))
      .then([
        { type: 'ApiKeyIssued', data: { ...issuedData, require_signature: true, issued_at: now } },
        {
          type: 'ApiKeySigningSecretSet',
          data: { api_key_id, organization_id, signing_secret: sealed('1'), set_at: now },
        },
      ])
  })

  it('refuses a key that requires signatures without a signing secret (it could never be used)', () => {
    given([])
      .when(issue(organization(), { require_signature: true, signing_secret: null }))
      .thenThrows('VALIDATION_FAILED')
  })

  it('stores a list of models without duplicates, and null as every model', () => {
    const event = (allowed_models: string[] | null): ApiKeyEvent => ({
      type: 'ApiKeyIssued',
      data: { ...issuedData, allowed_models, issued_at: now },
    })
    given([])
      .when(issue(organization(), { allowed_models: ['echo', 'gpt', 'echo'] }))
      .then([event(['echo', 'gpt'])])
    given([])
      .when(issue(organization(), { allowed_models: null }))
      .then([event(null)])
  })

  it('refuses a key for an organization that does not exist', () => {
    given([]).when(issue(noOrganization)).thenThrows('ORG_NOT_FOUND')
  })

  it('refuses a key for a suspended or closed organization', () => {
    const suspended = organization({
      type: 'OrganizationSuspended',
      data: { organization_id, reason: 'unpaid', suspended_at: now },
    })
    given([]).when(issue(suspended)).thenThrows('ORG_SUSPENDED')
    const closed = organization({ type: 'OrganizationClosed', data: { organization_id, closed_at: now } })
    given([]).when(issue(closed)).thenThrows('ORG_CLOSED')
  })

  it('refuses an expiry that is not in the future', () => {
    given([])
      .when(issue(organization(), { expires_at: now }))
      .thenThrows('API_KEY_EXPIRY_IN_PAST')
  })

  it('gives the key an owner who is a member of its organization', () => {
    const owned: ApiKeyEvent = {
      type: 'ApiKeyIssued',
      data: { ...issuedData, owner_user_id, issued_at: now },
    }
    given([])
      .when(issue(organization(), { owner_user_id }, user(member)))
      .then([owned])
  })

  it('refuses an owner who does not exist, is disabled, or is not a member of the organization', () => {
    given([])
      .when(issue(organization(), { owner_user_id }, noUser))
      .thenThrows('USER_NOT_FOUND')
    const disabled: UserEvent = { type: 'UserDisabled', data: { user_id: owner_user_id, disabled_at: now } }
    given([])
      .when(issue(organization(), { owner_user_id }, user(member, disabled)))
      .thenThrows('USER_DISABLED')
    given([])
      .when(issue(organization(), { owner_user_id }, user()))
      .thenThrows('API_KEY_OWNER_NOT_MEMBER')
  })

  it('refuses to issue the same key id twice', () => {
    given([issued]).when(issue(organization())).thenThrows('API_KEY_ALREADY_EXISTS')
  })
})

describe('API key decider: revoke', () => {
  it('revokes an active key', () => {
    given([issued]).when(revoke).then([revoked])
  })

  it('revokes a rotated key (its replaced secret stops with it)', () => {
    given([issued, rotated(later)])
      .when(revoke)
      .then([revoked])
  })

  it('refuses to revoke a key twice', () => {
    given([issued, revoked]).when(revoke).thenThrows('API_KEY_ALREADY_REVOKED')
  })

  it('refuses a key that does not exist', () => {
    given([]).when(revoke).thenThrows('API_KEY_NOT_FOUND')
  })
})

describe('API key decider: rotate', () => {
  it('replaces the hash; the old one works until the grace ends', () => {
    given([issued])
      .when(rotate(3600))
      .then([rotated('2026-11-26T12:00:00.000Z')])
  })

  it('with no grace, the old secret stops when the rotation is decided', () => {
    given([issued])
      .when(rotate(0))
      .then([rotated(later)])
  })

  it('replaces the current secret on a second rotation, not the first one', () => {
    const second: RotateApiKey = {
      type: 'RotateApiKey',
      data: { ...rotate(60).data, key_hash: 'c'.repeat(64), key_prefix: 'sk-aiaas-cccccccccccc' },
    }
    given([issued, rotated(later)])
      .when(second)
      .then([
        {
          type: 'ApiKeyRotated',
          data: {
            api_key_id,
            organization_id,
            key_hash: 'c'.repeat(64),
            key_prefix: 'sk-aiaas-cccccccccccc',
            previous_key_hash: 'b'.repeat(64),
            previous_valid_until: '2026-11-26T11:01:00.000Z',
            rotated_at: later,
          },
        },
      ])
  })

  it('refuses a grace over 7 days or below zero', () => {
    given([issued])
      .when(rotate(7 * 24 * 3600 + 1))
      .thenThrows('VALIDATION_FAILED')
    given([issued]).when(rotate(-1)).thenThrows('VALIDATION_FAILED')
  })

  it('refuses to rotate a revoked key', () => {
    given([issued, revoked]).when(rotate(60)).thenThrows('API_KEY_ALREADY_REVOKED')
  })

  it('refuses a key that does not exist', () => {
    given([]).when(rotate(60)).thenThrows('API_KEY_NOT_FOUND')
  })
})

describe('API key decider: rotate the signing secret', () => {
  const rotateSecret = (n: string): RotateSigningSecret => ({
    type: 'RotateSigningSecret',
    data: { api_key_id, signing_secret: sealed(n), now: later },
  })
  const secretSet = (n: string): ApiKeyEvent => ({
    type: 'ApiKeySigningSecretSet',
    data: { api_key_id, organization_id, signing_secret: sealed(n), set_at: later },
  })

  it('gives a key issued without one its first signing secret', () => {
    given([issued])
      .when(rotateSecret('2'))
      .then([secretSet('2')])
  })

  it('replaces the signing secret of a key that has one', () => {
    given([issued, secretSet('2')])
      .when(rotateSecret('3'))
      .then([secretSet('3')])
  })

  it('refuses a revoked key and a key that does not exist', () => {
    given([issued, revoked]).when(rotateSecret('2')).thenThrows('API_KEY_ALREADY_REVOKED')
    given([]).when(rotateSecret('2')).thenThrows('API_KEY_NOT_FOUND')
  })
})
