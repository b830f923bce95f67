// The organization settings form: what is typed → the PATCH body of the settings that changed.
// Pure: tested in tests/gateways/console/org-settings.unit.test.ts.

export interface OrgSettings {
  timezone: string
  mfa_required: boolean
  rpm_limit: number | null
  tpm_limit: number | null
  limits_fail_open: boolean
  budget_alert_webhook_url: string | null
  allowed_models: string[] | null
}

/** The form's fields as typed (limits and lists as text; '' means none). */
export interface SettingsForm {
  timezone: string
  mfa_required: boolean
  rpm_limit: string
  tpm_limit: string
  limits_fail_open: boolean
  budget_alert_webhook_url: string
}

export const formOf = (settings: OrgSettings): SettingsForm => ({
  timezone: settings.timezone,
  mfa_required: settings.mfa_required,
  rpm_limit: settings.rpm_limit === null ? '' : String(settings.rpm_limit),
  tpm_limit: settings.tpm_limit === null ? '' : String(settings.tpm_limit),
  limits_fail_open: settings.limits_fail_open,
  budget_alert_webhook_url: settings.budget_alert_webhook_url ?? '',
})

/** '' → null (no limit); a whole number ≥ 1 → it; anything else → undefined (invalid). */
export function parseLimit(text: string): number | null | undefined {
  const trimmed = text.trim().replace(/[,_\s]/g, '')
  if (trimmed === '') return null
  if (!/^\d+$/.test(trimmed)) return undefined
  const value = Number(trimmed)
  return value >= 1 && Number.isSafeInteger(value) ? value : undefined
}

type Patch = Partial<Omit<OrgSettings, 'allowed_models'>>

/** The settings that differ from `current`, or the first field that is not valid. */
export function settingsPatch(
  current: OrgSettings,
  form: SettingsForm,
): { ok: true; patch: Patch } | { ok: false; field: string; error: string } {
  const rpm = parseLimit(form.rpm_limit)
  if (rpm === undefined)
    return {
      ok: false,
      field: 'rpm_limit',
      error: 'Requests per minute: a whole number from 1, or empty for none',
    }
  const tpm = parseLimit(form.tpm_limit)
  if (tpm === undefined)
    return {
      ok: false,
      field: 'tpm_limit',
      error: 'Tokens per minute: a whole number from 1, or empty for none',
    }
  const timezone = form.timezone.trim()
  if (timezone === '')
    return { ok: false, field: 'timezone', error: 'Give a time zone, e.g. UTC or Europe/Paris' }
  const webhook = form.budget_alert_webhook_url.trim() === '' ? null : form.budget_alert_webhook_url.trim()
  const wanted: Patch = {
    timezone,
    mfa_required: form.mfa_required,
    rpm_limit: rpm,
    tpm_limit: tpm,
    limits_fail_open: form.limits_fail_open,
    budget_alert_webhook_url: webhook,
  }
  const patch: Patch = {}
  for (const [key, value] of Object.entries(wanted) as Array<[keyof Patch, Patch[keyof Patch]]>) {
    if (current[key] !== value) Object.assign(patch, { [key]: value })
  }
  return { ok: true, patch }
}
