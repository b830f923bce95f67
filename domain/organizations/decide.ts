import { AppError } from '../errors.ts'
import type { ExistingOrganization, Organization, OrganizationEvent } from './organization.ts'
import {
  canonicalModels,
  isMinuteLimit,
  isTimeZone,
  isWebhookUrl,
  type OrganizationSettings,
  sameSettings,
} from './settings.ts'

// Commands carry everything a decision needs (ids, time): the decider stays pure.
interface Addressed<T extends string, D = object> {
  type: T
  data: { organization_id: string; now: string } & D
}

export type CreateOrganization = Addressed<'CreateOrganization', { name: string }>
export type SetMonthlyBudget = Addressed<'SetMonthlyBudget', { monthly_limit_usd: number | null }>
export type RenameOrganization = Addressed<'RenameOrganization', { name: string }>
/** A partial change: a field left out (or undefined) keeps its value. */
export type SettingsChange = { [K in keyof OrganizationSettings]?: OrganizationSettings[K] | undefined }

export type ChangeOrganizationSettings = Addressed<'ChangeOrganizationSettings', SettingsChange>
/** Rename and settings in one decision: a PATCH of both is one append, all or nothing. */
export type UpdateOrganization = Addressed<
  'UpdateOrganization',
  { name?: string | undefined; settings?: SettingsChange | undefined }
>
export type SuspendOrganization = Addressed<'SuspendOrganization', { reason: string }>
export type ReactivateOrganization = Addressed<'ReactivateOrganization'>
export type CloseOrganization = Addressed<'CloseOrganization'>

export type OrganizationCommand =
  | CreateOrganization
  | SetMonthlyBudget
  | RenameOrganization
  | ChangeOrganizationSettings
  | UpdateOrganization
  | SuspendOrganization
  | ReactivateOrganization
  | CloseOrganization

type Open = Exclude<ExistingOrganization, { status: 'Closed' }>

/** The organization a command may change: it exists and is not closed (closing is final). */
function open(state: Organization, organization_id: string): Open {
  if (state.status === 'Absent')
    throw new AppError('ORG_NOT_FOUND', 'no such organization', { organization_id })
  if (state.status === 'Closed')
    throw new AppError('ORG_CLOSED', 'the organization is closed; it can only be read', { organization_id })
  return state
}

function createOrganization(command: CreateOrganization, state: Organization): OrganizationEvent[] {
  if (state.status !== 'Absent') {
    throw new AppError('ORG_ALREADY_EXISTS', 'the organization already exists', {
      organization_id: command.data.organization_id,
    })
  }
  const { organization_id, name, now } = command.data
  return [{ type: 'OrganizationCreated', data: { organization_id, name, created_at: now } }]
}

function setMonthlyBudget(command: SetMonthlyBudget, state: Organization): OrganizationEvent[] {
  const { organization_id, monthly_limit_usd, now } = command.data
  const organization = open(state, organization_id)
  // Setting the budget it already has changes nothing, so a retried request adds no event.
  if (organization.monthly_limit_usd === monthly_limit_usd) return []
  return [{ type: 'OrganizationBudgetSet', data: { organization_id, monthly_limit_usd, set_at: now } }]
}

function renameOrganization(command: RenameOrganization, state: Organization): OrganizationEvent[] {
  const { organization_id, name, now } = command.data
  // Renaming to the name it has changes nothing: a retried PATCH adds no event.
  if (open(state, organization_id).name === name) return []
  return [{ type: 'OrganizationRenamed', data: { organization_id, name, renamed_at: now } }]
}

function changeSettings(command: ChangeOrganizationSettings, state: Organization): OrganizationEvent[] {
  const { organization_id, now, ...change } = command.data
  const current = open(state, organization_id).settings
  const next: OrganizationSettings = {
    timezone: change.timezone ?? current.timezone,
    allowed_models:
      change.allowed_models === undefined ? current.allowed_models : canonicalModels(change.allowed_models),
    mfa_required: change.mfa_required ?? current.mfa_required,
    rpm_limit: change.rpm_limit === undefined ? current.rpm_limit : change.rpm_limit,
    tpm_limit: change.tpm_limit === undefined ? current.tpm_limit : change.tpm_limit,
    limits_fail_open: change.limits_fail_open ?? current.limits_fail_open,
    budget_alert_webhook_url:
      change.budget_alert_webhook_url === undefined
        ? current.budget_alert_webhook_url
        : change.budget_alert_webhook_url,
  }
  checkSettings(organization_id, next)
  if (sameSettings(current, next)) return []
  return [{ type: 'OrganizationSettingsChanged', data: { organization_id, ...next, changed_at: now } }]
}

/** The decider's own checks, behind the edge's schema: a command may not come through the API. */
function checkSettings(organization_id: string, next: OrganizationSettings): void {
  if (!isMinuteLimit(next.rpm_limit) || !isMinuteLimit(next.tpm_limit)) {
    throw new AppError('ORG_LIMIT_INVALID', 'rpm_limit and tpm_limit are positive integers or null', {
      organization_id,
      rpm_limit: next.rpm_limit,
      tpm_limit: next.tpm_limit,
    })
  }
  if (!isWebhookUrl(next.budget_alert_webhook_url)) {
    throw new AppError(
      'ORG_WEBHOOK_URL_INVALID',
      'budget_alert_webhook_url is https (or http to loopback) or null',
      {
        organization_id,
      },
    )
  }
  if (!isTimeZone(next.timezone)) {
    throw new AppError('ORG_TIMEZONE_INVALID', `unknown time zone ${JSON.stringify(next.timezone)}`, {
      organization_id,
      timezone: next.timezone,
    })
  }
}

function update(command: UpdateOrganization, state: Organization): OrganizationEvent[] {
  const { organization_id, now, name, settings } = command.data
  open(state, organization_id)
  const renamed =
    name === undefined
      ? []
      : renameOrganization({ type: 'RenameOrganization', data: { organization_id, name, now } }, state)
  const changed =
    settings === undefined
      ? []
      : changeSettings(
          { type: 'ChangeOrganizationSettings', data: { organization_id, ...settings, now } },
          state,
        )
  return [...renamed, ...changed]
}

function suspend(command: SuspendOrganization, state: Organization): OrganizationEvent[] {
  const { organization_id, reason, now } = command.data
  if (open(state, organization_id).status === 'Suspended')
    throw new AppError('ORG_SUSPENDED', 'the organization is already suspended', { organization_id })
  return [{ type: 'OrganizationSuspended', data: { organization_id, reason, suspended_at: now } }]
}

function reactivate(command: ReactivateOrganization, state: Organization): OrganizationEvent[] {
  const { organization_id, now } = command.data
  if (open(state, organization_id).status !== 'Suspended')
    throw new AppError('ORG_NOT_SUSPENDED', 'the organization is not suspended', { organization_id })
  return [{ type: 'OrganizationReactivated', data: { organization_id, reactivated_at: now } }]
}

function close(command: CloseOrganization, state: Organization): OrganizationEvent[] {
  const { organization_id, now } = command.data
  open(state, organization_id)
  return [{ type: 'OrganizationClosed', data: { organization_id, closed_at: now } }]
}

export function decide(command: OrganizationCommand, state: Organization): OrganizationEvent[] {
  switch (command.type) {
    case 'CreateOrganization':
      return createOrganization(command, state)
    case 'SetMonthlyBudget':
      return setMonthlyBudget(command, state)
    case 'RenameOrganization':
      return renameOrganization(command, state)
    case 'ChangeOrganizationSettings':
      return changeSettings(command, state)
    case 'UpdateOrganization':
      return update(command, state)
    case 'SuspendOrganization':
      return suspend(command, state)
    case 'ReactivateOrganization':
      return reactivate(command, state)
    case 'CloseOrganization':
      return close(command, state)
    default: {
      const unknown: never = command
      throw new Error(`unknown command ${JSON.stringify(unknown)}`)
    }
  }
}
