import { describe, expect, it } from 'vitest'
import {
  formOf,
  type OrgSettings,
  parseLimit,
  settingsPatch,
} from '../../../gateways/console/src/pages/org-settings.ts'

const current: OrgSettings = {
  timezone: 'UTC',
  mfa_required: false,
  rpm_limit: null,
  tpm_limit: 5000,
  limits_fail_open: false,
  budget_alert_webhook_url: null,
  allowed_models: null,
}

describe('the organization settings form', () => {
  it('sends only the settings that changed', () => {
    const form = { ...formOf(current), timezone: 'Europe/Paris', mfa_required: true }
    expect(settingsPatch(current, form)).toEqual({
      ok: true,
      patch: { timezone: 'Europe/Paris', mfa_required: true },
    })
    expect(settingsPatch(current, formOf(current))).toEqual({ ok: true, patch: {} })
  })

  it('reads an empty limit or webhook as none, and a limit as a whole number', () => {
    const form = {
      ...formOf(current),
      rpm_limit: '1,000',
      tpm_limit: '',
      budget_alert_webhook_url: ' https://hooks.example/b ',
    }
    expect(settingsPatch(current, form)).toEqual({
      ok: true,
      patch: { rpm_limit: 1000, tpm_limit: null, budget_alert_webhook_url: 'https://hooks.example/b' },
    })
  })

  it('names the field that is not valid', () => {
    expect(settingsPatch(current, { ...formOf(current), rpm_limit: '0' })).toMatchObject({
      ok: false,
      field: 'rpm_limit',
    })
    expect(settingsPatch(current, { ...formOf(current), tpm_limit: '2.5' })).toMatchObject({
      ok: false,
      field: 'tpm_limit',
    })
    expect(settingsPatch(current, { ...formOf(current), timezone: ' ' })).toMatchObject({
      ok: false,
      field: 'timezone',
    })
    expect([parseLimit(''), parseLimit('12'), parseLimit('-1'), parseLimit('ten')]).toEqual([
      null,
      12,
      undefined,
      undefined,
    ])
  })
})
