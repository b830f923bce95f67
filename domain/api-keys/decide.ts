import { AppError } from '../errors.ts'
import type { Organization } from '../organizations/organization.ts'
import type { SealedSecret } from '../secrets/sealed-secret.ts'
import type { User } from '../users/user.ts'
import { type ApiKey, type ApiKeyEvent, type ApiKeyOptions, MAX_GRACE_SECONDS } from './api-key.ts'

// Commands carry everything a decision needs (ids, hashes, time): the decider stays pure.
export interface IssueApiKey {
  type: 'IssueApiKey'
  data: ApiKeyOptions & {
    api_key_id: string
    organization_id: string
    name: string
    key_hash: string
    key_prefix: string
    /** The sealed request-signing secret: required when require_signature, else null. */
    signing_secret: SealedSecret | null
    now: string
  }
  /** The state of the organization the key is for, loaded by the command handler. */
  organization: Organization
  /** The state of the owner user when owner_user_id is set, loaded by the command handler. */
  owner: User | null
}

export interface RevokeApiKey {
  type: 'RevokeApiKey'
  data: { api_key_id: string; now: string }
}

export interface RotateApiKey {
  type: 'RotateApiKey'
  data: { api_key_id: string; key_hash: string; key_prefix: string; grace_seconds: number; now: string }
}

/** A new request-signing secret (sealed by the command handler); the previous one stops at once. */
export interface RotateSigningSecret {
  type: 'RotateSigningSecret'
  data: { api_key_id: string; signing_secret: SealedSecret; now: string }
}

export type ApiKeyCommand = IssueApiKey | RevokeApiKey | RotateApiKey | RotateSigningSecret

function requireActiveOrganization(organization: Organization, organization_id: string): void {
  if (organization.status === 'Absent')
    throw new AppError('ORG_NOT_FOUND', 'no such organization', { organization_id })
  if (organization.status === 'Suspended')
    throw new AppError('ORG_SUSPENDED', 'the organization is suspended', { organization_id })
  if (organization.status === 'Closed')
    throw new AppError('ORG_CLOSED', 'the organization is closed', { organization_id })
}

/** A key's owner is a user who exists, is not disabled, and belongs to the key's organization. */
function requireOwner(owner: User | null, owner_user_id: string | null, organization_id: string): void {
  if (owner_user_id === null) return
  if (owner === null || owner.status === 'Absent')
    throw new AppError('USER_NOT_FOUND', 'no such user', { owner_user_id })
  if (owner.status === 'Disabled')
    throw new AppError('USER_DISABLED', 'the user is disabled', { owner_user_id })
  if (!owner.platform_admin && owner.memberships[organization_id] === undefined) {
    throw new AppError('API_KEY_OWNER_NOT_MEMBER', 'the owner is not a member of the key’s organization', {
      owner_user_id,
      organization_id,
    })
  }
}

function issueApiKey(command: IssueApiKey, state: ApiKey): ApiKeyEvent[] {
  const { now, signing_secret, ...data } = command.data
  requireActiveOrganization(command.organization, data.organization_id)
  requireOwner(command.owner, data.owner_user_id, data.organization_id)
  if (state.status !== 'Absent') {
    throw new AppError('API_KEY_ALREADY_EXISTS', 'the API key already exists', {
      api_key_id: data.api_key_id,
    })
  }
  if (data.expires_at !== null && Date.parse(data.expires_at) <= Date.parse(now)) {
    throw new AppError('API_KEY_EXPIRY_IN_PAST', 'expires_at must be in the future', {
      expires_at: data.expires_at,
    })
  }
  // A key that refuses unsigned requests and has no secret to sign with could never be used.
  if (data.require_signature && signing_secret === null) {
    throw new AppError('VALIDATION_FAILED', 'a key that requires signatures needs a signing secret', {
      api_key_id: data.api_key_id,
    })
  }
  const allowed_models = data.allowed_models === null ? null : [...new Set(data.allowed_models)]
  const issued: ApiKeyEvent = { type: 'ApiKeyIssued', data: { ...data, allowed_models, issued_at: now } }
  if (signing_secret === null) return [issued]
  const { api_key_id, organization_id } = data
  return [
    issued,
    { type: 'ApiKeySigningSecretSet', data: { api_key_id, organization_id, signing_secret, set_at: now } },
  ]
}

/** The key, when it exists and is not revoked: what revoking and rotating both need. */
function activeKey(state: ApiKey, api_key_id: string) {
  if (state.status === 'Absent') throw new AppError('API_KEY_NOT_FOUND', 'no such API key', { api_key_id })
  if (state.status === 'Revoked') {
    throw new AppError('API_KEY_ALREADY_REVOKED', 'the API key is revoked', {
      api_key_id,
      revoked_at: state.revoked_at,
    })
  }
  return state
}

function revokeApiKey(command: RevokeApiKey, state: ApiKey): ApiKeyEvent[] {
  const { api_key_id, now } = command.data
  const key = activeKey(state, api_key_id)
  return [
    { type: 'ApiKeyRevoked', data: { api_key_id, organization_id: key.organization_id, revoked_at: now } },
  ]
}

function rotateApiKey(command: RotateApiKey, state: ApiKey): ApiKeyEvent[] {
  const { api_key_id, key_hash, key_prefix, grace_seconds, now } = command.data
  const key = activeKey(state, api_key_id)
  if (!Number.isInteger(grace_seconds) || grace_seconds < 0 || grace_seconds > MAX_GRACE_SECONDS) {
    throw new AppError(
      'VALIDATION_FAILED',
      `grace_seconds must be an integer from 0 to ${MAX_GRACE_SECONDS}`,
      {
        grace_seconds,
      },
    )
  }
  const previous_valid_until = new Date(Date.parse(now) + grace_seconds * 1000).toISOString()
  const data = {
    api_key_id,
    organization_id: key.organization_id,
    key_hash,
    key_prefix,
    previous_key_hash: key.key_hash,
    previous_valid_until,
    rotated_at: now,
  }
  return [{ type: 'ApiKeyRotated', data }]
}

function rotateSigningSecret(command: RotateSigningSecret, state: ApiKey): ApiKeyEvent[] {
  const { api_key_id, signing_secret, now } = command.data
  const { organization_id } = activeKey(state, api_key_id)
  return [
    { type: 'ApiKeySigningSecretSet', data: { api_key_id, organization_id, signing_secret, set_at: now } },
  ]
}

export function decide(command: ApiKeyCommand, state: ApiKey): ApiKeyEvent[] {
  switch (command.type) {
    case 'IssueApiKey':
      return issueApiKey(command, state)
    case 'RevokeApiKey':
      return revokeApiKey(command, state)
    case 'RotateApiKey':
      return rotateApiKey(command, state)
    case 'RotateSigningSecret':
      return rotateSigningSecret(command, state)
    default: {
      const unknown: never = command
      throw new Error(`unknown command ${JSON.stringify(unknown)}`)
    }
  }
}
