import { AppError } from '../errors.ts'
import type { Organization } from '../organizations/organization.ts'
import type { ApiKey, ApiKeyEvent } from './api-key.ts'

export interface IssueApiKey {
  type: 'IssueApiKey'
  data: {
    api_key_id: string
    organization_id: string
    name: string
    key_hash: string
    key_prefix: string
    now: string
  }
  /** The state of the organization the key is for, loaded by the command handler. */
  organization: Organization
}

export type ApiKeyCommand = IssueApiKey

function issueApiKey(command: IssueApiKey, state: ApiKey): ApiKeyEvent[] {
  const { api_key_id, organization_id, name, key_hash, key_prefix, now } = command.data
  if (command.organization.status !== 'Active') {
    throw new AppError('ORG_NOT_FOUND', 'no such organization', { organization_id })
  }
  if (state.status !== 'Absent') {
    throw new AppError('API_KEY_ALREADY_EXISTS', 'the API key already exists', { api_key_id })
  }
  return [
    {
      type: 'ApiKeyIssued',
      data: { api_key_id, organization_id, name, key_hash, key_prefix, issued_at: now },
    },
  ]
}

export function decide(command: ApiKeyCommand, state: ApiKey): ApiKeyEvent[] {
  switch (command.type) {
    case 'IssueApiKey':
      return issueApiKey(command, state)
    default: {
      const unknown: never = command.type
      throw new Error(`unknown command ${unknown}`)
    }
  }
}
