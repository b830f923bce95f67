import { describe, expect, it } from 'vitest'
import type { OrganizationCommand, SettingsChange } from '../../../domain/organizations/decide.ts'
import { organizationDecider } from '../../../domain/organizations/decider.ts'
import {
  evolve,
  type OrganizationEvent,
  organizationEventSchema,
} from '../../../domain/organizations/organization.ts'
import { specFor } from '../../support/decider.ts'

// Rename, settings, suspend, reactivate, close: every command and every refusal.
const given = specFor(organizationDecider)
const organization_id = '0190a8e2-0000-7000-8000-000000000001'
const now = '2026-11-26T10:00:00.000Z'
const later = '2026-11-27T08:30:00.000Z'
const created: OrganizationEvent = {
  type: 'OrganizationCreated',
  data: { organization_id, name: 'Acme', created_at: now },
}
const suspended: OrganizationEvent = {
  type: 'OrganizationSuspended',
  data: { organization_id, reason: 'unpaid invoice', suspended_at: later },
}
const closed: OrganizationEvent = { type: 'OrganizationClosed', data: { organization_id, closed_at: later } }

const rename = (name: string): OrganizationCommand => ({
  type: 'RenameOrganization',
  data: { organization_id, name, now: later },
})
const settings = (change: SettingsChange): OrganizationCommand => ({
  type: 'ChangeOrganizationSettings',
  data: { organization_id, ...change, now: later },
})
const noLimits = { rpm_limit: null, tpm_limit: null, limits_fail_open: false, budget_alert_webhook_url: null }
const settingsChanged = (
  timezone: string,
  allowed_models: string[] | null,
  mfa_required: boolean,
  limits: Partial<typeof noLimits> | Record<string, unknown> = {},
) => ({
  type: 'OrganizationSettingsChanged' as const,
  data: {
    organization_id,
    timezone,
    allowed_models,
    mfa_required,
    ...noLimits,
    ...limits,
    changed_at: later,
  },
})
const suspend: OrganizationCommand = {
  type: 'SuspendOrganization',
  data: { organization_id, reason: 'unpaid invoice', now: later },
}
const reactivate: OrganizationCommand = {
  type: 'ReactivateOrganization',
  data: { organization_id, now: later },
}
const close: OrganizationCommand = { type: 'CloseOrganization', data: { organization_id, now: later } }
const setBudget: OrganizationCommand = {
  type: 'SetMonthlyBudget',
  data: { organization_id, monthly_limit_usd: 5, now: later },
}

describe('organization rename', () => {
  it('renames, and records nothing when the name is already that', () => {
    given([created])
      .when(rename('Acme Corp'))
      .then([
        { type: 'OrganizationRenamed', data: { organization_id, name: 'Acme Corp', renamed_at: later } },
      ])
    given([created]).when(rename('Acme')).then([])
  })

  it('renames a suspended organization (suspension stops its keys, not its admins)', () => {
    given([created, suspended])
      .when(rename('Acme Corp'))
      .then([
        { type: 'OrganizationRenamed', data: { organization_id, name: 'Acme Corp', renamed_at: later } },
      ])
  })

  it('refuses an unknown organization and a closed one', () => {
    given([]).when(rename('x')).thenThrows('ORG_NOT_FOUND')
    given([created, closed]).when(rename('x')).thenThrows('ORG_CLOSED')
  })
})

describe('organization settings', () => {
  it('changes only the fields given, recording the whole settings after the change', () => {
    given([created])
      .when(settings({ timezone: 'Europe/Paris' }))
      .then([settingsChanged('Europe/Paris', null, false)])
    given([created, settingsChanged('Europe/Paris', null, false)])
      .when(settings({ mfa_required: true }))
      .then([settingsChanged('Europe/Paris', null, true)])
  })

  it('restricts models (duplicates dropped) and lifts the restriction with null', () => {
    given([created])
      .when(settings({ allowed_models: ['gpt-4o', 'echo', 'gpt-4o'] }))
      .then([settingsChanged('UTC', ['gpt-4o', 'echo'], false)])
    given([created, settingsChanged('UTC', ['echo'], false)])
      .when(settings({ allowed_models: null }))
      .then([settingsChanged('UTC', null, false)])
  })

  it('records nothing when the settings are already those asked for', () => {
    given([created])
      .when(settings({ timezone: 'UTC', allowed_models: null }))
      .then([])
    given([created, settingsChanged('UTC', ['a', 'b'], true)])
      .when(settings({ allowed_models: ['a', 'b', 'a'], mfa_required: true }))
      .then([])
  })

  it('sets and lifts organization-wide limits, fail-open and the budget alert webhook', () => {
    const limits = {
      rpm_limit: 600,
      tpm_limit: 100_000,
      limits_fail_open: true,
      budget_alert_webhook_url: 'https://hooks.example.com/budget',
    }
    given([created])
      .when(settings(limits))
      .then([settingsChanged('UTC', null, false, limits)])
    given([created, settingsChanged('UTC', null, false, limits)])
      .when(settings({ rpm_limit: null, budget_alert_webhook_url: null }))
      .then([
        settingsChanged('UTC', null, false, { ...limits, rpm_limit: null, budget_alert_webhook_url: null }),
      ])
  })

  it('refuses a limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60]) {
      given([created])
        .when(settings({ rpm_limit: bad }))
        .thenThrows('ORG_LIMIT_INVALID')
      given([created])
        .when(settings({ tpm_limit: bad }))
        .thenThrows('ORG_LIMIT_INVALID')
    }
  })

  it('takes an https webhook, or http to loopback only', () => {
    for (const url of ['http://127.0.0.1:8123/hook', 'http://localhost/hook', 'https://a.example/x']) {
      given([created])
        .when(settings({ budget_alert_webhook_url: url }))
        .then([settingsChanged('UTC', null, false, { budget_alert_webhook_url: url })])
    }
    for (const url of [
      'http://hooks.example.com/x',
      'ftp://a.example/x',
      'not a url',
      'https://u:p@a.example/',
    ]) {
      given([created])
        .when(settings({ budget_alert_webhook_url: url }))
        .thenThrows('ORG_WEBHOOK_URL_INVALID')
    }
  })

  it('reads an event written before limits existed as no limits, fail closed, no webhook', () => {
    const old = organizationEventSchema.parse({
      type: 'OrganizationSettingsChanged',
      data: { organization_id, timezone: 'UTC', allowed_models: null, mfa_required: true, changed_at: later },
    })
    const state = [created, old].reduce(evolve, organizationDecider.initialState)
    expect(state.status === 'Active' && state.settings).toEqual({
      timezone: 'UTC',
      allowed_models: null,
      mfa_required: true,
      ...noLimits,
    })
  })

  it('refuses a time zone Intl does not know', () => {
    given([created])
      .when(settings({ timezone: 'Mars/Olympus_Mons' }))
      .thenThrows('ORG_TIMEZONE_INVALID')
    given([created])
      .when(settings({ timezone: '' }))
      .thenThrows('ORG_TIMEZONE_INVALID')
  })

  it('refuses an unknown organization and a closed one', () => {
    given([])
      .when(settings({ mfa_required: true }))
      .thenThrows('ORG_NOT_FOUND')
    given([created, closed])
      .when(settings({ mfa_required: true }))
      .thenThrows('ORG_CLOSED')
  })
})

describe('organization suspension', () => {
  it('suspends an active organization with its reason', () => {
    given([created]).when(suspend).then([suspended])
  })

  it('refuses to suspend twice, an unknown organization and a closed one', () => {
    given([created, suspended]).when(suspend).thenThrows('ORG_SUSPENDED')
    given([]).when(suspend).thenThrows('ORG_NOT_FOUND')
    given([created, closed]).when(suspend).thenThrows('ORG_CLOSED')
  })

  it('reactivates a suspended organization, and only a suspended one', () => {
    given([created, suspended])
      .when(reactivate)
      .then([{ type: 'OrganizationReactivated', data: { organization_id, reactivated_at: later } }])
    given([created]).when(reactivate).thenThrows('ORG_NOT_SUSPENDED')
    given([]).when(reactivate).thenThrows('ORG_NOT_FOUND')
    given([created, suspended, closed]).when(reactivate).thenThrows('ORG_CLOSED')
  })

  it('keeps name, settings and budget through suspension and reactivation', () => {
    const events: OrganizationEvent[] = [
      created,
      settingsChanged('Asia/Tokyo', ['echo'], true),
      { type: 'OrganizationBudgetSet', data: { organization_id, monthly_limit_usd: 9, set_at: now } },
      suspended,
      { type: 'OrganizationReactivated', data: { organization_id, reactivated_at: later } },
    ]
    expect(events.reduce(evolve, organizationDecider.initialState)).toEqual({
      status: 'Active',
      organization_id,
      name: 'Acme',
      created_at: now,
      settings: { timezone: 'Asia/Tokyo', allowed_models: ['echo'], mfa_required: true, ...noLimits },
      monthly_limit_usd: 9,
    })
  })
})

describe('organization closing', () => {
  it('closes an active or a suspended organization', () => {
    given([created]).when(close).then([closed])
    given([created, suspended]).when(close).then([closed])
  })

  it('is final: a closed organization refuses every command', () => {
    const commands: OrganizationCommand[] = [close, suspend, reactivate, rename('x'), settings({}), setBudget]
    for (const command of commands) given([created, closed]).when(command).thenThrows('ORG_CLOSED')
    given([created, closed])
      .when({ type: 'CreateOrganization', data: { organization_id, name: 'Acme', now } })
      .thenThrows('ORG_ALREADY_EXISTS')
  })

  it('refuses to close an organization that does not exist', () => {
    given([]).when(close).thenThrows('ORG_NOT_FOUND')
  })

  it('still sets the budget of a suspended organization', () => {
    given([created, suspended])
      .when(setBudget)
      .then([
        { type: 'OrganizationBudgetSet', data: { organization_id, monthly_limit_usd: 5, set_at: later } },
      ])
  })
})

describe('organization update (PATCH: name and settings in one decision)', () => {
  const update = (data: { name?: string; settings?: { timezone?: string; mfa_required?: boolean } }) => ({
    type: 'UpdateOrganization' as const,
    data: { organization_id, ...data, now: later },
  })

  it('renames and changes settings in one list of events', () => {
    given([created])
      .when(update({ name: 'Acme Corp', settings: { mfa_required: true } }))
      .then([
        { type: 'OrganizationRenamed', data: { organization_id, name: 'Acme Corp', renamed_at: later } },
        settingsChanged('UTC', null, true),
      ])
  })

  it('records nothing when nothing changes, including an empty update', () => {
    given([created])
      .when(update({ name: 'Acme', settings: { timezone: 'UTC' } }))
      .then([])
    given([created]).when(update({})).then([])
  })

  it('refuses the whole update when one part is refused (no rename without its settings)', () => {
    given([created])
      .when(update({ name: 'Acme Corp', settings: { timezone: 'Nowhere/Else' } }))
      .thenThrows('ORG_TIMEZONE_INVALID')
  })

  it('refuses an unknown organization and a closed one, even with nothing to change', () => {
    given([]).when(update({})).thenThrows('ORG_NOT_FOUND')
    given([created, closed]).when(update({})).thenThrows('ORG_CLOSED')
  })
})
